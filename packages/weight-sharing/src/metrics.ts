import { PaperkitInputError } from '@paperkit/tensor-core';
import { checkFloatArray, type FloatArray } from './prox/prox.js';

/** Weight-sharing metrics of one weight vector, as the reference code logs them (spec §I.4). */
export interface SharingMetrics {
  /** Number of weights. */
  readonly size: number;
  /** Fraction of weights with |w| ≤ 1e-8 (code `compute_sparsity`: `isclose(w, 0, atol=1e-8)`). */
  readonly sparsity: number;
  /** Number of weights with |w| > 1e-8. */
  readonly nonZero: number;
  /** Distinct values among the non-zeros after rounding to 8 decimals (code `compute_distinct_w`). */
  readonly distinct: number;
  /** distinct / nonZero (0 when every weight is zero): "distinct non-zero weights" of the paper's runs. */
  readonly distinctRatio: number;
}

/** Zero tolerance and rounding of the reference metrics (`compute_distinct_w`, `compute_sparsity`). */
const ZERO_TOL = 1e-8;
const ROUND = 1e8;

/** Sparsity and distinct-value ratio of `w` with the reference code's tolerances. */
export function sharingMetrics(w: FloatArray | readonly number[]): SharingMetrics {
  const v = checkFloatArray('w', Array.isArray(w) ? Float64Array.from(w) : w);
  const seen = new Set<number>();
  let zeros = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (Math.abs(x) <= ZERO_TOL) zeros++;
    else seen.add(Math.round(x * ROUND));
  }
  const nonZero = v.length - zeros;
  return {
    size: v.length,
    sparsity: v.length === 0 ? 0 : zeros / v.length,
    nonZero,
    distinct: seen.size,
    distinctRatio: nonZero === 0 ? 0 : seen.size / nonZero,
  };
}

/**
 * Replaces every weight by the mean of its cluster (code `do_weight_sharing`), the projection used to
 * retrain with a fixed weight-sharing pattern. Returns a new float64 array unless `out` is given.
 * @param clusters cluster id of each weight, ids in 0..K−1 (as returned by `proxR(…, { returnClusters })`).
 */
export function tieClusters<T extends FloatArray>(w: T, clusters: Int32Array, out?: T): T {
  checkFloatArray('w', w);
  const d = w.length;
  if (!(clusters instanceof Int32Array) || clusters.length !== d)
    throw new PaperkitInputError('clusters', clusters, `an Int32Array of length ${d} (the length of w)`);
  let k = 0;
  for (let i = 0; i < d; i++) {
    const c = clusters[i]!;
    if (c < 0) throw new PaperkitInputError(`clusters[${i}]`, c, 'a cluster id >= 0');
    if (c + 1 > k) k = c + 1;
  }
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  for (let i = 0; i < d; i++) {
    sums[clusters[i]!]! += w[i]!;
    counts[clusters[i]!]! += 1;
  }
  const target = out ?? (new (w.constructor as new (n: number) => T)(d) as T);
  if (target.length !== d)
    throw new PaperkitInputError('out', target, `an array of length ${d} (the length of w)`);
  for (let i = 0; i < d; i++) target[i] = sums[clusters[i]!]! / counts[clusters[i]!]!;
  return target;
}
