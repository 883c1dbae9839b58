import type { AxisSpec } from './plots.js';
import type { Where } from './table.js';
import type { BarsView, LinesView } from './views.js';

type Axis = string | AxisSpec;
const axis = (a: Axis): AxisSpec => (typeof a === 'string' ? { label: a } : a);

/** Optional settings of {@link curves} (x defaults to `step`). */
export type CurvesOptions = Omit<
  Partial<LinesView>,
  'kind' | 'id' | 'title' | 'caption' | 'series' | 'x' | 'y'
> & {
  readonly x?: Axis;
};

/**
 * The curves named `series` of each selected cell, mean over seeds with 95% bands, against the step
 * unless `more.x` says otherwise: the usual "loss per method" plot of a training experiment.
 */
export function curves(
  id: string,
  title: string,
  caption: string,
  series: string | readonly string[],
  y: Axis,
  more: CurvesOptions = {},
): LinesView {
  const { x, ...rest } = more;
  return { kind: 'lines', id, title, caption, series, x: axis(x ?? 'step'), y: axis(y), ...rest };
}

/** Optional settings of {@link bars} and {@link deltaBars}. */
export type BarsOptions = Omit<Partial<BarsView>, 'kind' | 'id' | 'title' | 'caption' | 'metric' | 'y'>;

/** `metric` per cell (or per value of `more.by`) as bars with 95% whiskers. */
export function bars(
  id: string,
  title: string,
  caption: string,
  metric: string,
  y: Axis,
  more: BarsOptions = {},
): BarsView {
  return { kind: 'bars', id, title, caption, metric, y: axis(y), ...more };
}

/**
 * Per-seed differences `metric − metric[baseline]` as bars with 95% whiskers, one bar per value of the
 * baseline's (first) parameter unless `more.by` says otherwise: small gaps between methods stay
 * visible, which a zero-based bar of absolute values hides.
 */
export function deltaBars(
  id: string,
  title: string,
  caption: string,
  metric: string,
  baseline: Where,
  y: Axis,
  more: BarsOptions = {},
): BarsView {
  const by = Object.keys(baseline)[0];
  return { kind: 'bars', id, title, caption, metric, baseline, y: axis(y), ...(by ? { by } : {}), ...more };
}
