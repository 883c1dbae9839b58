import type { BackendInfo, BackendPreference, CellResult } from '@paperkit/tensor-core';
import type { MemorySnapshot } from './manifest.js';

/** An error as it crosses a thread boundary (structured clone keeps no prototype or own extras reliably). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | null;
}

/** Plain-data form of anything thrown. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const e = err as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: typeof e.name === 'string' && e.name ? e.name : 'Error',
      message: String(e.message),
      stack: typeof e.stack === 'string' ? e.stack : null,
    };
  }
  return { name: 'Error', message: String(err), stack: null };
}

/** An Error rebuilt from {@link serializeError}'s output, so `errorLine` prints it as before. */
export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack !== null) err.stack = e.stack;
  return err;
}

/** The backend a host runs on, with the BLAS thread count that is part of a run's identity. */
export interface HostBackend {
  readonly info: BackendInfo;
  /** BLAS threads when native kernels are registered (they change the numbers' rounding), else null. */
  readonly blasThreads: number | null;
}

/** `workerData` of a run worker (one worker serves the runs of an invocation, one after another). */
export interface WorkerInput {
  readonly backend: { readonly prefer: BackendPreference; readonly blas: 'auto' | 'off' };
  /** URL of a module exporting `experiments` (an array of Experiment); null: the runner's registry. */
  readonly registry: string | null;
  /** Buffer of the shared Ctrl-C flag (see abort-flag.ts). */
  readonly abortFlag: SharedArrayBuffer;
}

/** One seed of one experiment, as the main thread asks a worker for it. */
export interface RunRequestMessage {
  readonly type: 'run';
  readonly experimentId: string;
  /** The resolved config, already validated by the main thread. */
  readonly config: unknown;
  readonly seed: number;
  readonly preset: string;
  /** Cells completed by an earlier attempt of the same run identity: reused, not recomputed. */
  readonly cached: readonly (readonly [string, CellResult])[];
}

/** What the main thread sends a run worker. */
export type ToWorker = RunRequestMessage | { readonly type: 'abort' };

/** How a seed's run ended, as data (shared by the worker and the in-process path). */
export type RunEnd =
  | {
      readonly type: 'done';
      readonly finalMemory: MemorySnapshot;
      /** Tensors allocated during the run and still alive after it. */
      readonly leaked: number;
    }
  | { readonly type: 'error'; readonly error: SerializedError; readonly finalMemory: MemorySnapshot | null };

/** A completed (or reused) cell. */
export interface CellMessage {
  readonly type: 'cell';
  readonly key: string;
  readonly label: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly result: CellResult;
  readonly reused: boolean;
  readonly wallMs: number;
}

/**
 * What a run worker sends the main thread: `backend` once when its backend is up (or `init-failed`),
 * then per run: `ready` (or `init-failed`), logs, cells and progress, and one {@link RunEnd}.
 */
export type FromWorker =
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'backend'; readonly backend: HostBackend }
  /** The experiment was found; `startedAt` (ms epoch) is just before its cells run. */
  | { readonly type: 'ready'; readonly startedAt: number }
  /** The backend or the registry could not load, or the id is not in it; the run was not started. */
  | { readonly type: 'init-failed'; readonly error: SerializedError }
  | {
      readonly type: 'log';
      readonly cell: string;
      readonly step: number;
      readonly values: Readonly<Record<string, number | string>>;
      readonly t: number;
    }
  | CellMessage
  | { readonly type: 'progress-start'; readonly label: string; readonly total: number }
  | { readonly type: 'progress-update'; readonly done: number; readonly status: string | null }
  | RunEnd;
