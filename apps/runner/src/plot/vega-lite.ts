import type {
  AxisSpec,
  BarPlot,
  HeatmapPlot,
  ImageGridPlot,
  LinePlot,
  PlotSpec,
  ScatterPlot,
} from '@paperkit/tensor-core';

/** A Vega-Lite specification (kept loose: vega-lite validates it when compiling). */
export type VegaLiteSpec = Record<string, unknown>;

const WIDTH = 520;
const HEIGHT = 300;
const FONT = 'DejaVu Sans';

/** Splits a caption into lines of at most `width` characters (the renderers do not wrap subtitles). */
export function wrap(text: string, width = 95): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function finite(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

function scale(a: AxisSpec): Record<string, unknown> {
  return {
    ...(a.log ? { type: 'log' } : {}),
    ...(a.domain ? { domain: [...a.domain] } : {}),
    ...(a.log ? {} : { zero: a.zero === true }),
    nice: !a.domain,
  };
}

function axisEnc(field: string, a: AxisSpec, type: 'quantitative' | 'nominal' | 'ordinal' = 'quantitative') {
  return { field, type, title: a.label, ...(type === 'quantitative' ? { scale: scale(a) } : {}) };
}

function base(spec: PlotSpec, extra: VegaLiteSpec): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: spec.title, subtitle: wrap(spec.caption), anchor: 'start', subtitleColor: '#444' },
    config: {
      font: FONT,
      background: 'white',
      view: { stroke: '#ddd' },
      // Legends wrap into rows and never truncate labels (the old plotter cut them with "…").
      legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0, titleLimit: 0, symbolOpacity: 1 },
      axis: { labelLimit: 0, titleLimit: 0 },
    },
    ...extra,
  };
}

