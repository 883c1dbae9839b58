/**
 * Plot specifications: plain data that an experiment returns and the runner renders (SVG and PNG).
 * Libraries describe what to draw; only apps draw, so a paper package never needs a plotting library.
 */

/** One named line or point set. */
export interface PlotSeries {
  /** Legend label. */
  readonly name: string;
  /** x values. */
  readonly x: readonly number[];
  /** y values (same length as x; non-finite values break the line). */
  readonly y: readonly number[];
  /** Optional ±error band half-widths (same length). */
  readonly band?: readonly number[];
}

/** Axis settings. */
export interface AxisSpec {
  /** Axis title, with units. */
  readonly label: string;
  /** Logarithmic scale. */
  readonly log?: boolean;
  /** Fixed [min, max]; automatic when absent. */
  readonly domain?: readonly [number, number];
}

/** Line chart (also used for trajectories in a plane). */
export interface LinePlot {
  readonly kind: 'line';
  /** File stem of the plot (letters, digits, `-`). */
  readonly id: string;
  /** Title shown above the plot. */
  readonly title: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly PlotSeries[];
  /** Draw markers at the points. */
  readonly markers?: boolean;
  /** Horizontal reference lines, e.g. the paper's number. */
  readonly hlines?: readonly { readonly y: number; readonly label: string }[];
}

/** Scatter plot. */
export interface ScatterPlot {
  readonly kind: 'scatter';
  readonly id: string;
  readonly title: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly PlotSeries[];
}

/** Bar chart of named values, optionally grouped. */
export interface BarPlot {
  readonly kind: 'bar';
  readonly id: string;
  readonly title: string;
  /** Category labels along x. */
  readonly categories: readonly string[];
  /** One series per group; each `values[i]` belongs to `categories[i]`. */
  readonly groups: readonly { readonly name: string; readonly values: readonly number[] }[];
  readonly y: AxisSpec;
}

/** Heat map of a matrix (row-major `values`, `rows × cols`). */
export interface HeatmapPlot {
  readonly kind: 'heatmap';
  readonly id: string;
  readonly title: string;
  readonly rows: number;
  readonly cols: number;
  readonly values: readonly number[];
  /** Tick labels for columns (x) and rows (y). */
  readonly xTicks?: readonly string[];
  readonly yTicks?: readonly string[];
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  /** Colour scale: `sequential` (default) or `diverging` around 0. */
  readonly scale?: 'sequential' | 'diverging';
  /** Colour-bar label. */
  readonly colorLabel?: string;
}

/** A grid of small grayscale images (e.g. first-layer filters). */
export interface ImageGridPlot {
  readonly kind: 'images';
  readonly id: string;
  readonly title: string;
  /** Each image is row-major `height × width`. */
  readonly images: readonly (readonly number[])[];
  readonly width: number;
  readonly height: number;
  /** Per-image captions. */
  readonly captions?: readonly string[];
  /** Columns in the grid. */
  readonly columns?: number;
  /** `diverging` maps 0 to grey, for signed weights. */
  readonly scale?: 'sequential' | 'diverging';
}

/** Any plot an experiment may return. */
export type PlotSpec = LinePlot | ScatterPlot | BarPlot | HeatmapPlot | ImageGridPlot;
