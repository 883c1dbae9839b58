import { radixArgsort } from './argsort.js';
import { checkFloatArray, type FloatArray } from './prox/prox.js';

/** Accepts a typed array or a plain number array and returns a float array of finite values. */
function toFloatArray(parameter: string, w: FloatArray | readonly number[]): FloatArray {
  return checkFloatArray(parameter, Array.isArray(w) ? Float64Array.from(w) : w);
}

/**
 * The weight-sharing regularizer R(w) = (1/(d−1)) Σ_{i>j} |w_i − w_j| (paper, eq. of R), by the sorted
 * form (1/(d−1)) Σ_k (2k − d − 1)·w_(k) with 1-based ranks k (spec §I.1): O(d) after a radix argsort
 * instead of O(d²). R is 0 for d ≤ 1 (no pairs). Example: R([0, 1, 5]) = 5.
 */
export function R(w: FloatArray | readonly number[]): number {
  const v = toFloatArray('w', w);
  const d = v.length;
  if (d < 2) return 0;
  const idx = radixArgsort(v);
  let s = 0;
  for (let k = 0; k < d; k++) s += (2 * k - d + 1) * v[idx[k]!]!;
  return s / (d - 1);
}

/**
 * The smallest λ at which prox_{λR}(w) collapses every entry to mean(w) (spec §I.1):
 * λ_max = (d−1)·max_{1≤m<d} (m·w̄ − S_m)/(m(d − m)), with S_m the sum of the m smallest entries.
 * Physically, the last moment a lower group of m particles is still apart from the rest. Example:
 * lambdaMax([0, 1, 5]) = 3. Returns 0 for d ≤ 1 and for constant vectors.
 */
export function lambdaMax(w: FloatArray | readonly number[]): number {
  const v = toFloatArray('w', w);
  const d = v.length;
  if (d < 2) return 0;
  const idx = radixArgsort(v);
  let total = 0;
  for (let k = 0; k < d; k++) total += v[k]!;
  const mean = total / d;
  let prefix = 0;
  let best = 0;
  for (let m = 1; m < d; m++) {
    // Centre on the mean so the numerator does not cancel two large sums.
    prefix += v[idx[m - 1]!]! - mean;
    best = Math.max(best, -prefix / (m * (d - m)));
  }
  return (d - 1) * best;
}
