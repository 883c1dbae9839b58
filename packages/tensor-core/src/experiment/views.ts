import { summarize } from '../stats/interval.js';
import { PaperkitInputError } from '../validate/errors.js';
import type { CellResult, XY } from './cell.js';
import type { Cell } from './cells.js';
import type { AxisSpec, PlotSeries, PlotSpec } from './plots.js';
import type { Where } from './table.js';

/** One completed cell at one seed, as views and claims read it. */
export interface CellRecord {
  readonly seed: number;
  readonly cell: Cell;
  readonly result: CellResult;
}

interface ViewBase {
  /** File stem (letters, digits, `-`), unique in the experiment. */
  readonly id: string;
  readonly title: string;
  /** What the plot shows and how to read it; the runner appends the seed count. */
  readonly caption: string;
  /** Cells to include (all without it). */
  readonly where?: Where;
}

/**
 * Curves named `series` from each selected cell: the mean over seeds at each x with its 95% band.
 * Legend entries are the cell labels, or the values of cell parameter `by`.
 */
export interface LinesView extends ViewBase {
  readonly kind: 'lines';
  readonly series: string | readonly string[];
  readonly by?: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly markers?: boolean;
  readonly hlines?: readonly { readonly y: number; readonly label: string }[];
  /** Vertical marks read from a series of each cell (its x values), e.g. nowcast steps. */
  readonly vlinesFrom?: { readonly series: string; readonly label: string };
}

/**
 * A metric per cell as bars with 95% whiskers. With `baseline`, each bar is the per-seed difference
 * to the baseline cell's metric (so a small gap is not hidden by a zero-based axis).
 */
export interface BarsView extends ViewBase {
  readonly kind: 'bars';
  readonly metric: string;
  /** Category axis: a cell parameter (default: the cell label). */
  readonly by?: string;
  /** Groups of bars within a category: a cell parameter. */
  readonly groupBy?: string;
  /** Plot `metric − metric[baseline]` per seed (the baseline must select one cell per group). */
  readonly baseline?: Where;
  readonly y: AxisSpec;
}

/** One point per cell: mean of metric `x` against mean of metric `y`, with 95% whiskers. */
export interface ScatterView extends ViewBase {
  readonly kind: 'scatter';
  readonly x: AxisSpec & { readonly metric: string };
  readonly y: AxisSpec & { readonly metric: string };
  /** Highlight the non-dominated points when both metrics are to be maximised (`max`) or minimised. */
  readonly front?: 'max' | 'min';
}

/** A matrix returned by one cell (mean over seeds, elementwise). */
export interface MatrixView extends ViewBase {
  readonly kind: 'matrix';
  readonly matrix: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly scale?: 'sequential' | 'diverging';
  readonly colorLabel?: string;
}

/** A metric over two cell parameters as a heat map (mean over seeds). */
export interface GridView extends ViewBase {
  readonly kind: 'grid';
  readonly metric: string;
  readonly rows: string;
  readonly cols: string;
  readonly scale?: 'sequential' | 'diverging';
  readonly colorLabel?: string;
}

/** Images returned by one cell, at the first seed. */
export interface ImagesView extends ViewBase {
  readonly kind: 'images';
  readonly images: string;
  readonly columns?: number;
  readonly scale?: 'sequential' | 'diverging';
}

/** Anything else, built from the records (an escape hatch for plots that are not views of cells). */
export interface CustomView {
  readonly kind: 'custom';
  readonly id: string;
  readonly build: (records: readonly CellRecord[]) => PlotSpec;
}

/** A plot an experiment declares. */
export type PlotView = LinesView | BarsView | ScatterView | MatrixView | GridView | ImagesView | CustomView;

function matches(c: Cell, where: Where | undefined): boolean {
  if (!where) return true;
  for (const [k, v] of Object.entries(where)) if (c.params[k] !== v) return false;
  return true;
}

