import {
  checkInteger,
  checkMatrix,
  checkOneOf,
  checkPositive,
  eigSym,
  type Matrix,
  type MatrixLike,
  matmul,
  type Rng,
  transpose,
} from '@paperkit/tensor-core';
import type { IcaResult } from './ica.js';
import { whiten } from './whiten.js';

/**
 * FastICA (Hyvärinen, 1999) in float64, following scikit-learn's `FastICA` as the notebooks call it
 * (`whiten='unit-variance'`, the parallel algorithm with the log-cosh contrast): no maintained npm
 * implementation is deterministic and browser-safe, so it is written here and tested against its
 * fixed-point equations.
 */

/** Contrast functions G' = g of scikit-learn: `logcosh` g = tanh(a·u), `exp` g = u·e^(−u²/2), `cube` g = u³. */
export type FastIcaContrast = 'logcosh' | 'exp' | 'cube';

/** Options of {@link fastIca}. */
export interface FastIcaOptions {
  /** Contrast; default `logcosh` (scikit-learn's). */
  readonly fun?: FastIcaContrast;
  /** a of `logcosh`, in [1, 2]; default 1. */
  readonly alpha?: number;
  /** Iteration cap; default 200 (scikit-learn's; the notebooks pass 1000). */
  readonly maxIter?: number;
  /** Convergence tolerance on max |1 − |⟨w_new, w_old⟩||; default 1e-4. */
  readonly tol?: number;
}

/** What {@link fastIca} returns. */
export interface FastIcaResult extends IcaResult {
  /** The orthogonal W found in the whitened coordinates. */
  readonly rotation: Matrix;
  /** The whitening matrix K (unmixing = diag(1/std)·W·K, scaled to unit-variance sources). */
  readonly whitening: Matrix;
  /** Iterations run. */
  readonly iterations: number;
  /** Whether the tolerance was met before `maxIter`. */
  readonly converged: boolean;
}

/** g and the mean of g' over samples, for the projections y (d×n, row-major). */
export function contrast(
  y: Float64Array,
  d: number,
  n: number,
  fun: FastIcaContrast,
  a: number,
): { g: Float64Array; gPrimeMean: Float64Array } {
  const g = new Float64Array(d * n);
  const gPrimeMean = new Float64Array(d);
  for (let r = 0; r < d; r++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const u = y[r * n + i]!;
      if (fun === 'logcosh') {
        const t = Math.tanh(a * u);
        g[r * n + i] = t;
        acc += a * (1 - t * t);
      } else if (fun === 'exp') {
        const e = Math.exp(-(u * u) / 2);
        g[r * n + i] = u * e;
        acc += (1 - u * u) * e;
      } else {
        g[r * n + i] = u * u * u;
        acc += 3 * u * u;
      }
    }
    gPrimeMean[r] = acc / n;
  }
  return { g, gPrimeMean };
}

/** Symmetric decorrelation W ← (W·Wᵀ)^(−1/2)·W, which makes the rows of W orthonormal. */
export function symmetricDecorrelation(w: MatrixLike): Matrix {
  const { values, vectors } = eigSym(matmul(w, transpose(w)));
  const d = w.rows;
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++)
        s += (vectors.data[i * d + k]! * vectors.data[j * d + k]!) / Math.sqrt(Math.max(values[k]!, 1e-300));
      inv[i * d + j] = s;
    }
  return matmul({ rows: d, cols: d, data: inv }, w);
}

/**
 * One parallel FastICA step on whitened data u (d×n, row-major): W⁺ = symdecorr(E[g(W·u)·uᵀ] −
 * diag(E[g'(W·u)])·W). A converged W is a fixed point up to the signs of its rows.
 */
export function fastIcaStep(
  w: MatrixLike,
  u: Float64Array,
  n: number,
  fun: FastIcaContrast,
  a: number,
): Matrix {
  const d = w.rows;
  const y = new Float64Array(d * n);
  for (let r = 0; r < d; r++)
    for (let c = 0; c < d; c++) {
      const wrc = w.data[r * d + c]!;
      for (let i = 0; i < n; i++) y[r * n + i]! += wrc * u[c * n + i]!;
    }
  const { g, gPrimeMean } = contrast(y, d, n, fun, a);
  const next = new Float64Array(d * d);
  for (let r = 0; r < d; r++)
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += g[r * n + i]! * u[c * n + i]!;
      next[r * d + c] = s / n - gPrimeMean[r]! * w.data[r * d + c]!;
    }
  return symmetricDecorrelation({ rows: d, cols: d, data: next });
}

/**
 * FastICA of observations `x` (n×d): unit-variance whitening, W₀ = symdecorr(N(0, 1) draws from
 * `rng`) (scikit-learn's `random_state`), parallel fixed-point iterations until
 * max_r |1 − |⟨w_r⁺, w_r⟩|| < tol, then sources rescaled to unit variance. Sources: (x − mean)·unmixingᵀ.
 */
export function fastIca(x: MatrixLike, rng: Rng, options: FastIcaOptions = {}): FastIcaResult {
  checkMatrix('x', x);
  const fun = checkOneOf('fun', options.fun ?? 'logcosh', ['logcosh', 'exp', 'cube'] as const);
  const a = checkPositive('alpha', options.alpha ?? 1);
  const maxIter = checkInteger('maxIter', options.maxIter ?? 200, 1);
  const tol = checkPositive('tol', options.tol ?? 1e-4);
  const white = whiten(x);
  const { rows: n, cols: d } = white.data;
  // Whitened samples as rows of a d×n matrix, for cache-friendly passes over samples.
  const u = new Float64Array(d * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) u[c * n + i] = white.data.data[i * d + c]!;
  const init = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) init[i] = rng.normal();
  let w = symmetricDecorrelation({ rows: d, cols: d, data: init });
  let iterations = 0;
  let converged = false;
  while (iterations < maxIter) {
    const next = fastIcaStep(w, u, n, fun, a);
    iterations++;
    let lim = 0;
    for (let r = 0; r < d; r++) {
      let dotp = 0;
      for (let c = 0; c < d; c++) dotp += next.data[r * d + c]! * w.data[r * d + c]!;
      lim = Math.max(lim, Math.abs(Math.abs(dotp) - 1));
    }
    w = next;
    if (lim < tol) {
      converged = true;
      break;
    }
  }
  const unmixing = matmul(w, white.matrix);
  // Unit-variance sources (scikit-learn divides components_ by the sources' std).
  for (let r = 0; r < d; r++) {
    let m = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += unmixing.data[r * d + c]! * (x.data[i * d + c]! - white.mean[c]!);
      m += s;
      ss += s * s;
    }
    const std = Math.sqrt(Math.max(ss / n - (m / n) ** 2, 1e-300));
    for (let c = 0; c < d; c++) unmixing.data[r * d + c]! /= std;
  }
  return { unmixing, mean: white.mean, rotation: w, whitening: white.matrix, iterations, converged };
}
