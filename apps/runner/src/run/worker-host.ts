import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendPreference } from '@paperkit/tensor-core';
import { type AbortFlag, createAbortFlag, raiseAbortFlag } from './abort-flag.js';
import type { HostEnd, RunHandlers, RunHost } from './host.js';
import { errorLine } from './manifest.js';
import {
  deserializeError,
  type FromWorker,
  type HostBackend,
  type SerializedError,
  serializeError,
  type ToWorker,
  type WorkerInput,
} from './protocol.js';

/** The compiled worker entry next to this module (`dist/run/worker.js`). */
export const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);

/** Default wait between the first Ctrl-C and terminating a run that has not stopped. */
export const DEFAULT_ABORT_GRACE_MS = 10_000;

/** Options of {@link workerHost}. */
export interface WorkerHostOptions {
  /** What the worker passes to `initBackend`. */
  readonly backend: { readonly prefer: BackendPreference; readonly blas: 'auto' | 'off' };
  /** Worker entry; default {@link DEFAULT_WORKER_URL}. */
  readonly workerUrl?: URL;
  /** URL of a module exporting `experiments`; default (null) the runner's own registry. */
  readonly registry?: string | null;
  /** How long the first Ctrl-C waits for the experiment to stop before terminating its thread. */
  readonly graceMs?: number;
  /** Node flags of the worker; default this process's `execArgv`. */
  readonly execArgv?: readonly string[];
}