function line(p: LinePlot): VegaLiteSpec {
  const values: Record<string, unknown>[] = [];
  p.series.forEach((s, k) => {
    s.x.forEach((x, i) => {
      const y = s.y[i]!;
      values.push({
        series: s.name,
        order: k,
        x,
        y: finite(y),
        lo: finite(s.lo?.[i]),
        hi: finite(s.hi?.[i]),
      });
    });
  });
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: p.series.map((s) => s.name),
    // The swatch is an opaque stroke in the line's colour: the legend is shared with the band layer,
    // whose 18 % opacity otherwise made every swatch look alike.
    legend: p.series.length > 1 ? { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1 } : null,
  };
  const layers: VegaLiteSpec[] = [];
  if (p.series.some((s) => s.lo))
    layers.push({
      transform: [{ filter: 'datum.lo !== null && datum.hi !== null' }],
      mark: { type: 'area', opacity: 0.18, clip: true },
      encoding: {
        x: axisEnc('x', p.x),
        y: { field: 'lo', type: 'quantitative', scale: scale(p.y), title: p.y.label },
        y2: { field: 'hi' },
        color,
      },
    });
  layers.push({
    // Markers when asked, or when a curve is too short to draw as a line.
    mark: {
      type: 'line',
      strokeWidth: 1.8,
      point: p.markers === true || p.series.some((s) => s.x.length < 3),
    },
    encoding: { x: axisEnc('x', p.x), y: axisEnc('y', p.y), color, detail: { field: 'series' } },
  });
  for (const h of p.hlines ?? [])
    layers.push(
      {
        data: { values: [{ y: h.y }] },
        mark: { type: 'rule', strokeDash: [5, 4], color: '#666' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: [{ y: h.y, label: h.label }] },
        mark: {
          type: 'text',
          align: 'right',
          baseline: 'bottom',
          dy: -2,
          x: 'width',
          color: '#444',
          fontSize: 10,
        },
        encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  if (p.vlines && p.vlines.length > 0)
    layers.push({
      data: { values: p.vlines.map((v) => ({ x: v.x, label: v.label })) },
      mark: { type: 'rule', color: '#999', strokeDash: [2, 3] },
      encoding: { x: { field: 'x', type: 'quantitative' }, tooltip: { field: 'label' } },
    });
  return base(p, { width: WIDTH, height: HEIGHT, data: { values }, layer: layers });
}

function scatter(p: ScatterPlot): VegaLiteSpec {
  const values = p.points.map((q) => ({
    name: q.name,
    x: q.x,
    y: q.y,
    xLo: finite(q.xLo),
    xHi: finite(q.xHi),
    yLo: finite(q.yLo),
    yHi: finite(q.yHi),
    highlight: q.highlight === true,
  }));
  // Filled circles as swatches: the points' own stroke is 0 except on highlighted points, which would
  // otherwise draw invisible legend symbols.
  const color = {
    field: 'name',
    type: 'nominal',
    title: null,
    sort: [...new Set(p.points.map((q) => q.name))],
    legend: { symbolType: 'circle', symbolStrokeWidth: 0, symbolSize: 90 },
  };
  const layers: VegaLiteSpec[] = [];
  if (p.points.some((q) => q.xLo !== undefined))
    layers.push(
      {
        transform: [{ filter: 'datum.xLo !== null' }],
        mark: { type: 'rule', opacity: 0.6 },
        encoding: {
          x: axisEnc('xLo', p.x),
          x2: { field: 'xHi' },
          y: { field: 'y', type: 'quantitative' },
          color,
        },
      },
      {
        transform: [{ filter: 'datum.yLo !== null' }],
        mark: { type: 'rule', opacity: 0.6 },
        encoding: {
          y: axisEnc('yLo', p.y),
          y2: { field: 'yHi' },
          x: { field: 'x', type: 'quantitative' },
          color,
        },
      },
    );
  layers.push({
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x: axisEnc('x', p.x),
      y: axisEnc('y', p.y),
      color,
      shape: {
        field: 'highlight',
        type: 'nominal',
        legend: p.points.some((q) => q.highlight) ? { title: 'non-dominated' } : null,
      },
      strokeWidth: { condition: { test: 'datum.highlight', value: 2 }, value: 0 },
      stroke: { value: 'black' },
    },
  });
  return base(p, { width: WIDTH, height: HEIGHT, data: { values }, layer: layers });
}