function groupName(c: Cell, by: string | undefined): string {
  if (by === undefined) return c.label;
  const v = c.params[by];
  if (v === undefined)
    throw new PaperkitInputError('by', by, `a cell parameter (${Object.keys(c.params).join(', ')})`);
  return String(v);
}

function seedCount(records: readonly CellRecord[]): number {
  return new Set(records.map((r) => r.seed)).size;
}

/** Joins caption sentences, each ending with exactly one period. */
function sentences(...parts: readonly string[]): string {
  return parts
    .map((p) => p.trim().replace(/\.+$/, ''))
    .filter(Boolean)
    .map((p) => `${p}.`)
    .join(' ');
}

/** Set while a deterministic experiment's plots are built: its single run is exact, not "one seed". */
let deterministicRun = false;

function captionWithSeeds(caption: string, n: number, bands: boolean): string {
  const what =
    n === 1
      ? deterministicRun
        ? 'Deterministic: one run is the exact value'
        : 'One seed'
      : `Mean over ${n} seeds${bands ? '; bands and whiskers are the 95% interval of the mean' : ''}`;
  return sentences(caption, what);
}

/** Mean and 95% interval of curves from several seeds, aligned on their x values. */
export function meanCurve(name: string, curves: readonly XY[]): PlotSeries {
  const byX = new Map<number, number[]>();
  for (const c of curves)
    c.x.forEach((x, i) => {
      const list = byX.get(x) ?? [];
      list.push(c.y[i]!);
      byX.set(x, list);
    });
  const xs = [...byX.keys()].sort((a, b) => a - b);
  const y: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (const x of xs) {
    const s = summarize(byX.get(x)!);
    y.push(s.mean);
    lo.push(s.n >= 2 ? s.ci95[0] : Number.NaN);
    hi.push(s.n >= 2 ? s.ci95[1] : Number.NaN);
  }
  return curves.length >= 2 ? { name, x: xs, y, lo, hi } : { name, x: xs, y };
}

function lines(v: LinesView, records: readonly CellRecord[]): PlotSpec {
  const names = typeof v.series === 'string' ? [v.series] : v.series;
  const groups = new Map<string, XY[]>();
  const vlines = new Set<number>();
  const legendGroups = new Set(
    records.filter((r) => matches(r.cell, v.where)).map((r) => groupName(r.cell, v.by)),
  );
  for (const r of records) {
    if (!matches(r.cell, v.where)) continue;
    for (const s of names) {
      const curve = r.result.series?.[s];
      if (!curve) continue;
      const g = groupName(r.cell, v.by);
      const key = names.length === 1 ? g : legendGroups.size === 1 ? s : `${g} · ${s}`;
      groups.set(key, [...(groups.get(key) ?? []), curve]);
    }
    if (v.vlinesFrom) for (const x of r.result.series?.[v.vlinesFrom.series]?.x ?? []) vlines.add(x);
  }
  const series = [...groups].map(([name, curves]) => meanCurve(name, curves));
  const n = seedCount(records.filter((r) => matches(r.cell, v.where)));
  return {
    kind: 'line',
    id: v.id,
    title: v.title,
    caption: captionWithSeeds(v.caption, n, n > 1),
    x: v.x,
    y: v.y,
    series,
    ...(v.markers ? { markers: true } : {}),
    ...(v.hlines ? { hlines: v.hlines } : {}),
    ...(v.vlinesFrom
      ? { vlines: [...vlines].sort((a, b) => a - b).map((x) => ({ x, label: v.vlinesFrom!.label })) }
      : {}),
  };
}

function metricOf(r: CellRecord, metric: string): number {
  const x = r.result.metrics[metric];
  if (x === undefined) throw new PaperkitInputError('metric', metric, 'a metric of the cell');
  return x;
}

