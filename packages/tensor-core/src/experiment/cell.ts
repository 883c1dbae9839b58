import type { BackendInfo } from '../backend/init.js';
import type { Rng } from '../random/rng.js';

/** Progress of long work, rendered by the runner (bar on a TTY, periodic lines otherwise). */
export interface ProgressReporter {
  /** Starts (or restarts) a phase of `total` units. */
  start(label: string, total: number): void;
  /** Advances the current phase to `done` units, with an optional short status. */
  update(done: number, status?: string): void;
}

/**
 * What the science function of an experiment gets for one cell at one seed. The runner (or the
 * browser playground) owns the seed loop, the sweep, caching and files; a cell only computes.
 */
export interface CellContext {
  /** The seed of this run. */
  readonly seed: number;
  /**
   * The root stream of the seed, fresh for every cell: cells of one seed draw the same data and
   * initialisations from the same named sub-streams (`ctx.rng.stream('data')`), so methods are
   * compared on common random numbers, and a cell's numbers never depend on which cells ran before
   * (what makes resuming a half-finished run exact).
   */
  readonly rng: Rng;
  /** The backend in use. */
  readonly backend: BackendInfo;
  /** Preset the config came from. */
  readonly preset: string;
  /** Fires on Ctrl-C (or Stop in the browser): stop soon with {@link throwIfAborted} / `abortPoint`. */
  readonly signal: AbortSignal;
  /** Progress within the cell. */
  readonly progress: ProgressReporter;
  /**
   * Appends one record to the run's `metrics.jsonl` (training curves as they are produced). Non-finite
   * numbers are kept (written as "NaN", "Infinity", "-Infinity").
   */
  log(step: number, values: Readonly<Record<string, number | string>>): void;
}

/** A curve: `y[i]` at `x[i]`. */
export interface XY {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** A matrix (row-major `values`, `rows × cols`), e.g. a learned graph or a loss landscape. */
export interface MatrixData {
  readonly rows: number;
  readonly cols: number;
  readonly values: readonly number[];
  readonly rowLabels?: readonly string[];
  readonly colLabels?: readonly string[];
}

/** Small grayscale images (each row-major `height × width`), e.g. decoded samples or filters. */
export interface ImagesData {
  readonly width: number;
  readonly height: number;
  readonly images: readonly (readonly number[])[];
  readonly captions?: readonly string[];
}

/**
 * What one cell returns: its scalar metrics (exactly the metrics the experiment declares; NaN and
 * ±Infinity allowed and kept), plus optional curves, matrices and images that plot views select by name.
 */
export interface CellResult<M extends string = string> {
  readonly metrics: Readonly<Record<M, number>>;
  readonly series?: Readonly<Record<string, XY>>;
  readonly matrices?: Readonly<Record<string, MatrixData>>;
  readonly images?: Readonly<Record<string, ImagesData>>;
}
