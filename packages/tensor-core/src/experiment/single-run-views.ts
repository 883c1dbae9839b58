import { PaperkitInputError } from '../validate/errors.js';
import type { AxisSpec, LinePlot, PlotSpec } from './plots.js';
import type { Where } from './table.js';
import type { CellRecord, CustomView } from './views.js';

/** Optional settings of {@link firstSeedCurves}. */
export interface FirstSeedCurvesOptions {
  /** The cells whose curves are drawn (default: every cell that returned a selected series). */
  readonly where?: Where;
  /**
   * Legend name of the curve `series` of record `r` (default: the cell label when `series` is one
   * name, the series name when it is a predicate, which selects several curves of a cell).
   */
  readonly name?: (r: CellRecord, series: string) => string;
  /** Horizontal reference lines. */
  readonly hlines?: LinePlot['hlines'];
}

const axis = (a: string | AxisSpec): AxisSpec => (typeof a === 'string' ? { label: a } : a);

/**
 * Curves of single runs as they are, at the first (lowest) seed: trajectories and paths, whose mean
 * over seeds means nothing (a `curves` view would average them). Draws the series named `series`, or
 * every series whose name satisfies the predicate, of each cell matching `more.where` that returned
 * one, in cell order; the caption gains "Seed n.". Throws a {@link PaperkitInputError} when no
 * selected cell returned such a series.
 */
export function firstSeedCurves(
  id: string,
  title: string,
  caption: string,
  series: string | ((name: string) => boolean),
  x: string | AxisSpec,
  y: string | AxisSpec,
  more: FirstSeedCurvesOptions = {},
): CustomView {
  const { where = {}, hlines } = more;
  const picks = typeof series === 'string' ? (s: string) => s === series : series;
  const nameOf = more.name ?? ((r, s) => (typeof series === 'string' ? r.cell.label : s));
  const build = (records: readonly CellRecord[]): LinePlot => {
    const selected = records.filter(
      (r) =>
        Object.entries(where).every(([k, v]) => r.cell.params[k] === v) &&
        Object.keys(r.result.series ?? {}).some(picks),
    );
    if (selected.length === 0)
      throw new PaperkitInputError(
        `${id}: series`,
        typeof series === 'string' ? series : series.toString(),
        'a series returned by a cell the filter selects',
      );
    const seed = Math.min(...selected.map((r) => r.seed));
    const curves = selected
      .filter((r) => r.seed === seed)
      .flatMap((r) =>
        Object.entries(r.result.series!)
          .filter(([s]) => picks(s))
          .map(([s, xy]) => ({ name: nameOf(r, s), x: xy.x, y: xy.y })),
      );
    return {
      kind: 'line',
      id,
      title,
      caption: `${caption.trim().replace(/\.*$/, '.')} Seed ${seed}.`,
      x: axis(x),
      y: axis(y),
      series: curves,
      ...(hlines ? { hlines } : {}),
    };
  };
  return { kind: 'custom', id, build };
}

/**
 * A plot that does not depend on the results, such as the landscape a toy problem optimises, as a
 * view of the experiment (its file stem is the spec's id).
 */
export function fixedPlot(spec: PlotSpec): CustomView {
  return { kind: 'custom', id: spec.id, build: () => spec };
}
