import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CellRecord,
  type Experiment,
  formatCitation,
  resultsToCsv,
  rowsOf,
  stringifyWithNumbers,
} from '@paperkit/tensor-core';
import type { StderrProgress } from '../progress.js';
import { cellFile, cellFileName, loadCells, orderedRecords } from './cells-store.js';
import { configHash } from './config-hash.js';
import type { HostEnd, RunHost } from './host.js';
import { errorLine, MANIFEST_SCHEMA_VERSION, type RunManifest, type RunStatus } from './manifest.js';
import { type CellMessage, deserializeError, type HostBackend, type SerializedError } from './protocol.js';
import { backendSlug, RunFolder, readManifest, runFolderPath } from './run-folder.js';
import { readJsonFile, readRegularFile } from './safe-read.js';

/** Git facts shared by all runs of an invocation. */
export interface GitState {
  readonly sha: string | null;
  readonly dirty: boolean | null;
}

/** One seed of one experiment to execute. */
export interface RunRequest {
  readonly experiment: Experiment;
  /** `name@version` of the experiment's package. */
  readonly packageSpec: string;
  readonly preset: string;
  /** Keys set with `--set` (recorded in the manifest). */
  readonly overrides: Record<string, unknown>;
  /** The resolved, validated config. */
  readonly config: unknown;
  readonly seed: number;
  /** Output root (`runs/`). */
  readonly out: string;
  readonly git: GitState;
  readonly host: RunHost;
  /** The host's backend (part of the run identity). */
  readonly backend: HostBackend;
  /** Recompute even when a completed run of the same identity exists. */
  readonly force: boolean;
  /** First Ctrl-C: stop at the next abort check. */
  readonly signal: AbortSignal;
  /** Second Ctrl-C: stop now (terminates a worker). */
  readonly kill: AbortSignal;
  readonly progress: StderrProgress;
  /** Called just before the experiment starts, with the number of cells reused from an earlier attempt. */
  readonly onStart?: (reused: number) => void;
  readonly onWarning?: (message: string) => void;
  /** Text the experiment's thread printed. */
  readonly onOutput?: (text: string) => void;
  /** Receives the folder while the run is live (null afterwards), so a hard exit can finalise it. */
  readonly onActive?: (folder: RunFolder | null) => void;
}

/** The run could not start: the registry or the worker failed to load. No folder was written. */
export class RunStartError extends Error {
  override readonly name = 'RunStartError';
}

/** What happened to one seed. `reused`: a completed run of the same identity was found and kept. */
export interface RunOutcome {
  readonly status: Exclude<RunStatus, 'running'> | 'reused';
  /** Where the folder is. */
  readonly dir: string;
  readonly manifest: RunManifest;
  /** The seed's completed cells, in the experiment's cell order. */
  readonly records: readonly CellRecord[];
}

function isAbort(err: SerializedError, signal: AbortSignal): boolean {
  return signal.aborted || err.name === 'AbortError';
}

function judgeEnd(
  end: HostEnd,
  signal: AbortSignal,
): { status: Exclude<RunStatus, 'running'>; error: string | null } {
  switch (end.type) {
    case 'done':
      return { status: 'completed', error: null };
    case 'error': {
      const line = errorLine(deserializeError(end.error));
      return isAbort(end.error, signal)
        ? { status: 'aborted', error: `aborted by the user (${line})` }
        : { status: 'failed', error: line };
    }
    case 'stopped':
      return { status: 'aborted', error: `aborted by the user (${end.reason})` };
    case 'crashed':
      return { status: 'failed', error: end.reason };
    case 'init-failed':
      return { status: 'failed', error: errorLine(deserializeError(end.error)) };
  }
}

/** Lines of an earlier attempt's metrics.jsonl that belong to the reused cells. */
function reusedMetricLines(dir: string, keys: ReadonlySet<string>): string[] {
  const r = readRegularFile(join(dir, 'metrics.jsonl'));
  if (!r.ok) return [];
  const out: string[] = [];
  for (const line of r.value.split('\n')) {
    if (!line) continue;
    try {
      const rec = JSON.parse(line) as { cell?: unknown };
      if (typeof rec.cell === 'string' && keys.has(rec.cell)) out.push(line);
    } catch {
      // A torn last line of a killed run: skipped.
    }
  }
  return out;
}

/**
 * Runs one seed of one experiment into its run folder (see {@link RunFolder} for the atomicity
 * guarantees); never throws for a failing experiment: the outcome says failed or aborted and the
 * folder records why. The folder's identity is the experiment, the config hash, the backend (with
 * its BLAS threads) and the seed:
 * - a completed folder of that identity is reused as it is (`--force` recomputes);
 * - an aborted or failed one lends its completed cells (validated, same config hash), which are
 *   copied, not recomputed; the rest run;
 * - each cell is written to `cells/` the moment it completes, so an interrupted run keeps them.
 * Throws {@link RunStartError} when the run could not start; runner errors (an unwritable disk) propagate.
 */
