import type { HeatmapPlot } from '@paperkit/tensor-core';
import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { divergingColor, luminance, sequentialColor } from './colors.js';
import { drawTitle, FONT } from './frame.js';
import { formatNumber, linearTicks } from './scale.js';
import { el, idPrefix, svgDocument, text, textWidth, truncate } from './svg.js';

const MAX_TICK_CHARS = 16;

/** Which of `n` cells get a tick label so labels of width `labelPx` do not overlap cells of `cellPx`. */
function tickEvery(n: number, cellPx: number, labelPx: number): number {
  const need = Math.max(1, Math.ceil((labelPx + 4) / Math.max(1, cellPx)));
  for (const k of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) if (k >= need) return k;
  return Math.ceil(n / 10);
}

/**
 * Renders a matrix as coloured cells (row 0 at the top, as a matrix is printed) with tick labels, axis
 * titles and a colour bar. `diverging` centres a blue–white–red map on 0; `sequential` uses viridis.
 * Small matrices also print each value in its cell. Non-finite cells are grey.
 */
export function renderHeatmap(spec: HeatmapPlot): string {
  checkInteger(`plot ${spec.id}: rows`, spec.rows, 1);
  checkInteger(`plot ${spec.id}: cols`, spec.cols, 1);
  if (spec.values.length !== spec.rows * spec.cols)
    throw new PaperkitInputError(
      `plot ${spec.id}: values`,
      spec.values.length,
      `rows × cols = ${spec.rows * spec.cols} entries`,
    );
  const diverging = spec.scale === 'diverging';
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of spec.values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi >= lo)) [lo, hi] = [0, 1];
  if (diverging) {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    [lo, hi] = [-m, m];
  } else if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const color = (v: number): string => {
    if (!Number.isFinite(v)) return '#bdbdbd';
    const t = (v - lo) / (hi - lo);
    return diverging ? divergingColor(t) : sequentialColor(t);
  };

  const yLabels = Array.from({ length: spec.rows }, (_, r) =>
    truncate(spec.yTicks?.[r] ?? String(r), MAX_TICK_CHARS),
  );
  const xLabels = Array.from({ length: spec.cols }, (_, c) =>
    truncate(spec.xTicks?.[c] ?? String(c), MAX_TICK_CHARS),
  );
  const yLabelW = Math.max(...yLabels.map((l) => textWidth(l, FONT.tick)));
  const xLabelW = Math.max(...xLabels.map((l) => textWidth(l, FONT.tick)));
  // Cells stay roughly square inside a 480 px box, but never thinner than 2 px.
  const cell = Math.max(2, Math.min(480 / spec.cols, 480 / spec.rows, 60));
  const gw = cell * spec.cols;
  const gh = cell * spec.rows;
  const slant = xLabelW > cell - 4 && tickEvery(spec.cols, cell, xLabelW) === 1 && spec.cols <= 40;
  const left = Math.ceil(yLabelW + 8 + 6 + FONT.label + 14);
  const top = 48;
  const xTickSpace = slant ? xLabelW * 0.6 + 14 : FONT.tick + 12;
  const bottom = xTickSpace + FONT.label + 18;
  const barX = left + gw + 24;
  const barW = 14;
  const barTicks = linearTicks(lo, hi, 5);
  const barTickW = Math.max(
    ...barTicks.ticks.map((t) => textWidth(formatNumber(t, barTicks.step), FONT.tick)),
  );
  const width = Math.max(barX + barW + 8 + barTickW + (spec.colorLabel ? FONT.label + 18 : 8), 360);
  const height = Math.max(top + gh + bottom, top + 200 + bottom);
  const id = idPrefix(spec);

  let cells = '';
  const showValues = spec.rows * spec.cols <= 144 && cell >= 34;
  for (let r = 0; r < spec.rows; r++)
    for (let c = 0; c < spec.cols; c++) {
      const v = spec.values[r * spec.cols + c]!;
      const fill = color(v);
      cells += el('rect', { x: left + c * cell, y: top + r * cell, width: cell, height: cell, fill });
      if (showValues && Number.isFinite(v))
        cells += text(left + (c + 0.5) * cell, top + (r + 0.5) * cell, formatNumber(v), {
          size: Math.min(11, cell / 4),
          anchor: 'middle',
          baseline: 'middle',
          fill: luminance(fill) > 0.5 ? '#111' : '#fff',
        });
    }

  let axes = el('rect', {
    x: left,
    y: top,
    width: gw,
    height: gh,
    fill: 'none',
    stroke: '#333',
    'stroke-width': 1,
  });
  const ye = tickEvery(spec.rows, cell, FONT.tick);
  for (let r = 0; r < spec.rows; r += ye) {
    const cy = top + (r + 0.5) * cell;
    axes += el('line', { x1: left - 4, x2: left, y1: cy, y2: cy, stroke: '#333' });
    axes += text(left - 7, cy, yLabels[r]!, { size: FONT.tick, anchor: 'end', baseline: 'middle' });
  }
  const xe = slant ? 1 : tickEvery(spec.cols, cell, xLabelW);
  for (let c = 0; c < spec.cols; c += xe) {
    const cx = left + (c + 0.5) * cell;
    axes += el('line', { x1: cx, x2: cx, y1: top + gh, y2: top + gh + 4, stroke: '#333' });
    axes += slant
      ? text(cx, top + gh + 8, xLabels[c]!, {
          size: FONT.tick,
          anchor: 'end',
          rotate: -40,
          baseline: 'hanging',
        })
      : text(cx, top + gh + 7, xLabels[c]!, { size: FONT.tick, anchor: 'middle', baseline: 'hanging' });
  }
  axes += text(left + gw / 2, top + gh + xTickSpace + FONT.label + 4, spec.x.label, {
    size: FONT.label,
    anchor: 'middle',
  });
  axes += text(16, top + gh / 2, spec.y.label, {
    size: FONT.label,
    anchor: 'middle',
    rotate: -90,
    baseline: 'middle',
  });

  // Colour bar: a vertical gradient from hi (top) to lo (bottom) with its own ticks.
  const barH = Math.max(gh, 200);
  const stops = Array.from({ length: 11 }, (_, k) => {
    const t = k / 10;
    return el('stop', {
      offset: `${k * 10}%`,
      'stop-color': diverging ? divergingColor(1 - t) : sequentialColor(1 - t),
    });
  }).join('');
  let bar = el('defs', {}, el('linearGradient', { id: `${id}-cbar`, x1: 0, y1: 0, x2: 0, y2: 1 }, stops));
  bar += el('rect', {
    x: barX,
    y: top,
    width: barW,
    height: barH,
    fill: `url(#${id}-cbar)`,
    stroke: '#333',
    'stroke-width': 1,
  });
  for (const t of barTicks.ticks) {
    const yy = top + ((hi - t) / (hi - lo)) * barH;
    bar += el('line', { x1: barX + barW, x2: barX + barW + 4, y1: yy, y2: yy, stroke: '#333' });
    bar += text(barX + barW + 7, yy, formatNumber(t, barTicks.step), { size: FONT.tick, baseline: 'middle' });
  }
  if (spec.colorLabel)
    bar += text(barX + barW + 12 + barTickW + FONT.label / 2 + 2, top + barH / 2, spec.colorLabel, {
      size: FONT.label,
      anchor: 'middle',
      rotate: -90,
      baseline: 'middle',
    });

  const layout = { width, height, left, right: 0, top, bottom };
  return svgDocument(
    width,
    height,
    spec.title,
    drawTitle(layout, spec.title) + el('g', { 'shape-rendering': 'crispEdges' }, cells) + axes + bar,
  );
}
