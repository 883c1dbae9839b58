import { PaperkitInputError } from '../validate/errors.js';
import type { Claim, Expectation, Reference, TableMetric } from './claims.js';
import type { SeedTable, Where } from './table.js';

/** A reference without a number: the paper states the effect (give where), or it is a check of ours. */
export function qualitative(source: string): Reference {
  return { provenance: 'qualitative', source };
}

/** A reference number from our own analysis or simulation of the paper's setting (say which). */
export function derived(value: number | string, source: string): Reference {
  return { provenance: 'derived', value, source };
}

/** A number printed in the paper (give the table, figure or section). */
export function printed(value: number | string, source: string): Reference {
  return { provenance: 'paper', value, source };
}

/** Expect the metric to exceed `value + margin`. */
export const above = (value = 0, margin = 0): Expectation => ({ op: '>', value, margin });
/** Expect the metric to reach at least `value + margin`. */
export const atLeast = (value = 0, margin = 0): Expectation => ({ op: '>=', value, margin });
/** Expect the metric to stay below `value − margin`. */
export const below = (value = 0, margin = 0): Expectation => ({ op: '<', value, margin });
/** Expect the metric to stay at most `value − margin`. */
export const atMost = (value = 0, margin = 0): Expectation => ({ op: '<=', value, margin });
/** Expect the metric within `value ± margin`. */
export const near = (value: number, margin: number): Expectation => ({ op: 'approx', value, margin });
/** Expect the metric within `[low, high]`. */
export const inRange = (low: number, high: number): Expectation => ({ op: 'between', low, high });

/**
 * A claim from its parts in reading order: `claim('cm-flatter', 'Adam+CM ends flatter than Adam',
 * ratio('lambdaMax', cm, adam), below(1), qualitative('Fig. 7'))`.
 */
export function claim(
  id: string,
  statement: string,
  metric: TableMetric,
  expect: Expectation,
  reference?: Reference,
  digits?: number,
): Claim {
  return {
    id,
    statement,
    metric,
    expect,
    ...(reference ? { reference } : {}),
    ...(digits === undefined ? {} : { digits }),
  };
}

function where(w: Where | undefined): string {
  const parts = Object.entries(w ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `[${parts.join(',')}]` : '';
}

/** Direction in which a metric is better. */
export type Better = 'lower' | 'higher';

/** The best finite value of `metric` over the cells matching `w` (NaN when none is finite). */
export function bestOf(t: SeedTable, metric: string, w: Where | undefined, better: Better): number {
  const v = t.values(metric, w).filter(Number.isFinite);
  if (v.length === 0) return Number.NaN;
  return better === 'lower' ? Math.min(...v) : Math.max(...v);
}

/**
 * `max − min` of `metric` over the cells matching `w`: the spread of a quantity that should not
 * depend on the setting that varies across those cells (an invariance or a saturation).
 */
export function spread(metric: string, w?: Where): TableMetric {
  return {
    uses: [metric],
    describe: `max − min ${metric}${where(w)}`,
    compute: (t) => {
      const v = t.values(metric, w);
      return Math.max(...v) - Math.min(...v);
    },
  };
}

/**
 * `best metric[a] − best metric[b]`, each over the cells it selects (e.g. each method at its best
 * learning rate), diverged (non-finite) cells ignored: negative when `a` wins and lower is better.
 */
export function bestGap(metric: string, a: Where, b: Where, better: Better): TableMetric {
  const agg = better === 'lower' ? 'min' : 'max';
  return {
    uses: [metric],
    describe: `${agg} ${metric}${where(a)} − ${agg} ${metric}${where(b)}`,
    compute: (t) => bestOf(t, metric, a, better) - bestOf(t, metric, b, better),
  };
}

/**
 * `metric[a] −` the strongest of the `rivals` (their max when higher is better, min when lower), each
 * filter selecting one cell: positive (higher) or negative (lower) when `a` beats every rival. To
 * compare with the best of several settings of a rival (e.g. its best learning rate), use
 * {@link bestGap}.
 */
export function leadOver(metric: string, a: Where, rivals: readonly Where[], better: Better): TableMetric {
  if (rivals.length === 0) throw new PaperkitInputError('rivals', rivals, 'at least one cell filter');
  const agg = better === 'lower' ? 'min' : 'max';
  return {
    uses: [metric],
    describe: `${metric}${where(a)} − ${agg}(${rivals.map((r) => `${metric}${where(r)}`).join(', ')})`,
    compute: (t) => {
      const r = rivals.map((w) => t.value(metric, w));
      return t.value(metric, a) - (better === 'lower' ? Math.min(...r) : Math.max(...r));
    },
  };
}

/**
 * The smallest of `metric[a ∧ s] − metric[b ∧ s]` over the settings `s` the cells of `a` and `b` are
 * paired on (the cells selected by `a` and by `b` are matched in table order): "a exceeds b at every
 * setting" holds when it is positive.
 */
export function minPairedGap(metric: string, a: Where, b: Where): TableMetric {
  return {
    uses: [metric],
    describe: `min over paired cells of ${metric}${where(a)} − ${metric}${where(b)}`,
    compute: (t) => {
      const x = t.values(metric, a);
      const y = t.values(metric, b);
      if (x.length !== y.length || x.length === 0) return Number.NaN;
      return Math.min(...x.map((v, i) => v - y[i]!));
    },
  };
}