export async function executeRun(req: RunRequest): Promise<RunOutcome | null> {
  const e = req.experiment;
  const hash = configHash(req.config);
  const backendId = backendSlug(req.backend.info.label, req.backend.blasThreads);
  const target = runFolderPath(req.out, e.id, hash, backendId, req.seed);
  const order = e.cells(req.config as never).map((c) => c.key);
  const previous = existsSync(target) ? readManifest(target) : null;
  const sameConfig = (() => {
    const c = readJsonFile(join(target, 'config.json'));
    return c.ok && configHash(c.value) === hash;
  })();
  if (previous && sameConfig && previous.status === 'completed' && !req.force) {
    const loaded = loadCells(target);
    const records = orderedRecords(req.seed, loaded.cells, order);
    if (records.length === order.length)
      return { status: 'reused', dir: target, manifest: previous, records };
  }
  const cached = new Map<string, CellMessage>();
  if (previous && sameConfig && previous.status !== 'running' && !req.force)
    for (const [k, f] of loadCells(target).cells)
      if (order.includes(k)) cached.set(k, { type: 'cell', ...f, reused: true });
  const files = new Map<string, CellMessage>(cached);
  let folder: RunFolder | null = null;
  const end = await req.host.run(
    {
      experiment: e,
      config: req.config,
      seed: req.seed,
      preset: req.preset,
      cached: new Map([...cached].map(([k, m]) => [k, m.result])),
    },
    {
      onStart(startedAt) {
        folder = RunFolder.create(target, req.config, {
          schemaVersion: MANIFEST_SCHEMA_VERSION,
          experiment: e.id,
          title: e.title,
          paper: formatCitation(e.paper),
          package: req.packageSpec,
          configHash: hash,
          seed: req.seed,
          preset: req.preset,
          overrides: req.overrides,
          backend: req.backend.info.label,
          blasThreads: req.backend.blasThreads,
          backendId,
          tfjsVersion: req.backend.info.tfjsVersion,
          node: process.version,
          platform: process.platform,
          arch: process.arch,
          gitSha: req.git.sha,
          gitDirty: req.git.dirty,
          startedAt: new Date(startedAt).toISOString(),
          endedAt: null,
          wallMs: null,
          finalMemory: null,
          status: 'running',
          error: null,
          warnings: [],
          cells: { total: order.length, completed: [...cached.keys()], reused: [...cached.keys()] },
          resumedFrom: cached.size > 0 && previous ? previous.runId : null,
        });
        for (const m of cached.values()) folder.writeJson(cellFileName(m.key), cellFile(m));
        folder.appendMetricLines(reusedMetricLines(target, new Set(cached.keys())));
        req.onActive?.(folder);
        req.onStart?.(cached.size);
      },
      onLog(cell, step, values) {
        folder?.appendMetric({ cell, step, ...values });
      },
      onCell(m) {
        if (!folder || m.reused) return;
        folder.writeJson(cellFileName(m.key), cellFile(m));
        files.set(m.key, m);
        folder.updateManifest({
          cells: { ...folder.current.cells, completed: order.filter((k) => files.has(k)) },
        });
      },
      onWarning: (m) => req.onWarning?.(m),
      onOutput: (t) => req.onOutput?.(t),
      progress: req.progress,
    },
    { abort: req.signal, kill: req.kill },
  );
  req.progress.finish();
  if (folder === null) {
    if (end.type === 'init-failed') throw new RunStartError(errorLine(deserializeError(end.error)));
    if (end.type === 'stopped') return null;
    throw new RunStartError(end.type === 'crashed' ? end.reason : `the run did not start (${end.type})`);
  }
  const f = folder as RunFolder;
  try {
    const { status, error } = judgeEnd(end, req.signal);
    const warnings: string[] = [];
    if (end.type === 'done' && end.leaked > 0)
      warnings.push(`${end.leaked} tensor(s) still allocated after the run (a leak in the experiment)`);
    const records = orderedRecords(req.seed, new Map([...files].map(([k, m]) => [k, cellFile(m)])), order);
    const rows = rowsOf(records);
    f.writeFile('results.csv', resultsToCsv(rows, Object.keys(e.metrics)));
    f.writeFile(
      'results.jsonl',
      rows.map((r) => stringifyWithNumbers(r)).join('\n') + (rows.length ? '\n' : ''),
    );
    f.finalize(status, error, {
      warnings,
      finalMemory: end.type === 'done' || end.type === 'error' ? end.finalMemory : null,
      cells: { ...f.current.cells, completed: records.map((r) => r.cell.key) },
    });
    const dir = f.commit();
    return { status, dir, manifest: f.current, records };
  } catch (err) {
    // Name the attempt's folder on the error (a full disk leaves it behind for 'paperkit clean').
    if (err && typeof err === 'object' && !('folder' in err)) Object.assign(err, { folder: f.dir });
    throw err;
  } finally {
    req.onActive?.(null);
  }
}
