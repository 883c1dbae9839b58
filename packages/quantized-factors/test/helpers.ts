import { initBackend, type Matrix } from '@paperkit/tensor-core';

/** The backend every test file runs on: stock wasm (no BLAS), what CI and browsers have. */
export async function setupBackend(): Promise<void> {
  await initBackend({ prefer: 'wasm', blas: 'off' });
}

/** Upper tail Q(a, x) of the regularised incomplete gamma function (Numerical Recipes gammq). */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) throw new Error('gammaQ: bad arguments');
  const gln = logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 500; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - gln);
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - gln) * h;
}

/** log Γ(x) (Lanczos). */
function logGamma(x: number): number {
  const cof = [
    76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5,
  ];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const c of cof) ser += c / ++y;
  return -tmp + Math.log((2.5066282746310007 * ser) / x);
}

/** p-value of Pearson's χ² goodness-of-fit test of `counts` against `probs` (cells with p = 0 must be empty). */
export function chiSquarePValue(counts: ArrayLike<number>, probs: ArrayLike<number>): number {
  let n = 0;
  for (let k = 0; k < counts.length; k++) n += counts[k]!;
  let stat = 0;
  let cells = 0;
  for (let k = 0; k < counts.length; k++) {
    if (probs[k]! === 0) continue;
    cells++;
    const e = n * probs[k]!;
    stat += (counts[k]! - e) ** 2 / e;
  }
  return gammaQ((cells - 1) / 2, stat / 2);
}

/** A matrix from nested rows. */
export function m(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0]!.length, data: Float64Array.from(rows.flat()) };
}

/** The 2×2 rotation by `deg` degrees. */
export function rotation(deg: number): Matrix {
  const t = (deg * Math.PI) / 180;
  return m([
    [Math.cos(t), -Math.sin(t)],
    [Math.sin(t), Math.cos(t)],
  ]);
}