function bar(p: BarPlot): VegaLiteSpec {
  const values: Record<string, unknown>[] = [];
  for (const g of p.groups)
    for (const [i, c] of p.categories.entries())
      values.push({
        category: c,
        group: g.name,
        value: finite(g.values[i]),
        lo: finite(g.lo?.[i]),
        hi: finite(g.hi?.[i]),
      });
  const grouped = p.groups.length > 1;
  const enc = {
    x: {
      field: 'category',
      type: 'nominal',
      title: null,
      sort: [...p.categories],
      axis: { labelAngle: p.categories.some((c) => c.length > 8) ? -30 : 0 },
    },
    ...(grouped ? { xOffset: { field: 'group', sort: p.groups.map((g) => g.name) } } : {}),
  };
  const color = grouped
    ? {
        field: 'group',
        type: 'nominal',
        title: null,
        sort: p.groups.map((g) => g.name),
        legend: { symbolType: 'square', symbolSize: 120 },
      }
    : { value: '#4c78a8' };
  const layers: VegaLiteSpec[] = [
    { mark: { type: 'bar' }, encoding: { ...enc, y: axisEnc('value', p.y), color } },
  ];
  if (p.groups.some((g) => g.lo))
    layers.push({
      transform: [{ filter: 'datum.lo !== null && datum.hi !== null' }],
      mark: { type: 'rule', color: 'black', strokeWidth: 1.4 },
      encoding: { ...enc, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  if (p.y.zero !== true)
    layers.push({
      data: { values: [{ y: 0 }] },
      mark: { type: 'rule', color: '#888' },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
  return base(p, {
    width: Math.max(WIDTH, p.categories.length * p.groups.length * 22),
    height: HEIGHT,
    data: { values },
    layer: layers,
  });
}

/** Makes labels unique by appending an invisible-width counter to repeats (a zero-width space per repeat). */
function unique(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = seen.get(l) ?? 0;
    seen.set(l, n + 1);
    return n === 0 ? l : `${l}${'\u200b'.repeat(n)}`;
  });
}

function heatmap(p: HeatmapPlot): VegaLiteSpec {
  // Tick labels identify columns and rows: repeated labels would merge them, so they are made unique.
  const xs = unique(p.xTicks ?? Array.from({ length: p.cols }, (_, i) => String(i)));
  const ys = unique(p.yTicks ?? Array.from({ length: p.rows }, (_, i) => String(i)));
  const values: Record<string, unknown>[] = [];
  for (let r = 0; r < p.rows; r++)
    for (let c = 0; c < p.cols; c++)
      values.push({ row: ys[r], col: xs[c], value: finite(p.values[r * p.cols + c]) });
  const cell = Math.max(6, Math.min(36, Math.floor(480 / Math.max(p.rows, p.cols))));
  const diverging = p.scale === 'diverging';
  const layers: VegaLiteSpec[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        // Many columns: thin the labels instead of overprinting them.
        x: { field: 'col', type: 'ordinal', sort: xs, title: p.x.label, axis: { labelOverlap: 'greedy' } },
        y: { field: 'row', type: 'ordinal', sort: ys, title: p.y.label, axis: { labelOverlap: 'greedy' } },
        color: {
          field: 'value',
          type: 'quantitative',
          title: p.colorLabel ?? null,
          scale: diverging ? { scheme: 'redblue', domainMid: 0, reverse: true } : { scheme: 'viridis' },
        },
      },
    },
  ];
  if (p.rows * p.cols <= 144)
    layers.push({
      mark: { type: 'text', fontSize: 9 },
      encoding: {
        x: { field: 'col', type: 'ordinal', sort: xs },
        y: { field: 'row', type: 'ordinal', sort: ys },
        text: { field: 'value', type: 'quantitative', format: '.3~g' },
        color: { value: '#222' },
      },
    });
  return base(p, { width: cell * p.cols, height: cell * p.rows, data: { values }, layer: layers });
}

function images(p: ImageGridPlot): VegaLiteSpec {
  const values: Record<string, unknown>[] = [];
  p.images.forEach((img, k) => {
    const caption = p.captions?.[k] ?? String(k + 1);
    for (let r = 0; r < p.height; r++)
      for (let c = 0; c < p.width; c++)
        values.push({ k, caption: `${k + 1}: ${caption}`, r, c, v: img[r * p.width + c] });
  });
  const px = Math.max(1, Math.floor(64 / Math.max(p.width, p.height)));
  const diverging = p.scale === 'diverging';
  return {
    ...base(p, {}),
    data: { values },
    columns: p.columns ?? 8,
    facet: {
      field: 'caption',
      type: 'nominal',
      title: null,
      sort: p.images.map((_, k) => `${k + 1}: ${p.captions?.[k] ?? String(k + 1)}`),
    },
    spec: {
      width: p.width * px,
      height: p.height * px,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'c', type: 'ordinal', axis: null },
        y: { field: 'r', type: 'ordinal', axis: null },
        color: {
          field: 'v',
          type: 'quantitative',
          legend: null,
          scale: diverging
            ? { scheme: 'redblue', domainMid: 0, reverse: true }
            : { range: ['white', 'black'] },
        },
      },
    },
    resolve: { scale: { color: 'independent' } },
  };
}

/** The Vega-Lite specification of a plot spec. */
export function toVegaLite(spec: PlotSpec): VegaLiteSpec {
  switch (spec.kind) {
    case 'line':
      return line(spec);
    case 'scatter':
      return scatter(spec);
    case 'bar':
      return bar(spec);
    case 'heatmap':
      return heatmap(spec);
    case 'images':
      return images(spec);
  }
}
