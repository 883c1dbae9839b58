import { PaperkitInputError } from '../validate/errors.js';

/**
 * Descriptive statistics of a sample, one convention for all of paperkit: `std` is the sample standard
 * deviation (n − 1 in the denominator, NumPy's `ddof=1`, PyTorch's default), `median` averages the two
 * middle values. Non-finite entries propagate (a NaN in, a NaN out) rather than being skipped, so a
 * diverged run is never averaged away.
 */
function checkSample(name: string, xs: ArrayLike<number>): void {
  if (xs === null || typeof xs !== 'object' || typeof xs.length !== 'number')
    throw new PaperkitInputError(name, xs, 'an array of numbers');
}

/** Arithmetic mean; NaN for an empty sample. */
export function mean(xs: ArrayLike<number>): number {
  checkSample('xs', xs);
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample variance (n − 1 denominator); NaN when n < 2. Two-pass for accuracy. */
export function variance(xs: ArrayLike<number>): number {
  checkSample('xs', xs);
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - m;
    s += d * d;
  }
  return s / (n - 1);
}

/** Sample standard deviation (n − 1 denominator); NaN when n < 2. */
export function std(xs: ArrayLike<number>): number {
  return Math.sqrt(variance(xs));
}

/** Linear-interpolation quantile (NumPy's default, type 7) for q in [0, 1]; NaN for an empty sample. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  checkSample('xs', xs);
  if (!(q >= 0 && q <= 1)) throw new PaperkitInputError('q', q, 'a number in [0, 1]');
  if (xs.length === 0) return Number.NaN;
  const sorted = Array.from(xs);
  if (sorted.some((x) => Number.isNaN(x))) return Number.NaN;
  sorted.sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Median (mean of the two middle values for even n); NaN for an empty sample. */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}