function bars(v: BarsView, records: readonly CellRecord[]): PlotSpec {
  const sel = records.filter((r) => matches(r.cell, v.where));
  const cats: string[] = [];
  const grps: string[] = [];
  const values = new Map<string, number[]>();
  for (const r of sel) {
    if (v.baseline && matches(r.cell, v.baseline)) continue;
    const cat = groupName(r.cell, v.by);
    const grp = v.groupBy ? groupName(r.cell, v.groupBy) : v.metric;
    if (!cats.includes(cat)) cats.push(cat);
    if (!grps.includes(grp)) grps.push(grp);
    let x = metricOf(r, v.metric);
    if (v.baseline) {
      const base = sel.filter(
        (b) =>
          b.seed === r.seed &&
          matches(b.cell, v.baseline) &&
          (!v.groupBy ||
            b.cell.params[v.groupBy] === undefined ||
            b.cell.params[v.groupBy] === r.cell.params[v.groupBy]),
      );
      if (base.length !== 1)
        throw new PaperkitInputError(
          `${v.id}.baseline`,
          v.baseline,
          `a filter selecting one cell per seed (found ${base.length})`,
        );
      x -= metricOf(base[0]!, v.metric);
    }
    const k = `${cat}\u0000${grp}`;
    values.set(k, [...(values.get(k) ?? []), x]);
  }
  const n = seedCount(sel);
  const groups = grps.map((g) => {
    const stats = cats.map((c) => summarize(values.get(`${c}\u0000${g}`) ?? []));
    return {
      name: g,
      values: stats.map((s) => s.mean),
      ...(n > 1 ? { lo: stats.map((s) => s.ci95[0]), hi: stats.map((s) => s.ci95[1]) } : {}),
    };
  });
  const base = v.baseline
    ? ` Bars are differences to ${Object.entries(v.baseline)
        .map(([k, b]) => `${k}=${b}`)
        .join(', ')}, per seed.`
    : '';
  return {
    kind: 'bar',
    id: v.id,
    title: v.title,
    caption: captionWithSeeds(sentences(v.caption, base), n, n > 1),
    categories: cats,
    groups,
    y: v.y,
  };
}

function scatter(v: ScatterView, records: readonly CellRecord[]): PlotSpec {
  const sel = records.filter((r) => matches(r.cell, v.where));
  const byCell = new Map<string, CellRecord[]>();
  for (const r of sel) byCell.set(r.cell.key, [...(byCell.get(r.cell.key) ?? []), r]);
  const n = seedCount(sel);
  const points = [...byCell.values()].map((rs) => {
    const sx = summarize(rs.map((r) => metricOf(r, v.x.metric)));
    const sy = summarize(rs.map((r) => metricOf(r, v.y.metric)));
    return {
      name: rs[0]!.cell.label,
      x: sx.mean,
      y: sy.mean,
      ...(n > 1 ? { xLo: sx.ci95[0], xHi: sx.ci95[1], yLo: sy.ci95[0], yHi: sy.ci95[1] } : {}),
    };
  });
  const better = (a: { x: number; y: number }, b: { x: number; y: number }) =>
    v.front === 'max'
      ? a.x >= b.x && a.y >= b.y && (a.x > b.x || a.y > b.y)
      : a.x <= b.x && a.y <= b.y && (a.x < b.x || a.y < b.y);
  const marked = v.front
    ? points.map((p) => ({ ...p, highlight: !points.some((q) => better(q, p)) }))
    : points;
  const { metric: _mx, ...x } = v.x;
  const { metric: _my, ...y } = v.y;
  const front = v.front ? 'Highlighted points are not dominated by any other' : '';
  return {
    kind: 'scatter',
    id: v.id,
    title: v.title,
    caption: captionWithSeeds(sentences(v.caption, front), n, n > 1),
    x,
    y,
    points: marked,
  };
}

