import {
  checkAllFinite,
  checkInteger,
  checkPositive,
  lu,
  luSolve,
  PaperkitInputError,
} from '@paperkit/tensor-core';

/** A labelled point set: `x` row-major n × d, labels ±1. */
export interface LabelledPoints {
  /** Row-major features, n × d. */
  readonly x: Float64Array;
  /** Labels, each −1 or +1. */
  readonly y: Int8Array;
  /** Rows n. */
  readonly n: number;
  /** Columns d. */
  readonly d: number;
}

/** Validates and copies a labelled point set. */
export function labelledPoints(x: ArrayLike<number>, y: ArrayLike<number>, d: number): LabelledPoints {
  checkInteger('d', d, 1);
  if (!x || typeof x.length !== 'number' || x.length === 0 || x.length % d !== 0)
    throw new PaperkitInputError(
      'x',
      x,
      `a non-empty row-major array whose length is a multiple of d = ${d}`,
    );
  const n = x.length / d;
  if (!y || y.length !== n) throw new PaperkitInputError('y', y, `${n} labels (one per row)`);
  const xs = Float64Array.from(x);
  checkAllFinite('x', xs);
  const ys = new Int8Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 1 && y[i] !== -1) throw new PaperkitInputError(`y[${i}]`, y[i], '-1 or +1');
    ys[i] = y[i]!;
    if (y[i] === 1) pos++;
  }
  if (pos === 0 || pos === n) throw new PaperkitInputError('y', y, 'labels of both signs');
  return { x: xs, y: ys, n, d };
}

/** The hard-margin SVM solution. */
export interface HardMarginSolution {
  /** Dual multipliers λ* (one per point; > 0 on support vectors). */
  readonly lambda: Float64Array;
  /** Normal w* = Σ λ_i y_i x_i. */
  readonly w: Float64Array;
  /** Bias b*. */
  readonly b: number;
  /** Indices of the support vectors. */
  readonly support: Int32Array;
  /** Whether the KKT system on the support set was non-singular (λ* unique). */
  readonly unique: boolean;
  /** Largest violation of the KKT conditions at the returned point. */
  readonly kktResidual: number;
}

/**
 * Solves min ½‖w‖² s.t. y_i(wᵀx_i + b) ≥ 1 through its dual, max Σλ − ½λᵀQλ s.t. λ ≥ 0, yᵀλ = 0 with
 * Q_ij = y_i y_j x_iᵀx_j: SMO with first-order working-set selection (Fan, Chen & Lin 2005) and
 * C = ∞, then an exact solve of the KKT system [Q_SS y_S; y_Sᵀ 0][λ_S; b] = [1; 0] on the support set
 * to polish λ* to machine precision. Stands in for P1's sklearn `SVC(C=1e8)` reference.
 */
export function solveHardMarginSvm(
  points: LabelledPoints,
  options: { readonly tol?: number; readonly maxIter?: number } = {},
): HardMarginSolution {
  const { x, y, n, d } = points;
  const tol = checkPositive('tol', options.tol ?? 1e-12);
  const maxIter = checkInteger('maxIter', options.maxIter ?? 1_000_000, 1);
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k]! * x[j * d + k]!;
      K[i * n + j] = s;
      K[j * n + i] = s;
    }
  const a = new Float64Array(n);
  // G = ∇(½λᵀQλ − 1ᵀλ) = Qλ − 1.
  const G = new Float64Array(n).fill(-1);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    let gmax = Number.NEGATIVE_INFINITY;
    let gmin = Number.POSITIVE_INFINITY;
    let i = -1;
    let j = -1;
    for (let t = 0; t < n; t++) {
      const v = -y[t]! * G[t]!;
      // With C = ∞ only the lower bound λ ≥ 0 is active.
      if ((y[t] === 1 || a[t]! > 0) && v > gmax) {
        gmax = v;
        i = t;
      }
      if ((y[t] === -1 || a[t]! > 0) && v < gmin) {
        gmin = v;
        j = t;
      }
    }
    if (gmax - gmin < tol) break;
    const eta = Math.max(K[i * n + i]! + K[j * n + j]! - 2 * K[i * n + j]!, 1e-15);
    let step = (gmax - gmin) / eta;
    // λ_i += y_i·s, λ_j −= y_j·s keeps yᵀλ = 0; clip where a multiplier would go negative.
    if (y[i] === -1) step = Math.min(step, a[i]!);
    if (y[j] === 1) step = Math.min(step, a[j]!);
    a[i]! += y[i]! * step;
    a[j]! -= y[j]! * step;
    if (a[i]! > 1e12 || a[j]! > 1e12)
      throw new PaperkitInputError(
        'points',
        'a non-separable set',
        'linearly separable classes (λ* diverges)',
      );
    for (let t = 0; t < n; t++)
      G[t]! += y[t]! * step * (y[i]! * y[i]! * K[t * n + i]! - y[j]! * y[j]! * K[t * n + j]!);
  }
  if (iter === maxIter)
    throw new PaperkitInputError('maxIter', maxIter, 'enough iterations for SMO to converge');
  const polished = polish(points, K, a);
  const lambda = polished ?? a;
  return finish(points, lambda, polished !== null);
}

function polish(p: LabelledPoints, K: Float64Array, a: Float64Array): Float64Array | null {
  const { y, n } = p;
  let amax = 0;
  for (let i = 0; i < n; i++) amax = Math.max(amax, a[i]!);
  const S: number[] = [];
  for (let i = 0; i < n; i++) if (a[i]! > 1e-9 * amax) S.push(i);
  const m = S.length;
  const M = new Float64Array((m + 1) * (m + 1));
  const rhs = new Float64Array(m + 1);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) M[r * (m + 1) + c] = y[S[r]!]! * y[S[c]!]! * K[S[r]! * n + S[c]!]!;
    M[r * (m + 1) + m] = y[S[r]!]!;
    M[m * (m + 1) + r] = y[S[r]!]!;
    rhs[r] = 1;
  }
  const f = lu({ rows: m + 1, cols: m + 1, data: M });
  if (f.singular) return null;
  const sol = luSolve(f, rhs);
  const out = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    if (!(sol[r]! > 0)) return null;
    out[S[r]!] = sol[r]!;
  }
  return out;
}

function finish(p: LabelledPoints, lambda: Float64Array, unique: boolean): HardMarginSolution {
  const { x, y, n, d } = p;
  const w = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) w[k]! += lambda[i]! * y[i]! * x[i * d + k]!;
  const support: number[] = [];
  let bSum = 0;
  for (let i = 0; i < n; i++)
    if (lambda[i]! > 0) {
      support.push(i);
      let f = 0;
      for (let k = 0; k < d; k++) f += w[k]! * x[i * d + k]!;
      bSum += y[i]! - f;
    }
  const b = bSum / support.length;
  let residual = 0;
  let balance = 0;
  for (let i = 0; i < n; i++) {
    let f = b;
    for (let k = 0; k < d; k++) f += w[k]! * x[i * d + k]!;
    const margin = y[i]! * f - 1;
    residual = Math.max(residual, -margin, lambda[i]! * Math.abs(margin));
    balance += lambda[i]! * y[i]!;
  }
  return {
    lambda,
    w,
    b,
    support: Int32Array.from(support),
    unique,
    kktResidual: Math.max(residual, Math.abs(balance)),
  };
}
