import { z } from 'zod';
import type { BackendInfo } from '../backend/init.js';
import type { Rng } from '../random/rng.js';
import { PaperkitInputError } from '../validate/errors.js';
import type { ProgressReporter } from './cell.js';
import type { PlotSpec } from './plots.js';

/** A scalar result value. */
export type SummaryValue = number | string | boolean | null;

/** One row of the "ours beside the paper's" table. */
export interface PaperComparison {
  /** What is compared, e.g. "test accuracy (MNIST, 1 epoch)". */
  readonly metric: string;
  /** Our measured value. */
  readonly ours: SummaryValue;
  /** The paper's value, or null when the paper gives none at this scale. */
  readonly paper: SummaryValue;
  /** Where the paper's value comes from (table/figure) and any scale difference. */
  readonly note?: string;
  /** Whether the paper's qualitative claim holds in our run; null when not judged. */
  readonly holds?: boolean | null;
}

/** What an experiment returns. */
export interface ExperimentResult {
  /** Flat summary of headline numbers. */
  readonly summary: Record<string, SummaryValue>;
  /** Table rows against the paper. */
  readonly comparisons: readonly PaperComparison[];
  /** Plots to render. */
  readonly plots: readonly PlotSpec[];
  /** Named raw series for later analysis (written to summary.json). */
  readonly series?: Record<string, readonly number[]>;
}

/** One metrics record, appended to `metrics.jsonl` as the run goes. */
export type MetricRecord = { readonly step: number } & Record<string, number | string | null>;

/** Receives metrics as they are produced. */
export interface MetricSink {
  /** Appends one record. */
  write(record: MetricRecord): void;
}

/** What an experiment gets from the runner. */
export interface ExperimentContext {
  /** The run's seed. */
  readonly seed: number;
  /** Root random stream (derived from the seed); split it with `rng.stream(name)`. */
  readonly rng: Rng;
  /** The backend in use. */
  readonly backend: BackendInfo;
  /** Preset name the config came from. */
  readonly preset: string;
  /** Aborted on Ctrl-C: stop soon and throw (use {@link throwIfAborted}). */
  readonly signal: AbortSignal;
  /** Progress reporting. */
  readonly progress: ProgressReporter;
  /** Metric sink (metrics.jsonl). */
  readonly metrics: MetricSink;
}

/** An experiment: one of a paper's claims, runnable at `quick` and `full` scale. */
export interface Experiment<S extends z.ZodObject = z.ZodObject> {
  /** `package/name`, e.g. `nupi/oscillator`. */
  readonly id: string;
  /** Paper title. */
  readonly paper: string;
  /** One-line description for `paperkit list`. */
  readonly title: string;
  /** Whether `paperkit repro` runs it (one per package). */
  readonly headline?: boolean;
  /** Strict config schema (typos are rejected). */
  readonly schema: S;
  /** Named presets; `quick` (~1–3 min on 2 cores) and `full` are required. */
  readonly presets: { readonly quick: z.input<S>; readonly full: z.input<S> } & Record<string, z.input<S>>;
  /** Runs it. */
  run(config: z.output<S>, ctx: ExperimentContext): Promise<ExperimentResult>;
}

const ID = /^[a-z0-9-]+\/[a-z0-9-]+$/;

/**
 * Declares an experiment, checking the id form, that the schema is strict, and that every preset
 * parses, so a broken preset fails at import time instead of at the end of a long run.
 */
export function defineExperiment<S extends z.ZodObject>(e: Experiment<S>): Experiment<S> {
  if (!ID.test(e.id))
    throw new PaperkitInputError('id', e.id, 'of the form "package/name" (lowercase, digits, -)');
  const probe = e.schema.safeParse({ __unknown_key__: 1 });
  if (probe.success || !probe.error.issues.some((i) => i.code === 'unrecognized_keys'))
    throw new PaperkitInputError(
      `${e.id}.schema`,
      'a non-strict object',
      'a z.strictObject so unknown keys are rejected',
    );
  for (const [name, preset] of Object.entries(e.presets)) {
    const r = e.schema.safeParse(preset);
    if (!r.success)
      throw new Error(`${e.id}: preset '${name}' does not match its schema:\n${z.prettifyError(r.error)}`);
  }
  return e;
}

/** Resolves a preset plus overrides into a validated config; errors name the bad key. */
export function resolveConfig<S extends z.ZodObject>(
  e: Experiment<S>,
  preset: string,
  overrides: Record<string, unknown> = {},
): z.output<S> {
  const base = e.presets[preset];
  if (base === undefined)
    throw new PaperkitInputError('preset', preset, `one of ${Object.keys(e.presets).join(', ')}`);
  const r = e.schema.safeParse({ ...(base as object), ...overrides });
  if (!r.success)
    throw new PaperkitInputError(`config of ${e.id}`, overrides, `valid:\n${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * Lets pending events run (one macrotask turn). A synchronous tfjs loop on wasm or cpu never returns
 * to the event loop, so a Ctrl-C handler could not fire until the loop ended; yield every few steps.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/** Yields to the event loop, then throws an `AbortError` if the signal fired: the abort point of long loops. */
export async function abortPoint(signal: AbortSignal): Promise<void> {
  await yieldToEventLoop();
  throwIfAborted(signal);
}

/** Throws an `AbortError` when the signal fired; call it between steps of long work. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    const err = new Error('run aborted');
    err.name = 'AbortError';
    throw err;
  }
}
