/** Categorical palette (Tableau 10, the matplotlib default cycle): distinct hues for series. */
export const PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** Colour of series `i`. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

// Anchors of matplotlib's viridis (perceptually uniform, readable in grayscale print).
const VIRIDIS = [
  '#440154',
  '#482878',
  '#3e4989',
  '#31688e',
  '#26828e',
  '#1f9e89',
  '#35b779',
  '#6ece58',
  '#b5de2b',
  '#fde725',
];
// ColorBrewer RdBu reversed: blue for negative, white at 0, red for positive.
const DIVERGING = [
  '#2166ac',
  '#4393c3',
  '#92c5de',
  '#d1e5f0',
  '#f7f7f7',
  '#fddbc7',
  '#f4a582',
  '#d6604d',
  '#b2182b',
];

function parseHex(h: string): [number, number, number] {
  return [
    Number.parseInt(h.slice(1, 3), 16),
    Number.parseInt(h.slice(3, 5), 16),
    Number.parseInt(h.slice(5, 7), 16),
  ];
}

function hex(r: number, g: number, b: number): string {
  const c = (v: number) =>
    Math.round(Math.min(255, Math.max(0, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

function interpolate(anchors: readonly string[], t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(u));
  const f = u - i;
  const a = parseHex(anchors[i]!);
  const b = parseHex(anchors[i + 1]!);
  return hex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

/** Sequential colour map (viridis) at t ∈ [0, 1]. */
export function sequentialColor(t: number): string {
  return interpolate(VIRIDIS, t);
}

/** Diverging colour map at t ∈ [0, 1] (0.5 is white). */
export function divergingColor(t: number): string {
  return interpolate(DIVERGING, t);
}

/** Gray level at t ∈ [0, 1] (0 black, 1 white). */
export function grayColor(t: number): string {
  const v = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * 255;
  return hex(v, v, v);
}

/** Relative luminance in [0, 1] of a `#rrggbb` colour (to pick readable text on top of it). */
export function luminance(color: string): number {
  const [r, g, b] = parseHex(color);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
