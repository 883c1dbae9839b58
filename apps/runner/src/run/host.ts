import type { BackendInfo, Experiment, MetricRecord, ProgressReporter } from '@paperkit/tensor-core';
import type { RunEnd, SerializedError } from './protocol.js';

/** One experiment run to host. */
export interface RunSpec {
  readonly experiment: Experiment;
  /** The resolved, validated config. */
  readonly config: unknown;
  readonly seed: number;
  readonly preset: string;
}

/** Callbacks a host calls on the main thread, in order: `onStart` once, then metrics and progress. */
export interface RunHandlers {
  /** The backend is up and the experiment is about to run (`startedAt`: ms epoch). */
  onStart(backend: BackendInfo, startedAt: number): void;
  /** One metrics record and when it was written (ms epoch). */
  onMetric(record: MetricRecord, t: number): void;
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
  /** The backend, registry or worker could not load; `onStart` was never called. */
  | { readonly type: 'init-failed'; readonly error: SerializedError };

/** Runs one experiment somewhere (a worker thread, or this thread) and reports back through the handlers. */
export type RunHost = (spec: RunSpec, handlers: RunHandlers, signals: RunSignals) => Promise<HostEnd>;
