import { PaperkitInputError } from '../validate/errors.js';

/**
 * Ranks of a sample, 0-based, ties sharing the average of their positions (the convention of
 * `scipy.stats.rankdata(method='average')` minus one). NaN entries are an error: they have no rank.
 */
export function ranks(xs: ArrayLike<number>): Float64Array {
  if (xs === null || typeof xs !== 'object' || typeof xs.length !== 'number')
    throw new PaperkitInputError('xs', xs, 'an array of numbers');
  const n = xs.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++)
    if (Number.isNaN(xs[i]!)) throw new PaperkitInputError(`xs[${i}]`, xs[i], 'a number (NaN has no rank)');
  order.sort((a, b) => xs[a]! - xs[b]! || a - b);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && xs[order[j + 1]!] === xs[order[i]!]) j++;
    for (let k = i; k <= j; k++) r[order[k]!] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

/**
 * Spearman's rank correlation of two equally long samples: the Pearson correlation of their
 * {@link ranks} (average ranks for ties). NaN when fewer than two values or when either sample is
 * constant (the correlation is undefined there, as in SciPy), never a silent 0.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  if (ra.length !== rb.length)
    throw new PaperkitInputError('b', b, `an array of the same length as a (${ra.length})`);
  const n = ra.length;
  if (n < 2) return Number.NaN;
  const mean = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = ra[i]! - mean;
    const y = rb[i]! - mean;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? Number.NaN : num / Math.sqrt(da * db);
}
