import {
  type BackendInfo,
  type CellRecord,
  claimResults,
  type Experiment,
  runCells,
  summarizeExperiment,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { canonicalJson } from '../../../runner/src/run/canonical-json.js';
import type { FromWorker, LogData, RunRequest, SummaryData } from '../shared/protocol.js';

/** sha256 (hex) of the canonical JSON of a config: the runner's `configHash`, with WebCrypto. */
export async function configHash(config: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(config)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** tensor-core's summary of the records so far, as plain data (claims carry their declaration). */
export function summaryData(e: Experiment, config: unknown, records: readonly CellRecord[]): SummaryData {
  const s = summarizeExperiment(e, config, records);
  return {
    statistics: s.statistics,
    claims: claimResults(s),
    plots: s.plots,
    plotErrors: s.plotErrors,
  };
}

const PROGRESS_MS = 150;
const LOG_MS = 250;

/**
 * Runs the seeds of one validated config one after another with tensor-core's `runCells` (the
 * runner's own loop: a fresh root stream per cell, results checked against the declared metrics),
 * posting progress, log records and each completed cell with the summary so far. Throws the
 * `AbortError` of `runCells` when `signal` fires.
 */
export async function runSeeds(
  e: Experiment,
  config: Record<string, unknown>,
  req: RunRequest,
  backend: BackendInfo,
  signal: AbortSignal,
  post: (m: FromWorker) => void,
): Promise<void> {
  const t0 = performance.now();
  const records: CellRecord[] = [];
  let logs: LogData[] = [];
  let lastLogPost = 0;
  const flushLogs = () => {
    if (logs.length > 0) post({ type: 'logs', runId: req.runId, logs });
    logs = [];
    lastLogPost = performance.now();
  };
  for (const seed of req.seeds) {
    const started = new Date();
    const s0 = performance.now();
    const tensorsBefore = tf.memory().numTensors;
    let label = '';
    let total = 0;
    let lastProgress = 0;
    const progressPost = (done: number, status: string, force = false) => {
      const now = performance.now();
      if (!force && now - lastProgress < PROGRESS_MS) return;
      lastProgress = now;
      post({ type: 'progress', runId: req.runId, seed, label, done, total, status });
    };
    await runCells(e, config, {
      seed,
      preset: req.preset,
      backend,
      signal,
      progress: {
        start: (l, n) => {
          label = l;
          total = n;
          progressPost(0, '', true);
        },
        update: (done, status) => progressPost(done, status ?? ''),
      },
      log: (cell, step, values) => {
        logs.push({ seed, cell, step, values });
        if (performance.now() - lastLogPost > LOG_MS) flushLogs();
      },
      onCell: (record, info) => {
        flushLogs();
        records.push(record);
        post({
          type: 'cell',
          runId: req.runId,
          cell: {
            seed,
            key: record.cell.key,
            label: record.cell.label,
            params: record.cell.params,
            result: record.result,
            wallMs: info.wallMs,
          },
          summary: summaryData(e, config, records),
        });
      },
    });
    const m = tf.memory();
    post({
      type: 'seed-done',
      runId: req.runId,
      end: {
        seed,
        startedAt: started.toISOString(),
        endedAt: new Date().toISOString(),
        wallMs: Math.round(performance.now() - s0),
        finalMemory: { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers },
        leaked: m.numTensors - tensorsBefore,
      },
    });
  }
  flushLogs();
  post({
    type: 'done',
    runId: req.runId,
    summary: summaryData(e, config, records),
    wallMs: Math.round(performance.now() - t0),
  });
}
