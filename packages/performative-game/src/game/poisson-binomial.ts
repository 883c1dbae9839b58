import { checkInRange, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * Probability mass function of a sum of independent Bernoulli(p_j) (Poisson-binomial), by the exact
 * O(n²) dynamic programme pmf ← pmf·(1 − p) + shift(pmf)·p. It replaces the reference's FFT method
 * (Hong 2013), which is exact only up to ~1e−7; padding with p = 0 leaves the pmf unchanged.
 * @returns a Float64Array of length `p.length + 1`; entry k is P(sum = k).
 */
export function poissonBinomialPmf(p: ArrayLike<number>, out?: Float64Array): Float64Array {
  if (p === null || typeof p !== 'object' || typeof p.length !== 'number')
    throw new PaperkitInputError('p', p, 'an array of probabilities');
  for (let j = 0; j < p.length; j++) checkInRange(`p[${j}]`, p[j]!, 0, 1);
  const n = p.length;
  const pmf = out ?? new Float64Array(n + 1);
  if (pmf.length < n + 1) throw new PaperkitInputError('out', out, `a Float64Array of length >= ${n + 1}`);
  pbInto(p, 0, n, pmf);
  return pmf;
}

/**
 * Unchecked kernel of {@link poissonBinomialPmf} over `p[start .. start+len−1]`, written to
 * `pmf[0..len]`. Hot loops (populations, RRM) call it with pre-validated inputs.
 */
export function pbInto(p: ArrayLike<number>, start: number, len: number, pmf: Float64Array): void {
  pmf[0] = 1;
  for (let k = 1; k <= len; k++) pmf[k] = 0;
  for (let j = 0; j < len; j++) {
    const pj = p[start + j]!;
    const qj = 1 - pj;
    // In place from the top so pmf[k−1] is still the previous step's value.
    for (let k = j + 1; k >= 1; k--) pmf[k] = pmf[k]! * qj + pmf[k - 1]! * pj;
    pmf[0] = pmf[0]! * qj;
  }
}

/** Largest `n` of {@link binomialPmf} (an 80 MB array). */
export const MAX_BINOMIAL_N = 10_000_000;

/** Binomial(n, p) pmf, computed in closed form (C(n,k) p^k (1−p)^(n−k); 0^0 = 1). */
export function binomialPmf(n: number, p: number): Float64Array {
  checkInteger('n', n, 0);
  // The pmf is an array of n + 1 doubles: 1e9 would be 8 GB.
  if (n > MAX_BINOMIAL_N) throw new PaperkitInputError('n', n, `an integer in [0, ${MAX_BINOMIAL_N}]`);
  checkInRange('p', p, 0, 1);
  const out = new Float64Array(n + 1);
  let binom = 1;
  for (let k = 0; k <= n; k++) {
    out[k] = binom * p ** k * (1 - p) ** (n - k);
    binom = (binom * (n - k)) / (k + 1);
  }
  return out;
}

/** P(S ≥ k) for a Poisson-binomial S over `p` (k ≤ 0 gives 1, k > n gives 0). */
export function poissonBinomialTail(p: ArrayLike<number>, k: number): number {
  checkInteger('k', Math.abs(k), 0);
  const pmf = poissonBinomialPmf(p);
  let s = 0;
  for (let i = Math.max(0, k); i < pmf.length; i++) s += pmf[i]!;
  return s;
}
