import type { LinePlot, PlotSeries, ScatterPlot } from '@paperkit/tensor-core';
import { PaperkitInputError } from '@paperkit/tensor-core';
import { seriesColor } from './colors.js';
import {
  clipPath,
  drawGrid,
  drawLegend,
  drawTitle,
  drawXAxis,
  drawYAxis,
  FONT,
  type Layout,
  type LegendEntry,
  leftMarginFor,
  legendWidth,
  plotArea,
  polyline,
} from './frame.js';
import { makeScale, type Scale } from './scale.js';
import { el, idPrefix, px, svgDocument, text } from './svg.js';

const WIDTH = 640;
const HEIGHT = 400;

function checkSeries(plotId: string, series: readonly PlotSeries[]): void {
  series.forEach((s, i) => {
    if (s.x.length !== s.y.length)
      throw new PaperkitInputError(
        `plot ${plotId}: series[${i}] (${s.name})`,
        s.x.length,
        `x and y of equal length (y has ${s.y.length})`,
      );
    if (s.band && s.band.length !== s.y.length)
      throw new PaperkitInputError(
        `plot ${plotId}: series[${i}].band (${s.name})`,
        s.band.length,
        `the length of y (${s.y.length})`,
      );
  });
}

function* allY(spec: LinePlot | ScatterPlot): Iterable<number> {
  for (const s of spec.series)
    for (let i = 0; i < s.y.length; i++) {
      const y = s.y[i]!;
      const b = s.band?.[i];
      if (b !== undefined && Number.isFinite(b) && Number.isFinite(y)) {
        yield y - Math.abs(b);
        yield y + Math.abs(b);
      } else yield y;
    }
  if (spec.kind === 'line') for (const h of spec.hlines ?? []) yield h.y;
}

function* allX(spec: LinePlot | ScatterPlot): Iterable<number> {
  for (const s of spec.series) yield* s.x;
}

/** Scales and layout of an x–y chart; the left margin depends on the y tick labels. */
function setup(
  spec: LinePlot | ScatterPlot,
  legend: readonly LegendEntry[],
): { layout: Layout; x: Scale; y: Scale } {
  const probe = makeScale(allY(spec), spec.y, [1, 0]);
  const left = leftMarginFor(probe.ticks.map((t) => probe.format(t)));
  const lw = legendWidth(legend);
  const layout: Layout = { width: WIDTH + lw, height: HEIGHT, left, right: 24 + lw, top: 44, bottom: 58 };
  const a = plotArea(layout);
  return {
    layout,
    x: makeScale(allX(spec), spec.x, [a.x0, a.x1]),
    y: makeScale(allY(spec), spec.y, [a.y1, a.y0]),
  };
}

/**
 * Pixel points of a series, `null` where a value cannot be drawn (non-finite, or ≤ 0 on a log axis).
 * Long runs with increasing x are thinned to first/min/max/last per pixel column (the M4 scheme), which
 * draws the same picture with at most four points per column.
 */
