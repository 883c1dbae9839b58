import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/** Options of {@link secondMomentStats}. */
export interface SecondMomentOptions {
  /** Histogram bins over log10 v; default 40. */
  readonly bins?: number;
  /** Histogram range [lo, hi] in log10 units; default the data's range. */
  readonly range?: readonly [number, number];
}

/** The distribution of Adam's second moments (Fig. 6): summary of log10 v over the non-zero entries. */
export interface SecondMomentStats {
  /** Number of entries. */
  readonly count: number;
  /** Entries with v = 0 exactly (coordinates that never had a gradient), left out of the rest. */
  readonly zeros: number;
  /** Mean of log10 v. */
  readonly meanLog10: number;
  /** Population standard deviation of log10 v: the spread of Adam's effective per-coordinate learning rates. */
  readonly stdLog10: number;
  /** 5/25/50/75/95 % quantiles of log10 v. */
  readonly quantiles: readonly [number, number, number, number, number];
  /** Histogram: `edges` (bins + 1, log10 v) and `counts` (bins). */
  readonly histogram: { readonly edges: number[]; readonly counts: number[] };
}

/**
 * Summarises second moments v (e.g. {@link RotatedOptimizerApi.secondMoments}). A global random
 * rotation mixes coordinates of very different scales, so v concentrates (smaller stdLog10): less
 * spread of effective learning rates, less adaptivity (Fig. 6).
 */
export function secondMomentStats(
  v: ArrayLike<number>,
  options: SecondMomentOptions = {},
): SecondMomentStats {
  const bins = checkInteger('bins', options.bins ?? 40, 1);
  const logs: number[] = [];
  let zeros = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x) || x < 0) throw new PaperkitInputError(`v[${i}]`, x, 'a finite number >= 0');
    if (x === 0) zeros++;
    else logs.push(Math.log10(x));
  }
  if (logs.length === 0) throw new PaperkitInputError('v', v, 'an array with at least one non-zero entry');
  const sorted = Float64Array.from(logs).sort();
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const q = (p: number) => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
  };
  const [lo, hi] = options.range ?? [sorted[0]!, sorted[n - 1]!];
  if (!(hi > lo)) {
    return {
      count: v.length,
      zeros,
      meanLog10: mean,
      stdLog10: std,
      quantiles: [q(0.05), q(0.25), q(0.5), q(0.75), q(0.95)],
      histogram: { edges: [lo, lo], counts: [n] },
    };
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + k * width);
  const counts = new Array<number>(bins).fill(0);
  for (const x of sorted) {
    if (x < lo || x > hi) continue;
    counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  }
  return {
    count: v.length,
    zeros,
    meanLog10: mean,
    stdLog10: std,
    quantiles: [q(0.05), q(0.25), q(0.5), q(0.75), q(0.95)],
    histogram: { edges, counts },
  };
}
