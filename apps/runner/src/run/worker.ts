/**
 * Entry of the runs' worker thread (see worker-host.ts): initialises the backend once and reports it,
 * then for each 'run' message finds the experiment by id in the registry, runs the seed's remaining
 * cells with a signal that reads the shared Ctrl-C flag, and streams logs, cells, progress and the
 * end of the run to the main thread. It never touches the run folder: the main thread owns files,
 * stdout and stderr.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CellResult, type Experiment, initBackend, type ProgressReporter } from '@paperkit/tensor-core';
import { abortFlagOf, flaggedSignal } from './abort-flag.js';
import {
  type FromWorker,
  type RunRequestMessage,
  type SerializedError,
  serializeError,
  type ToWorker,
  type WorkerInput,
} from './protocol.js';
import { hostBackend, runSeed } from './run-seed.js';

/** Progress updates are coalesced to at most one message per this many ms (phase ends always pass). */
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort;
if (port === null)
  throw new Error('paperkit: run/worker.js is a worker_threads entry; it cannot run on its own');

function post(m: FromWorker): void {
  port!.postMessage(m);
}

/**
 * Forwards progress to the main thread's StderrProgress. Experiments may update every step; the
 * display redraws at most every 100 ms anyway, so intermediate updates are dropped here. The
 * latest status is carried along so that a dropped update's status is not lost.
 */
class ForwardedProgress implements ProgressReporter {
  private total = 0;
  private status: string | null = null;
  private last = Number.NEGATIVE_INFINITY;

  start(label: string, total: number): void {
    this.total = total;
    this.status = null;
    this.last = Number.NEGATIVE_INFINITY;
    post({ type: 'progress-start', label: String(label), total });
  }

  update(done: number, status?: string): void {
    if (status !== undefined) this.status = String(status);
    const now = Date.now();
    const phaseEnd = this.total > 0 && done >= this.total;
    if (!phaseEnd && now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    post({ type: 'progress-update', done, status: this.status });
  }
}

let registry: Promise<readonly Experiment[]> | null = null;

async function findExperiment(url: string, id: string): Promise<Experiment> {
  registry ??= import(url).then((mod: { experiments?: unknown }) => {
    if (!Array.isArray(mod.experiments))
      throw new Error(`the registry module ${url} exports no 'experiments' array`);
    return mod.experiments as Experiment[];
  });
  const found = (await registry).find((e) => e.id === id);
  if (!found) throw new Error(`experiment '${id}' is not in the worker's registry ${url}`);
  return found;
}

const input = workerData as WorkerInput;
const registryUrl = input.registry ?? new URL('../registry.js', import.meta.url).href;
const { signal, abort } = flaggedSignal(abortFlagOf(input.abortFlag));
const backendReady = initBackend({
  prefer: input.backend.prefer,
  blas: input.backend.blas,
  onWarning: (message) => post({ type: 'warning', message }),
});
backendReady.then(
  (info) => post({ type: 'backend', backend: hostBackend(info) }),
  (err) => {
    const e = serializeError(err);
    // Native addons can load on the main thread and still fail in a worker (not context-aware).
    post({
      type: 'init-failed',
      error: {
        ...e,
        message: `${e.message} (in the run's worker thread; '--in-process' runs on the main thread instead)`,
      },
    });
  },
);

function initFailed(error: SerializedError): void {
  post({ type: 'init-failed', error });
}

async function runOne(m: RunRequestMessage): Promise<void> {
  let backend: Awaited<typeof backendReady>;
  try {
    backend = await backendReady;
  } catch (err) {
    initFailed(serializeError(err));
    return;
  }
  let experiment: Experiment;
  try {
    experiment = await findExperiment(registryUrl, m.experimentId);
  } catch (err) {
    initFailed(serializeError(err));
    return;
  }
  post({ type: 'ready', startedAt: Date.now() });
  const end = await runSeed(experiment, m.config, {
    seed: m.seed,
    preset: m.preset,
    backend,
    signal,
    progress: new ForwardedProgress(),
    cached: new Map<string, CellResult>(m.cached.map(([k, r]) => [k, r])),
    onLog: (cell, step, values, t) => post({ type: 'log', cell, step, values, t }),
    onCell: (cell) => {
      try {
        post(cell);
      } catch (err) {
        // Structured clone rejects functions, symbols and class instances with private state.
        throw new Error(
          `cell '${cell.key}' returned data that cannot be sent to the runner (${serializeError(err).message})`,
        );
      }
    },
  });
  post(end);
}

// The main thread sends one run at a time and waits for its end; the chain only keeps them in order.
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') abort();
  else queue = queue.then(() => runOne(m));
});
