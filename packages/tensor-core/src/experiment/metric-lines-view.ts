import { PaperkitInputError } from '../validate/errors.js';
import { cellOf } from './cells.js';
import type { AxisSpec } from './plots.js';
import type { Where } from './table.js';
import { buildPlot, type CellRecord, type CustomView } from './views.js';

/** Optional settings of {@link metricLines}. */
export interface MetricLinesOptions {
  /** The cells to plot (default: all). */
  readonly where?: Where;
  /** Cell parameter whose values make the lines (default: the cell's other parameters, one line per method). */
  readonly by?: string;
  /** Legend name of each metric (default: its name); with one line per metric it names the line. */
  readonly names?: Readonly<Record<string, string>>;
  readonly markers?: boolean;
  readonly hlines?: readonly { readonly y: number; readonly label: string }[];
  /** Vertical reference lines (e.g. a critical value of the swept parameter). */
  readonly vlines?: readonly { readonly x: number; readonly label: string }[];
}

const axis = (a: string | AxisSpec): AxisSpec => (typeof a === 'string' ? { label: a } : a);

/**
 * A metric against a numeric cell parameter of the sweep (e.g. the failed fraction against the
 * population size N), one line per value of `more.by` (default: per setting of the other parameters)
 * and per metric, each point the mean over seeds with its 95% band: the "metric vs. sweep parameter"
 * plot, without cells having to return one-point curves for it. Caption and bands are those of a
 * `lines` view.
 */
export function metricLines(
  id: string,
  title: string,
  caption: string,
  metric: string | readonly string[],
  param: string,
  x: string | AxisSpec,
  y: string | AxisSpec,
  more: MetricLinesOptions = {},
): CustomView {
  const { where, by, names = {}, vlines, ...rest } = more;
  const metrics = typeof metric === 'string' ? [metric] : metric;
  const nameOf = (m: string) => names[m] ?? m;
  const build = (records: readonly CellRecord[]) => {
    const selected = records.filter((r) =>
      Object.entries(where ?? {}).every(([k, v]) => r.cell.params[k] === v),
    );
    const points = selected.map((r) => {
      const { [param]: at, ...others } = r.cell.params;
      if (typeof at !== 'number')
        throw new PaperkitInputError(`${id}.param`, param, `a numeric parameter of cell ${r.cell.key}`);
      const series = Object.fromEntries(
        metrics.map((m) => {
          const v = r.result.metrics[m];
          if (v === undefined)
            throw new PaperkitInputError(`${id}.metric`, m, `a metric of cell ${r.cell.key}`);
          return [nameOf(m), { x: [at], y: [v] }];
        }),
      );
      // Without `by`, the legend groups cells by their label: drop the x parameter from it.
      const cell = by === undefined ? { ...cellOf(others), params: r.cell.params } : r.cell;
      return { seed: r.seed, cell, result: { metrics: r.result.metrics, series } };
    });
    const plot = buildPlot(
      {
        kind: 'lines',
        id,
        title,
        caption,
        series: metrics.map(nameOf),
        x: axis(x),
        y: axis(y),
        ...(by === undefined ? {} : { by }),
        ...rest,
      },
      points,
    );
    return vlines ? { ...plot, vlines } : plot;
  };
  return { kind: 'custom', id, build };
}
