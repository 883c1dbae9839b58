/**
 * Plot specifications: plain data that the runner (and the browser playground) render. Libraries
 * describe what to draw; only apps draw, so a paper package never needs a plotting library. An
 * experiment declares plot *views* of its results (see `views.ts`); the views are turned into these
 * specs once the seeds' results are in, with means and 95% intervals across seeds.
 */

/** Axis settings. */
export interface AxisSpec {
  /** Axis title, with units. */
  readonly label: string;
  /** Logarithmic scale. */
  readonly log?: boolean;
  /** Fixed [min, max]; automatic when absent. */
  readonly domain?: readonly [number, number];
  /** Include 0 in the automatic domain (bars of absolute values); default false, so small gaps stay visible. */
  readonly zero?: boolean;
}

/** One named line: the mean over seeds, with its 95% interval when several seeds ran. */
export interface PlotSeries {
  /** Legend label (never truncated by the renderers). */
  readonly name: string;
  readonly x: readonly number[];
  /** Mean over seeds (non-finite values break the line). */
  readonly y: readonly number[];
  /** Lower/upper 95% interval of the mean at each x (absent with one seed). */
  readonly lo?: readonly number[];
  readonly hi?: readonly number[];
}

interface PlotBase {
  /** File stem (letters, digits, `-`). */
  readonly id: string;
  readonly title: string;
  /** One or two sentences under the plot: what is shown and how to read it (seeds, bands, baselines). */
  readonly caption: string;
}

/** Line chart (also trajectories in a plane). */
export interface LinePlot extends PlotBase {
  readonly kind: 'line';
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly PlotSeries[];
  readonly markers?: boolean;
  /** Horizontal reference lines, e.g. a target or the paper's number. */
  readonly hlines?: readonly { readonly y: number; readonly label: string }[];
  /** Vertical marks, e.g. the steps where a nowcast happened. */
  readonly vlines?: readonly { readonly x: number; readonly label: string }[];
}

/** Scatter of points (one per cell: the mean over seeds with 95% whiskers, or one per seed). */
export interface ScatterPlot extends PlotBase {
  readonly kind: 'scatter';
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly points: readonly {
    readonly name: string;
    readonly x: number;
    readonly y: number;
    readonly xLo?: number;
    readonly xHi?: number;
    readonly yLo?: number;
    readonly yHi?: number;
    /** Drawn highlighted, e.g. the non-dominated points of a front. */
    readonly highlight?: boolean;
  }[];
}

/** Bars of a metric per category, optionally grouped, with 95% interval whiskers. */
export interface BarPlot extends PlotBase {
  readonly kind: 'bar';
  readonly categories: readonly string[];
  readonly groups: readonly {
    readonly name: string;
    readonly values: readonly number[];
    readonly lo?: readonly number[];
    readonly hi?: readonly number[];
  }[];
  readonly y: AxisSpec;
}

/** Heat map of a matrix (row-major `values`, `rows × cols`). */
export interface HeatmapPlot extends PlotBase {
  readonly kind: 'heatmap';
  readonly rows: number;
  readonly cols: number;
  readonly values: readonly number[];
  readonly xTicks?: readonly string[];
  readonly yTicks?: readonly string[];
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  /** `sequential` (default) or `diverging` around 0. */
  readonly scale?: 'sequential' | 'diverging';
  readonly colorLabel?: string;
}

/** A grid of small grayscale images. */
export interface ImageGridPlot extends PlotBase {
  readonly kind: 'images';
  /** Each image is row-major `height × width`. */
  readonly images: readonly (readonly number[])[];
  readonly width: number;
  readonly height: number;
  readonly captions?: readonly string[];
  readonly columns?: number;
  /** `diverging` maps 0 to grey, for signed values. */
  readonly scale?: 'sequential' | 'diverging';
}

/** Any plot. */
export type PlotSpec = LinePlot | ScatterPlot | BarPlot | HeatmapPlot | ImageGridPlot;
