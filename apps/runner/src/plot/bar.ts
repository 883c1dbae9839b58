import type { BarPlot } from '@paperkit/tensor-core';
import { PaperkitInputError } from '@paperkit/tensor-core';
import { seriesColor } from './colors.js';
import {
  drawGrid,
  drawLegend,
  drawTitle,
  drawYAxis,
  FONT,
  type Layout,
  type LegendEntry,
  leftMarginFor,
  legendWidth,
  plotArea,
} from './frame.js';
import { makeScale } from './scale.js';
import { el, svgDocument, text, textWidth, truncate } from './svg.js';

const HEIGHT = 400;
const MAX_CATEGORY_CHARS = 24;

/**
 * Renders a grouped bar chart: one cluster per category, one bar per group, bars grow from 0 (from
 * the bottom of the axis on a log scale). Long category labels are slanted.
 */
export function renderBar(spec: BarPlot): string {
  spec.groups.forEach((g, i) => {
    if (g.values.length !== spec.categories.length)
      throw new PaperkitInputError(
        `plot ${spec.id}: groups[${i}] (${g.name}).values`,
        g.values.length,
        `one value per category (${spec.categories.length})`,
      );
  });
  const values = spec.groups.flatMap((g) => g.values);
  const legend: LegendEntry[] = spec.groups.map((g, i) => ({
    name: g.name,
    color: seriesColor(i),
    symbol: 'square',
  }));
  const showLegend = spec.groups.length > 1;
  const lw = showLegend ? legendWidth(legend) : 0;
  const probe = makeScale(values, spec.y, [1, 0], { includeZero: true });
  const left = leftMarginFor(probe.ticks.map((t) => probe.format(t)));
  const nCat = Math.max(1, spec.categories.length);
  const labels = spec.categories.map((c) => truncate(c, MAX_CATEGORY_CHARS));
  const plotWidth = Math.max(560, Math.min(1200, nCat * Math.max(24, spec.groups.length * 14)));
  const band = plotWidth / nCat;
  const widest = Math.max(0, ...labels.map((l) => textWidth(l, FONT.tick)));
  const slant = widest > band - 6;
  const bottom = slant ? 26 + widest * 0.6 : 58;
  const layout: Layout = {
    width: left + plotWidth + 24 + lw,
    height: HEIGHT + (bottom - 58),
    left,
    right: 24 + lw,
    top: 44,
    bottom,
  };
  const a = plotArea(layout);
  const y = makeScale(values, spec.y, [a.y1, a.y0], { includeZero: true });
  const base = y.log ? y.domain[0] : Math.min(Math.max(0, y.domain[0]), y.domain[1]);
  const inner = band * 0.8;
  const barW = inner / Math.max(1, spec.groups.length);
  let data = '';
  spec.groups.forEach((g, gi) => {
    g.values.forEach((v, ci) => {
      if (!y.valid(v)) return;
      const x = a.x0 + ci * band + (band - inner) / 2 + gi * barW;
      const y0 = y(base);
      const y1 = y(Math.min(Math.max(v, y.domain[0]), y.domain[1]));
      data += el('rect', {
        x: x + 0.5,
        y: Math.min(y0, y1),
        width: Math.max(1, barW - 1),
        height: Math.abs(y1 - y0),
        fill: seriesColor(gi),
      });
    });
  });
  let axis = el('line', { x1: a.x0, x2: a.x1, y1: a.y1, y2: a.y1, stroke: '#333', 'stroke-width': 1 });
  if (!y.log && y.domain[0] < 0 && y.domain[1] > 0)
    axis += el('line', { x1: a.x0, x2: a.x1, y1: y(0), y2: y(0), stroke: '#333', 'stroke-width': 1 });
  labels.forEach((l, ci) => {
    const cx = a.x0 + (ci + 0.5) * band;
    axis += slant
      ? text(cx, a.y1 + 10, l, { size: FONT.tick, anchor: 'end', rotate: -35, baseline: 'hanging' })
      : text(cx, a.y1 + 8, l, { size: FONT.tick, anchor: 'middle', baseline: 'hanging' });
  });
  const body =
    drawTitle(layout, spec.title) +
    drawGrid(layout, null, y) +
    data +
    axis +
    drawYAxis(layout, y, spec.y.label) +
    (showLegend ? drawLegend(legend, a.x1 + 16, a.y0) : '');
  return svgDocument(layout.width, layout.height, spec.title, body);
}
