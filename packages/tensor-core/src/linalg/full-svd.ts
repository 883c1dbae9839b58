import { PaperkitInputError } from '../validate/errors.js';
import type { Matrix, MatrixLike } from './matrix.js';
import { householderQr } from './qr.js';
import { svd } from './svd.js';

/**
 * Completes an m×k matrix with orthonormal columns (k ≤ m) to an m×m orthogonal matrix whose first k
 * columns are exactly the given ones. The extra columns are the trailing columns of the full
 * Householder QR of the input, which span the orthogonal complement of its column space.
 */
export function completeOrthonormalBasis(q: MatrixLike): Matrix {
  const m = q.rows;
  const k = q.cols;
  if (k > m)
    throw new PaperkitInputError('q', `a ${m}×${k} matrix`, 'a matrix with no more columns than rows');
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[i * m + j] = q.data[i * k + j]!;
  if (k < m) {
    const full = householderQr(q, { mode: 'full' }).q.data;
    for (let i = 0; i < m; i++) for (let j = k; j < m; j++) out[i * m + j] = full[i * m + j]!;
  }
  return { rows: m, cols: m, data: out };
}

/** A full SVD a = u·Σ·vᵀ with square orthogonal u (m×m) and v (n×n); `s` has min(m, n) entries. */
export interface FullSvd {
  /** m×m orthogonal. */
  readonly u: Matrix;
  /** Singular values, descending. */
  readonly s: Float64Array;
  /** n×n orthogonal. */
  readonly v: Matrix;
}

/** Full SVD: tensor-core's thin one-sided Jacobi SVD with the thin factor completed to a square basis. */
export function fullSvd(a: MatrixLike): FullSvd {
  const t = svd(a);
  return {
    u: t.u.cols === t.u.rows ? t.u : completeOrthonormalBasis(t.u),
    s: t.s,
    v: t.v.cols === t.v.rows ? t.v : completeOrthonormalBasis(t.v),
  };
}
