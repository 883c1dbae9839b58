import { checkAllFinite, PaperkitInputError } from '../validate/errors.js';
import { checkMatrix, checkSquare, checkSymmetric, type Matrix, type MatrixLike, maxAbs } from './matrix.js';
import { qr } from './qr.js';

/**
 * Dense solvers. A right-hand side is either a vector (any numeric array of length n; the solution is
 * a Float64Array) or an n×k {@link MatrixLike} (the solution is an n×k {@link Matrix}).
 */

/** LU factorisation with partial pivoting, `P·a = L·U`, packed LAPACK-style. */
export interface LuDecomposition {
  /** n×n: U on and above the diagonal, the multipliers of the unit lower L below it. */
  readonly lu: Matrix;
  /** Row i of P·a is row `pivots[i]` of a. */
  readonly pivots: Int32Array;
  /** det(P) = ±1. */
  readonly sign: 1 | -1;
  /**
   * True when some pivot satisfies |u_kk| ≤ n·ε·max|a_ij|: the matrix is singular to working precision
   * and {@link luSolve} refuses it.
   */
  readonly singular: boolean;
}

/** LU with partial pivoting (Doolittle, row interchanges). Never throws on singular input: see `singular`. */
export function lu(a: MatrixLike): LuDecomposition {
  const n = checkSquare('a', a);
  checkAllFinite('a.data', a.data);
  const w = Float64Array.from(a.data);
  const pivots = new Int32Array(n);
  for (let i = 0; i < n; i++) pivots[i] = i;
  let sign: 1 | -1 = 1;
  const threshold = n * Number.EPSILON * maxAbs(a);
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(w[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(w[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = w[k * n + j]!;
        w[k * n + j] = w[p * n + j]!;
        w[p * n + j] = t;
      }
      const t = pivots[k]!;
      pivots[k] = pivots[p]!;
      pivots[p] = t;
      sign = sign === 1 ? -1 : 1;
    }
    const pivot = w[k * n + k]!;
    if (Math.abs(pivot) <= threshold) singular = true;
    if (pivot === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const f = (w[i * n + k]! /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) w[i * n + j]! -= f * w[k * n + j]!;
    }
  }
  return { lu: { rows: n, cols: n, data: w }, pivots, sign, singular };
}

/** Solves `a·x = b` from the factorisation of a; throws a PaperkitInputError when a is singular. */
export function luSolve(f: LuDecomposition, b: ArrayLike<number>): Float64Array;
export function luSolve(f: LuDecomposition, b: MatrixLike): Matrix;
export function luSolve(f: LuDecomposition, b: ArrayLike<number> | MatrixLike): Float64Array | Matrix;
export function luSolve(f: LuDecomposition, b: ArrayLike<number> | MatrixLike): Float64Array | Matrix {
  const n = f.lu.rows;
  if (f.singular) throw singularError('a', n);
  const { data: rhs, k, vector } = readRhs(b, n);
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const src = f.pivots[i]!;
    for (let c = 0; c < k; c++) x[i * k + c] = rhs[src * k + c]!;
  }
  const w = f.lu.data;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const l = w[i * n + j]!;
      if (l !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= l * x[j * k + c]!;
    }
  backSubstitute(w, n, n, x, k);
  return vector ? x : { rows: n, cols: k, data: x };
}

/** Solves the square system `a·x = b` by LU with partial pivoting. */
export function solve(a: MatrixLike, b: ArrayLike<number>): Float64Array;
export function solve(a: MatrixLike, b: MatrixLike): Matrix;
export function solve(a: MatrixLike, b: ArrayLike<number> | MatrixLike): Float64Array | Matrix {
  return luSolve(lu(a), b);
}

/** The determinant (product of the LU pivots times det P); 0 only when a pivot is exactly 0. */
export function det(a: MatrixLike): number {
  const f = lu(a);
  const n = f.lu.rows;
  let d: number = f.sign;
  for (let i = 0; i < n; i++) d *= f.lu.data[i * n + i]!;
  return d === 0 ? 0 : d; // no −0 for singular matrices
}

/** The inverse; throws a PaperkitInputError naming `a` when it is singular to working precision. */
export function inverse(a: MatrixLike): Matrix {
  const n = checkSquare('a', a);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return luSolve(lu(a), { rows: n, cols: n, data: eye });
}

/**
 * Cholesky factor L (lower triangular, positive diagonal) with `a = L·Lᵀ`. Throws a
 * PaperkitInputError naming `a` when a is not symmetric or not positive definite.
 */
