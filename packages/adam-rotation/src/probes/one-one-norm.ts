import { checkMatrix, type MatrixLike, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * ‖H‖_(1,1) = Σ_mn |H_mn|, the paper's surrogate of the L∞-smoothness constant (Fig. 8; Xie et
 * al. 2025). For a positive semi-definite H it is at least tr H in any basis, since the trace is
 * rotation-invariant and the diagonal non-negative; it is largest when the mass spreads off-diagonal.
 */
export function oneOneNorm(h: MatrixLike): number {
  checkMatrix('h', h);
  let s = 0;
  for (let i = 0; i < h.data.length; i++) s += Math.abs(h.data[i]!);
  return s;
}

/** Result of {@link oneOneNormEstimate}. */
export interface OneOneNormEstimate {
  /** Mean ‖r_i‖₁ over the sampled rows: an unbiased estimate of ‖H‖_(1,1)/d for uniformly drawn rows. */
  readonly perCoordinate: number;
  /** perCoordinate·d, the estimate of ‖H‖_(1,1). */
  readonly total: number;
  /** ‖r_i‖₁ of every sampled row (the paper reports their spread is homogeneous across rotations). */
  readonly rowNorms: Float64Array;
}

/** Estimates ‖H‖_(1,1) from sampled Hessian rows (e.g. from {@link hessianRows}) of a d-dimensional Hessian. */
export function oneOneNormEstimate(rows: readonly ArrayLike<number>[]): OneOneNormEstimate {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new PaperkitInputError('rows', rows, 'a non-empty array of Hessian rows');
  const d = rows[0]!.length;
  const rowNorms = new Float64Array(rows.length);
  rows.forEach((r, k) => {
    if (r.length !== d) throw new PaperkitInputError(`rows[${k}]`, r, `a row of length ${d}`);
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.abs(r[j]!);
    rowNorms[k] = s;
  });
  const perCoordinate = rowNorms.reduce((a, b) => a + b, 0) / rows.length;
  return { perCoordinate, total: perCoordinate * d, rowNorms };
}
