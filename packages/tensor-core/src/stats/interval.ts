import { PaperkitInputError } from '../validate/errors.js';
import { mean, std } from './moments.js';

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (standard tables, 3 decimals
// are enough for a verdict margin); beyond 30 the normal-approximation series below is within 1e-3.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (the 95% two-sided interval factor). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new PaperkitInputError('df', df, 'an integer ≥ 1');
  if (df <= T975.length) return T975[df - 1]!;
  // Cornish–Fisher expansion of t around z = 1.959964 (Abramowitz & Stegun 26.7.5).
  const z = 1.959963985;
  const z3 = z ** 3;
  const z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

/** Mean, spread and 95% interval of the mean of a sample (e.g. one number per seed). */
export interface SampleSummary {
  /** Sample size. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); NaN when n < 2. */
  readonly std: number;
  /**
   * 95% t-interval of the mean, `mean ± t₀.₉₇₅(n−1)·std/√n`; `[mean, mean]` when every value is
   * equal (including n = 1 of a deterministic quantity is NOT assumed: n = 1 gives [−∞, ∞]).
   */
  readonly ci95: readonly [number, number];
}

/**
 * Summarises a sample for reporting and verdicts. With n = 1 the interval is unbounded (one run says
 * nothing about the spread); with n ≥ 2 identical values it collapses to the point.
 */
export function summarize(xs: ArrayLike<number>): SampleSummary {
  const n = xs.length;
  const m = mean(xs);
  const s = std(xs);
  if (n < 2) return { n, mean: m, std: s, ci95: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] };
  const half = s === 0 ? 0 : (tQuantile975(n - 1) * s) / Math.sqrt(n);
  return { n, mean: m, std: s, ci95: [m - half, m + half] };
}