export function cholesky(a: MatrixLike): Matrix {
  checkSquare('a', a);
  checkAllFinite('a.data', a.data);
  const n = checkSymmetric('a', a);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (!(d > 0))
      throw new PaperkitInputError(
        'a',
        `a matrix whose leading ${j + 1}×${j + 1} block has non-positive pivot ${d}`,
        'a symmetric positive definite matrix',
      );
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return { rows: n, cols: n, data: l };
}

/** Solves `a·x = b` given the Cholesky factor `l` of a (forward then back substitution). */
export function choleskySolve(l: MatrixLike, b: ArrayLike<number>): Float64Array;
export function choleskySolve(l: MatrixLike, b: MatrixLike): Matrix;
export function choleskySolve(l: MatrixLike, b: ArrayLike<number> | MatrixLike): Float64Array | Matrix {
  const n = checkSquare('l', l);
  const { data: rhs, k, vector } = readRhs(b, n);
  const x = Float64Array.from(rhs);
  const w = l.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const lij = w[i * n + j]!;
      if (lij !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= lij * x[j * k + c]!;
    }
    const d = w[i * n + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) {
      const lji = w[j * n + i]!;
      if (lji !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= lji * x[j * k + c]!;
    }
    const d = w[i * n + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! /= d;
  }
  return vector ? x : { rows: n, cols: k, data: x };
}

/**
 * Least squares `argmin_x ‖a·x − b‖₂` for an m×n matrix with m ≥ n and full column rank, via thin
 * Householder QR (x = R⁻¹Qᵀb; better conditioned than the normal equations). Throws a
 * PaperkitInputError naming `a` when it is wide or rank deficient (|r_jj| ≤ m·ε·max|r_ii|).
 */
export function leastSquares(a: MatrixLike, b: ArrayLike<number>): Float64Array;
export function leastSquares(a: MatrixLike, b: MatrixLike): Matrix;
export function leastSquares(a: MatrixLike, b: ArrayLike<number> | MatrixLike): Float64Array | Matrix {
  checkMatrix('a', a);
  const m = a.rows;
  const n = a.cols;
  if (m < n)
    throw new PaperkitInputError('a', `a ${m}×${n} matrix`, 'a matrix with rows >= cols (overdetermined)');
  const { data: rhs, k, vector } = readRhs(b, m);
  const { q, r } = qr(a);
  let rmax = 0;
  for (let j = 0; j < n; j++) rmax = Math.max(rmax, Math.abs(r.data[j * n + j]!));
  for (let j = 0; j < n; j++)
    if (Math.abs(r.data[j * n + j]!) <= m * Number.EPSILON * rmax || rmax === 0)
      throw new PaperkitInputError('a', `a ${m}×${n} matrix of rank < ${n}`, 'a matrix of full column rank');
  const x = new Float64Array(n * k);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const qij = q.data[i * n + j]!;
      for (let c = 0; c < k; c++) x[j * k + c]! += qij * rhs[i * k + c]!;
    }
  backSubstitute(r.data, n, n, x, k);
  return vector ? x : { rows: n, cols: k, data: x };
}

/** In place x ← U⁻¹x for the upper triangle of the n×n block of `u` (row stride `stride`). */
function backSubstitute(u: Float64Array, n: number, stride: number, x: Float64Array, k: number): void {
  for (let i = n - 1; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) {
      const uij = u[i * stride + j]!;
      if (uij !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= uij * x[j * k + c]!;
    }
    const d = u[i * stride + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! /= d;
  }
}

function readRhs(
  b: ArrayLike<number> | MatrixLike,
  n: number,
): { data: ArrayLike<number>; k: number; vector: boolean } {
  if (b !== null && typeof b === 'object' && 'rows' in b && 'cols' in b && 'data' in b) {
    checkMatrix('b', b);
    if (b.rows !== n)
      throw new PaperkitInputError('b', `a ${b.rows}×${b.cols} matrix`, `a matrix with ${n} rows`);
    checkAllFinite('b.data', b.data);
    return { data: b.data, k: b.cols, vector: false };
  }
  const v = b as ArrayLike<number>;
  if (v == null || typeof v.length !== 'number' || v.length !== n)
    throw new PaperkitInputError('b', v, `a vector of length ${n} or a matrix with ${n} rows`);
  checkAllFinite('b', v);
  return { data: v, k: 1, vector: true };
}

function singularError(parameter: string, n: number): PaperkitInputError {
  return new PaperkitInputError(
    parameter,
    `a ${n}×${n} matrix that is singular to working precision`,
    'a non-singular matrix',
  );
}