function matrix(v: MatrixView, records: readonly CellRecord[]): PlotSpec {
  const sel = records.filter((r) => matches(r.cell, v.where) && r.result.matrices?.[v.matrix]);
  const cells = new Set(sel.map((r) => r.cell.key));
  if (cells.size !== 1)
    throw new PaperkitInputError(
      `${v.id}.where`,
      v.where,
      `a filter selecting one cell with matrix '${v.matrix}' (found ${cells.size})`,
    );
  const ms = sel.map((r) => r.result.matrices![v.matrix]!);
  const first = ms[0]!;
  const values = first.values.map((_, i) => ms.reduce((a, m) => a + m.values[i]!, 0) / ms.length);
  return {
    kind: 'heatmap',
    id: v.id,
    title: v.title,
    caption: captionWithSeeds(v.caption, ms.length, false),
    rows: first.rows,
    cols: first.cols,
    values,
    ...(first.colLabels ? { xTicks: first.colLabels } : {}),
    ...(first.rowLabels ? { yTicks: first.rowLabels } : {}),
    x: v.x,
    y: v.y,
    ...(v.scale ? { scale: v.scale } : {}),
    ...(v.colorLabel ? { colorLabel: v.colorLabel } : {}),
  };
}

function gridView(v: GridView, records: readonly CellRecord[]): PlotSpec {
  const sel = records.filter((r) => matches(r.cell, v.where));
  const rowVals: string[] = [];
  const colVals: string[] = [];
  const acc = new Map<string, number[]>();
  for (const r of sel) {
    const a = groupName(r.cell, v.rows);
    const b = groupName(r.cell, v.cols);
    if (!rowVals.includes(a)) rowVals.push(a);
    if (!colVals.includes(b)) colVals.push(b);
    const k = `${a}\u0000${b}`;
    acc.set(k, [...(acc.get(k) ?? []), metricOf(r, v.metric)]);
  }
  const values: number[] = [];
  for (const a of rowVals)
    for (const b of colVals) values.push(summarize(acc.get(`${a}\u0000${b}`) ?? []).mean);
  return {
    kind: 'heatmap',
    id: v.id,
    title: v.title,
    caption: captionWithSeeds(v.caption, seedCount(sel), false),
    rows: rowVals.length,
    cols: colVals.length,
    values,
    xTicks: colVals,
    yTicks: rowVals,
    x: { label: v.cols },
    y: { label: v.rows },
    ...(v.scale ? { scale: v.scale } : {}),
    colorLabel: v.colorLabel ?? v.metric,
  };
}

function images(v: ImagesView, records: readonly CellRecord[]): PlotSpec {
  const sel = records.filter((r) => matches(r.cell, v.where) && r.result.images?.[v.images]);
  if (sel.length === 0)
    throw new PaperkitInputError(`${v.id}.images`, v.images, 'images returned by a selected cell');
  const first = [...sel].sort((a, b) => a.seed - b.seed)[0]!;
  const im = first.result.images![v.images]!;
  return {
    kind: 'images',
    id: v.id,
    title: v.title,
    caption: sentences(v.caption, `Seed ${first.seed}`),
    images: im.images,
    width: im.width,
    height: im.height,
    ...(im.captions ? { captions: im.captions } : {}),
    ...(v.columns ? { columns: v.columns } : {}),
    ...(v.scale ? { scale: v.scale } : {}),
  };
}

/**
 * Turns a declared view into a plot spec over the completed records of every seed. `deterministic`
 * (the experiment's flag) changes only the caption's wording for its single run.
 */
export function buildPlot(
  view: PlotView,
  records: readonly CellRecord[],
  o: { deterministic?: boolean } = {},
): PlotSpec {
  // A custom view may build an inner view (e.g. `metricLines`): it inherits the outer run's flag.
  const outer = deterministicRun;
  deterministicRun = outer || o.deterministic === true;
  try {
    return buildView(view, records);
  } finally {
    deterministicRun = outer;
  }
}

function buildView(view: PlotView, records: readonly CellRecord[]): PlotSpec {
  switch (view.kind) {
    case 'lines':
      return lines(view, records);
    case 'bars':
      return bars(view, records);
    case 'scatter':
      return scatter(view, records);
    case 'matrix':
      return matrix(view, records);
    case 'grid':
      return gridView(view, records);
    case 'images':
      return images(view, records);
    case 'custom':
      return view.build(records);
  }
}
