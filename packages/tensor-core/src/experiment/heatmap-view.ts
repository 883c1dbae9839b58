import { mean } from '../stats/moments.js';
import { PaperkitInputError } from '../validate/errors.js';
import type { HeatmapPlot } from './plots.js';
import type { Where } from './table.js';
import type { CellRecord, CustomView } from './views.js';

/** Optional settings of {@link seriesHeatmap}. */
export interface SeriesHeatmapOptions {
  /** The cells that make the rows (default: all). */
  readonly where?: Where;
  /** Label of a column from its x value and the row's x values (default `String(x)`). */
  readonly xTick?: (x: number, xs: readonly number[]) => string;
  readonly scale?: 'sequential' | 'diverging';
  readonly colorLabel?: string;
}

const label = (a: string | HeatmapPlot['x']) => (typeof a === 'string' ? { label: a } : a);

/**
 * A heat map with one row per value of the cell parameter `rows` (in the cells' order) among the cells
 * matching `more.where`, each row the curve `series` of that cell, mean over seeds at each x (columns:
 * the x values of the first cell). For a sweep whose cells each record a curve over a second setting
 * (e.g. success over α per population size, or a distance over κi per κp). `caption` may depend on the
 * number of seeds of the selected cells.
 */
export function seriesHeatmap(
  id: string,
  title: string,
  caption: string | ((seeds: number) => string),
  series: string,
  rows: string,
  x: string | HeatmapPlot['x'],
  y: string | HeatmapPlot['y'],
  more: SeriesHeatmapOptions = {},
): CustomView {
  const { where, xTick = String, ...rest } = more;
  const build = (records: readonly CellRecord[]): HeatmapPlot => {
    const groups = new Map<string, CellRecord[]>();
    for (const r of records) {
      if (Object.entries(where ?? {}).some(([k, v]) => r.cell.params[k] !== v)) continue;
      const key = String(r.cell.params[rows]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const curveOf = (r: CellRecord) => {
      const s = r.result.series?.[series];
      if (!s) throw new PaperkitInputError('series', series, `a series of cell ${r.cell.key}`);
      return s;
    };
    const first = [...groups.values()][0]?.[0];
    if (!first) throw new PaperkitInputError('where', where, 'a filter that selects at least one cell');
    const xs = curveOf(first).x;
    return {
      kind: 'heatmap',
      id,
      title,
      caption:
        typeof caption === 'string'
          ? caption
          : caption(new Set([...groups.values()].flat().map((r) => r.seed)).size),
      rows: groups.size,
      cols: xs.length,
      values: [...groups.values()].flatMap((rs) => xs.map((_, j) => mean(rs.map((r) => curveOf(r).y[j]!)))),
      xTicks: xs.map((v) => xTick(v, xs)),
      yTicks: [...groups.keys()],
      x: label(x),
      y: label(y),
      ...rest,
    };
  };
  return { kind: 'custom', id, build };
}