function seriesPoints(s: PlotSeries, x: Scale, y: Scale): ([number, number] | null)[] {
  const pts: ([number, number] | null)[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const xv = s.x[i]!;
    const yv = s.y[i]!;
    pts.push(x.valid(xv) && y.valid(yv) ? [x(xv), y(yv)] : null);
  }
  const width = Math.abs(x.range[1] - x.range[0]);
  if (pts.length <= 4 * width) return pts;
  let monotone = true;
  for (let i = 1; i < s.x.length && monotone; i++) if (s.x[i]! < s.x[i - 1]!) monotone = false;
  if (!monotone) return pts;
  const out: ([number, number] | null)[] = [];
  let bucket: [number, number][] = [];
  let col = Number.NaN;
  const flush = () => {
    if (bucket.length === 0) return;
    if (bucket.length <= 4) out.push(...bucket);
    else {
      let lo = bucket[0]!;
      let hi = bucket[0]!;
      for (const p of bucket) {
        if (p[1] < lo[1]) lo = p;
        if (p[1] > hi[1]) hi = p;
      }
      const mid = lo[0] <= hi[0] ? [lo, hi] : [hi, lo];
      out.push(bucket[0]!, ...mid, bucket.at(-1)!);
    }
    bucket = [];
  };
  for (const p of pts) {
    if (p === null) {
      flush();
      out.push(null);
      col = Number.NaN;
      continue;
    }
    const c = Math.floor(p[0]);
    if (c !== col) {
      flush();
      col = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

function band(s: PlotSeries, x: Scale, y: Scale): string[] {
  if (!s.band) return [];
  const polys: string[] = [];
  let upper: [number, number][] = [];
  let lower: [number, number][] = [];
  const floor = y.log ? y.domain[0] : Number.NEGATIVE_INFINITY;
  const flush = () => {
    if (upper.length > 1)
      polys.push(`M${[...upper, ...lower.reverse()].map((p) => `${px(p[0])} ${px(p[1])}`).join('L')}Z`);
    upper = [];
    lower = [];
  };
  for (let i = 0; i < s.x.length; i++) {
    const xv = s.x[i]!;
    const yv = s.y[i]!;
    const b = Math.abs(s.band[i]!);
    if (!x.valid(xv) || !y.valid(yv) || !Number.isFinite(b)) {
      flush();
      continue;
    }
    upper.push([x(xv), y(yv + b)]);
    lower.push([x(xv), y(Math.max(floor, yv - b))]);
  }
  flush();
  return polys;
}

/** Legend, layout, scales and clip id shared by line and scatter charts. */
function xyFrame(spec: LinePlot | ScatterPlot, symbol: LegendEntry['symbol']) {
  checkSeries(spec.id, spec.series);
  const legend: LegendEntry[] = spec.series.map((s, i) => ({ name: s.name, color: seriesColor(i), symbol }));
  const showLegend = spec.series.length > 1;
  const { layout, x, y } = setup(spec, showLegend ? legend : []);
  return { legend, showLegend, layout, x, y, a: plotArea(layout), id: idPrefix(spec) };
}

/** Title, grid, clipped data, axes and legend around the drawn `data`. */
function xyDocument(spec: LinePlot | ScatterPlot, f: ReturnType<typeof xyFrame>, data: string): string {
  const { layout, x, y, a, id } = f;
  const body =
    el('defs', {}, clipPath(`${id}-clip`, layout)) +
    drawTitle(layout, spec.title) +
    drawGrid(layout, x, y) +
    el('g', { 'clip-path': `url(#${id}-clip)` }, data) +
    drawXAxis(layout, x, spec.x.label) +
    drawYAxis(layout, y, spec.y.label) +
    (f.showLegend ? drawLegend(f.legend, a.x1 + 16, a.y0) : '');
  return svgDocument(layout.width, layout.height, spec.title, body);
}

/** Renders a line chart: series (broken at missing values), ± bands, optional markers, reference lines. */
export function renderLine(spec: LinePlot): string {
  const f = xyFrame(spec, 'line');
  const { x, y, a } = f;
  let data = '';
  spec.series.forEach((s, i) => {
    for (const d of band(s, x, y))
      data += el('path', { d, fill: seriesColor(i), 'fill-opacity': 0.18, stroke: 'none' });
  });
  spec.series.forEach((s, i) => {
    const pts = seriesPoints(s, x, y);
    data += el('path', {
      d: polyline(pts),
      fill: 'none',
      stroke: seriesColor(i),
      'stroke-width': 2,
      'stroke-linejoin': 'round',
    });
    // Isolated points (neighbours missing) would be invisible as a path; draw them as dots.
    pts.forEach((p, k) => {
      if (p && (spec.markers || (pts[k - 1] == null && pts[k + 1] == null)))
        data += el('circle', { cx: p[0], cy: p[1], r: 3, fill: seriesColor(i) });
    });
  });
  for (const h of spec.hlines ?? []) {
    if (!y.valid(h.y)) continue;
    const yy = y(h.y);
    data += el('line', {
      x1: a.x0,
      x2: a.x1,
      y1: yy,
      y2: yy,
      stroke: '#555',
      'stroke-width': 1.5,
      'stroke-dasharray': '6 4',
    });
    data += text(a.x1 - 4, yy - 4, h.label, { size: FONT.tick, anchor: 'end', fill: '#333' });
  }
  return xyDocument(spec, f, data);
}

/** Renders a scatter plot; `band` values, when given, are drawn as vertical error bars. */
export function renderScatter(spec: ScatterPlot): string {
  const f = xyFrame(spec, 'dot');
  const { x, y } = f;
  let data = '';
  spec.series.forEach((s, i) => {
    const c = seriesColor(i);
    for (let k = 0; k < s.x.length; k++) {
      const xv = s.x[k]!;
      const yv = s.y[k]!;
      if (!x.valid(xv) || !y.valid(yv)) continue;
      const b = s.band?.[k];
      if (b !== undefined && Number.isFinite(b) && b !== 0) {
        const lo = y.log ? Math.max(y.domain[0], yv - Math.abs(b)) : yv - Math.abs(b);
        data += el('line', {
          x1: x(xv),
          x2: x(xv),
          y1: y(lo),
          y2: y(yv + Math.abs(b)),
          stroke: c,
          'stroke-width': 1.2,
        });
      }
      data += el('circle', { cx: x(xv), cy: y(yv), r: 3.5, fill: c, 'fill-opacity': 0.75 });
    }
  });
  return xyDocument(spec, f, data);
}
