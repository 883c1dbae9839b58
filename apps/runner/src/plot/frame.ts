import type { Scale } from './scale.js';
import { el, px, text, textWidth, truncate } from './svg.js';

/** Canvas size and the margins around the plotting area. */
export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** The plotting area of a layout: [x0, x1] left to right, [y0, y1] top to bottom. */
export function plotArea(l: Layout): { x0: number; x1: number; y0: number; y1: number } {
  return { x0: l.left, x1: l.width - l.right, y0: l.top, y1: l.height - l.bottom };
}

/** One legend row. */
export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  /** Symbol: a line, a dashed line (reference lines), a dot, or a filled square. */
  readonly symbol: 'line' | 'dash' | 'dot' | 'square';
}

/** Font sizes shared by every plot kind. */
export const FONT = { title: 15, label: 13, tick: 11.5, legend: 12 } as const;

const LEGEND_MAX_CHARS = 28;
const LEGEND_ROW = 18;
const MAX_LEGEND_ROWS = 16;

/** Width the legend needs (0 when it is empty). */
export function legendWidth(entries: readonly LegendEntry[]): number {
  if (entries.length === 0) return 0;
  const w = Math.max(...entries.map((e) => textWidth(truncate(e.name, LEGEND_MAX_CHARS), FONT.legend)));
  return 40 + w;
}

/** Draws the legend as a column starting at (x, y). */
export function drawLegend(entries: readonly LegendEntry[], x: number, y: number): string {
  let s = '';
  const shown = entries.slice(0, MAX_LEGEND_ROWS);
  shown.forEach((e, i) => {
    const cy = y + i * LEGEND_ROW + 6;
    if (e.symbol === 'line' || e.symbol === 'dash')
      s += el('line', {
        x1: x,
        y1: cy,
        x2: x + 20,
        y2: cy,
        stroke: e.color,
        'stroke-width': 2.5,
        'stroke-dasharray': e.symbol === 'dash' ? '5 3' : undefined,
      });
    else if (e.symbol === 'dot') s += el('circle', { cx: x + 10, cy, r: 4, fill: e.color });
    else s += el('rect', { x: x + 4, y: cy - 6, width: 12, height: 12, fill: e.color });
    s += text(x + 26, cy, truncate(e.name, LEGEND_MAX_CHARS), { size: FONT.legend, baseline: 'middle' });
  });
  if (entries.length > shown.length)
    s += text(x + 26, y + shown.length * LEGEND_ROW + 6, `… ${entries.length - shown.length} more`, {
      size: FONT.legend,
      baseline: 'middle',
      fill: '#666',
    });
  return s;
}

/** Margin needed left of the plot for y tick labels plus the rotated axis title. */
export function leftMarginFor(tickLabels: readonly string[]): number {
  const w = Math.max(0, ...tickLabels.map((t) => textWidth(t, FONT.tick)));
  return Math.ceil(w + 8 + 6 + FONT.label + 14);
}

/** The title centred above the plot. */
export function drawTitle(layout: Layout, title: string): string {
  const maxChars = Math.floor((layout.width - 20) / (FONT.title * 0.62));
  return text(layout.width / 2, 26, truncate(title, maxChars), {
    size: FONT.title,
    anchor: 'middle',
    weight: 'bold',
  });
}

/** Horizontal grid lines at the y ticks and vertical ones at the x ticks (drawn under the data). */
export function drawGrid(layout: Layout, x: Scale | null, y: Scale): string {
  const a = plotArea(layout);
  let s = '';
  for (const t of y.ticks)
    s += el('line', { x1: a.x0, x2: a.x1, y1: y(t), y2: y(t), stroke: '#e6e6e6', 'stroke-width': 1 });
  if (x)
    for (const t of x.ticks)
      s += el('line', { x1: x(t), x2: x(t), y1: a.y0, y2: a.y1, stroke: '#e6e6e6', 'stroke-width': 1 });
  return s;
}

/** The y axis: line, ticks, tick labels and the rotated title. */
export function drawYAxis(layout: Layout, y: Scale, label: string): string {
  const a = plotArea(layout);
  let s = el('line', { x1: a.x0, x2: a.x0, y1: a.y0, y2: a.y1, stroke: '#333', 'stroke-width': 1 });
  for (const t of y.ticks) {
    s += el('line', { x1: a.x0 - 5, x2: a.x0, y1: y(t), y2: y(t), stroke: '#333', 'stroke-width': 1 });
    s += text(a.x0 - 8, y(t), y.format(t), { size: FONT.tick, anchor: 'end', baseline: 'middle' });
  }
  const cy = (a.y0 + a.y1) / 2;
  s += text(16, cy, label, { size: FONT.label, anchor: 'middle', rotate: -90, baseline: 'middle' });
  return s;
}

/** The x axis of a numeric scale: line, ticks, tick labels and the title. */
export function drawXAxis(layout: Layout, x: Scale, label: string): string {
  const a = plotArea(layout);
  let s = el('line', { x1: a.x0, x2: a.x1, y1: a.y1, y2: a.y1, stroke: '#333', 'stroke-width': 1 });
  for (const t of x.ticks) {
    s += el('line', { x1: x(t), x2: x(t), y1: a.y1, y2: a.y1 + 5, stroke: '#333', 'stroke-width': 1 });
    s += text(x(t), a.y1 + 8, x.format(t), { size: FONT.tick, anchor: 'middle', baseline: 'hanging' });
  }
  s += text((a.x0 + a.x1) / 2, layout.height - 12, label, { size: FONT.label, anchor: 'middle' });
  return s;
}

/**
 * A clip path covering the plotting area (plus a few pixels, so markers on the edge stay whole), so
 * data outside a fixed domain is cut at the frame.
 */
export function clipPath(id: string, layout: Layout, pad = 4): string {
  const a = plotArea(layout);
  return el(
    'clipPath',
    { id },
    el('rect', { x: a.x0 - pad, y: a.y0 - pad, width: a.x1 - a.x0 + 2 * pad, height: a.y1 - a.y0 + 2 * pad }),
  );
}

/** An SVG path through the points, broken wherever a point is missing (null). */
export function polyline(points: readonly ([number, number] | null)[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(p[0])} ${px(p[1])}`;
    pen = true;
  }
  return d;
}