function plainError(message: string): SerializedError {
  return { name: 'Error', message, stack: null };
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** The worker thread and its Ctrl-C flag. */
interface Thread {
  readonly worker: Worker;
  readonly flag: AbortFlag;
  /** Set when the worker is being terminated on purpose. */
  stopReason: string | null;
  /** First uncaught error of the thread. */
  uncaught: SerializedError | null;
  /** Settles when the worker reports its backend (or that it cannot load). */
  readonly backend: Promise<HostBackend>;
  /** Warnings of the backend's initialisation go here until a run takes over. */
  onWarning: (message: string) => void;
}

/** The run the worker is working on. */
interface ActiveRun {
  readonly h: RunHandlers;
  started: boolean;
  /** A handler threw (e.g. the run folder cannot be written); the worker is being terminated. */
  handlerError: { readonly err: unknown } | null;
  /** Settles the run's promise (once). */
  settle(end: HostEnd | { readonly type: 'reject'; readonly err: unknown }): void;
}

/**
 * Runs experiments in a `node:worker_threads` Worker, so the main thread keeps its event loop while
 * an experiment runs synchronous loops: Ctrl-C is handled at once, metrics are appended as they
 * arrive, and a run that will not stop can be terminated (V8 interrupts running JS). One worker
 * serves the runs of an invocation one after another (it loads tfjs and the backend once, ~1 s);
 * a worker that crashed or was terminated is replaced for the next run.
 *
 * First Ctrl-C (`signals.abort`): raises the shared flag that the worker's `ctx.signal.aborted`
 * reads, posts 'abort' for listeners, and terminates the worker if the run has not ended after
 * `graceMs`. Second Ctrl-C (`signals.kill`): terminates it at once.
 */
export function workerHost(o: WorkerHostOptions): RunHost {
  const url = o.workerUrl ?? DEFAULT_WORKER_URL;
  const graceMs = o.graceMs ?? DEFAULT_ABORT_GRACE_MS;
  let thread: Thread | null = null;
  let active: ActiveRun | null = null;

  const stop = (t: Thread, reason: string): void => {
    if (t.stopReason !== null) return;
    t.stopReason = reason;
    void t.worker.terminate();
  };

  const dispatch = (t: Thread, run: ActiveRun, m: FromWorker): void => {
    const h = run.h;
    switch (m.type) {
      case 'warning':
        h.onWarning(m.message);
        return;
      case 'backend':
        return;
      case 'ready':
        h.onStart(m.startedAt);
        run.started = true;
        return;
      case 'log':
        h.onLog(m.cell, m.step, m.values, m.t);
        return;
      case 'cell':
        h.onCell(m);
        return;
      case 'progress-start':
        h.progress.start(m.label, m.total);
        return;
      case 'progress-update':
        if (m.status === null) h.progress.update(m.done);
        else h.progress.update(m.done, m.status);
        return;
      case 'init-failed':
        run.settle({ type: 'init-failed', error: m.error });
        return;
      case 'done':
      case 'error':
        run.settle(m);
        // Idle between runs: it must not keep the process alive if nobody closes it.
        t.worker.unref();
        return;
    }
  };

  const spawn = (): Thread => {
    const flag = createAbortFlag();
    const input: WorkerInput = { backend: o.backend, registry: o.registry ?? null, abortFlag: flag.buffer };
    const worker = new Worker(url, {
      workerData: input,
      stdout: true,
      stderr: true,
      ...(o.execArgv ? { execArgv: [...o.execArgv] } : {}),
    });
    let settleBackend!: { ok: (b: HostBackend) => void; fail: (e: Error) => void };
    const backend = new Promise<HostBackend>((ok, fail) => {
      settleBackend = { ok, fail };
    });
    backend.catch(() => {});
    const t: Thread = { worker, flag, stopReason: null, uncaught: null, backend, onWarning: () => {} };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'backend') settleBackend.ok(m.backend);
      else if (m.type === 'init-failed' && active === null) settleBackend.fail(deserializeError(m.error));
      else if (m.type === 'warning' && active === null) t.onWarning(m.message);
      const run = active;
      if (run === null || run.handlerError !== null || t.stopReason !== null) return;
      try {
        dispatch(t, run, m);
      } catch (err) {
        // Not an uncaught exception of the main thread: stop the worker, report when it has exited.
        run.handlerError = { err };
        stop(t, 'a runner callback failed');
      }
    });
    worker.on('messageerror', (err) => {
      t.uncaught ??= plainError(
        `a message from the run's worker thread could not be read: ${errorLine(err)}`,
      );
    });
    worker.on('error', (err) => {
      t.uncaught ??= serializeError(err);
    });
    const pipe = (text: Buffer | string): void => active?.h.onOutput(String(text));
    worker.stdout.on('data', pipe);
    worker.stderr.on('data', pipe);
    worker.on('exit', (code) => {
      if (thread === t) thread = null;
      settleBackend.fail(
        deserializeError(
          t.uncaught ??
            plainError(`the run's worker thread exited with code ${code} before reporting its backend`),
        ),
      );
      const run = active;
      if (run === null) return;
      if (run.handlerError !== null) {
        if (run.started)
          run.settle({ type: 'error', error: serializeError(run.handlerError.err), finalMemory: null });
        else run.settle({ type: 'reject', err: run.handlerError.err });
      } else if (t.stopReason !== null) run.settle({ type: 'stopped', reason: t.stopReason });
      else if (!run.started)
        run.settle({
          type: 'init-failed',
          error:
            t.uncaught ??
            plainError(`the run's worker thread exited with code ${code} before the experiment started`),
        });
      // An exception outside the experiment's promise chain (e.g. thrown in a timer callback).
      else if (t.uncaught !== null) run.settle({ type: 'error', error: t.uncaught, finalMemory: null });
      else
        run.settle({
          type: 'crashed',
          reason: `the run's worker thread exited with code ${code} before reporting a result`,
        });
    });
    return t;
  };

  const missingWorker = (): string | null =>
    url.protocol === 'file:' && !existsSync(url)
      ? `the run worker ${fileURLToPath(url)} does not exist (build the runner first, or pass --in-process)`
      : null;

  const run: RunHost['run'] = (spec, h, signals) =>
    new Promise<HostEnd>((resolve, reject) => {
      const missing = missingWorker();
      if (missing) {
        resolve({ type: 'init-failed', error: plainError(missing) });
        return;
      }
      let t: Thread;
      try {
        thread ??= spawn();
        t = thread;
      } catch (err) {
        resolve({ type: 'init-failed', error: serializeError(err) });
        return;
      }
      t.worker.ref();
      let grace: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        raiseAbortFlag(t.flag);
        t.worker.postMessage({ type: 'abort' } satisfies ToWorker);
        grace = setTimeout(
          () =>
            stop(t, `it did not stop within ${seconds(graceMs)} of Ctrl-C; its worker thread was terminated`),
          graceMs,
        );
      };
      const onKill = (): void => stop(t, 'second Ctrl-C: its worker thread was terminated');
      const current: ActiveRun = {
        h,
        started: false,
        handlerError: null,
        settle(end) {
          if (active !== current) return;
          active = null;
          clearTimeout(grace);
          signals.abort.removeEventListener('abort', onAbort);
          signals.kill.removeEventListener('abort', onKill);
          if (end.type === 'reject') reject(end.err);
          else resolve(end);
        },
      };
      active = current;
      t.worker.postMessage({
        type: 'run',
        experimentId: spec.experiment.id,
        config: spec.config,
        seed: spec.seed,
        preset: spec.preset,
        cached: [...spec.cached],
      } satisfies ToWorker);
      if (signals.abort.aborted) onAbort();
      else signals.abort.addEventListener('abort', onAbort, { once: true });
      if (signals.kill.aborted) onKill();
      else signals.kill.addEventListener('abort', onKill, { once: true });
    });

  return {
    async backend(onWarning) {
      const missing = missingWorker();
      if (missing) throw new Error(missing);
      thread ??= spawn();
      thread.onWarning = onWarning;
      return thread.backend;
    },
    run,
    async close(): Promise<void> {
      const t = thread;
      thread = null;
      if (t) await t.worker.terminate();
    },
  };
}
