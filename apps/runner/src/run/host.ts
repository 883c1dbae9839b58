import type { CellResult, Experiment, ProgressReporter } from '@paperkit/tensor-core';
import type { CellMessage, HostBackend, RunEnd, SerializedError } from './protocol.js';

/** One seed of one experiment to host. */
export interface RunSpec {
  readonly experiment: Experiment;
  /** The resolved, validated config. */
  readonly config: unknown;
  readonly seed: number;
  readonly preset: string;
  /** Cells to reuse from an earlier attempt (key → result). */
  readonly cached: ReadonlyMap<string, CellResult>;
}

/** Callbacks a host calls on the main thread, in order: `onStart` once, then logs, cells and progress. */
export interface RunHandlers {
  /** The experiment is about to run (`startedAt`: ms epoch). */
  onStart(startedAt: number): void;
  /** One `ctx.log` record of a cell and when it was written (ms epoch). */
  onLog(cell: string, step: number, values: Readonly<Record<string, number | string>>, t: number): void;
  /** A cell completed (or was reused). */
  onCell(cell: CellMessage): void;
  /** A one-line warning from initBackend. */
  onWarning(message: string): void;
  /** Text the experiment's thread wrote to its stdout or stderr. */
  onOutput(text: string): void;
  readonly progress: ProgressReporter;
}

/** Ctrl-C as seen by a host: the first aborts `abort`, the second aborts `kill`. */
export interface RunSignals {
  readonly abort: AbortSignal;
  readonly kill: AbortSignal;
}

/** How a hosted run ended. */
export type HostEnd =
  | RunEnd
  /** Stopped from outside after Ctrl-C (worker terminated); `reason` says why. */
  | { readonly type: 'stopped'; readonly reason: string }
  /** The run's thread died without a result. */
  | { readonly type: 'crashed'; readonly reason: string }
  /** The registry or worker could not load; `onStart` was never called. */
  | { readonly type: 'init-failed'; readonly error: SerializedError };

/** Where runs execute (a worker thread, or this thread). */
export interface RunHost {
  /**
   * The backend runs will use (starts the worker if needed). Rejects with the reason when the backend
   * cannot load. The run folder's identity depends on it, so it is known before a run starts.
   */
  backend(onWarning: (message: string) => void): Promise<HostBackend>;
  /** Runs the remaining cells of one seed and reports back through the handlers. */
  run(spec: RunSpec, handlers: RunHandlers, signals: RunSignals): Promise<HostEnd>;
  /** Ends the host (terminates an idle worker). */
  close(): Promise<void>;
}
