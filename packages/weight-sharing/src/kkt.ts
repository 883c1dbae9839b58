import { checkNonNegative, PaperkitInputError } from '@paperkit/tensor-core';
import { radixArgsort } from './argsort.js';
import { checkFloatArray, type FloatArray } from './prox/prox.js';

/** Which optimality condition of spec §I.2 failed worst. */
export type KktCondition = 'order' | 'cluster-value' | 'prefix';

/** The certificate of {@link kktCheck}. */
export interface KktReport {
  /** Whether every condition holds within the tolerance. */
  readonly ok: boolean;
  /** Largest violation found over all conditions (0 when all hold exactly). */
  readonly maxViolation: number;
  /** The condition with the largest violation, or null when there is none. */
  readonly worst: KktCondition | null;
  /** Number of groups of equal x (clusters) found, with values equal within the tolerance. */
  readonly clusters: number;
}

/**
 * Certifies that x = prox_{λR}(w) (spec §I.2), independently of how x was computed. With μ = λ/(d−1):
 * 1. order: w_i < w_j ⇒ x_i ≤ x_j;
 * 2. cluster value: every maximal group C of equal x (value c, L weights below, U above) has
 *    c = mean_C(w) + μ(U − L);
 * 3. prefix feasibility: the m smallest-w members of C (m = 1..n−1) satisfy
 *    mean(their w) + μ(U + (n − m) − L) ≥ c, i.e. split off, they would not move away below c.
 * x values within `tol` of each other count as equal, and every comparison allows `tol`.
 */
export function kktCheck(
  w: FloatArray | readonly number[],
  x: FloatArray | readonly number[],
  lambda: number,
  tol = 1e-9,
): KktReport {
  const wv = checkFloatArray('w', Array.isArray(w) ? Float64Array.from(w) : w);
  const xv = checkFloatArray('x', Array.isArray(x) ? Float64Array.from(x) : x);
  checkNonNegative('lambda', lambda);
  checkNonNegative('tol', tol);
  const d = wv.length;
  if (xv.length !== d) throw new PaperkitInputError('x', x, `an array of length ${d} (the length of w)`);
  let maxViolation = 0;
  let worst: KktCondition | null = null;
  const note = (amount: number, condition: KktCondition): void => {
    if (amount > maxViolation) {
      maxViolation = amount;
      worst = condition;
    }
  };
  if (d < 2) {
    if (d === 1) note(Math.abs(xv[0]! - wv[0]!), 'cluster-value');
    return { ok: maxViolation <= tol, maxViolation, worst, clusters: d };
  }
  const mu = lambda / (d - 1);
  const order = radixArgsort(xv);
  let clusters = 0;
  let runningMaxW = -Infinity;
  let start = 0;
  while (start < d) {
    const first = xv[order[start]!]!;
    let end = start + 1;
    while (end < d && xv[order[end]!]! - first <= tol) end++;
    const n = end - start;
    clusters++;
    const members = new Float64Array(n);
    let sumX = 0;
    let minW = Infinity;
    let maxW = -Infinity;
    for (let k = 0; k < n; k++) {
      const i = order[start + k]!;
      const wi = wv[i]!;
      members[k] = wi;
      sumX += xv[i]!;
      minW = Math.min(minW, wi);
      maxW = Math.max(maxW, wi);
    }
    // Order: an earlier (lower-x) group may not hold a weight above one of this group's weights.
    note(runningMaxW - minW, 'order');
    runningMaxW = Math.max(runningMaxW, maxW);
    const c = sumX / n;
    const lower = start;
    const upper = d - end;
    members.sort();
    let total = 0;
    for (let k = 0; k < n; k++) total += members[k]!;
    note(Math.abs(c - (total / n + mu * (upper - lower))), 'cluster-value');
    let prefix = 0;
    for (let m = 1; m < n; m++) {
      prefix += members[m - 1]!;
      note(c - (prefix / m + mu * (upper + (n - m) - lower)), 'prefix');
    }
    start = end;
  }
  return { ok: maxViolation <= tol, maxViolation, worst, clusters };
}
