import {
  checkMatrix,
  checkPositive,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
} from '@paperkit/tensor-core';

/**
 * The Parzen estimates of `parzen.ts` in float64 on the host, O(n·m) time and O(m) memory: the exact
 * reference the tensor kernels are tested against, and a way to evaluate small problems exactly.
 */

function checkPair(query: MatrixLike, reference: MatrixLike, sigma: number): void {
  checkMatrix('query', query);
  checkMatrix('reference', reference);
  checkPositive('sigma', sigma);
  if (reference.cols !== query.cols)
    throw new PaperkitInputError('reference', reference, `points of dimension ${query.cols} (as query)`);
  if (reference.rows < 1) throw new PaperkitInputError('reference', reference, 'at least one point');
}

/**
 * Visits the softmax weights P_ij = softmax_j(−‖q_i − r_j‖²/(2σ²)) of one query point, with the
 * log-sum-exp of the logits (computed with the row maximum subtracted, so far points never underflow
 * the whole row).
 */
function row(
  query: MatrixLike,
  reference: MatrixLike,
  i: number,
  sigma: number,
  logits: Float64Array,
): { lse: number } {
  const d = query.cols;
  let max = -Infinity;
  for (let j = 0; j < reference.rows; j++) {
    let s = 0;
    for (let a = 0; a < d; a++) {
      const diff = query.data[i * d + a]! - reference.data[j * d + a]!;
      s += diff * diff;
    }
    const l = -s / (2 * sigma * sigma);
    logits[j] = l;
    if (l > max) max = l;
  }
  let sum = 0;
  for (let j = 0; j < reference.rows; j++) sum += Math.exp(logits[j]! - max);
  return { lse: max + Math.log(sum) };
}

/** log p̂ at each query point, in float64 (see `parzenLogDensity`). */
export function parzenLogDensity64(query: MatrixLike, reference: MatrixLike, sigma: number): Float64Array {
  checkPair(query, reference, sigma);
  const d = query.cols;
  const m = reference.rows;
  const logZ = 0.5 * d * Math.log(2 * Math.PI * sigma * sigma) + Math.log(m);
  const logits = new Float64Array(m);
  const out = new Float64Array(query.rows);
  for (let i = 0; i < query.rows; i++) out[i] = row(query, reference, i, sigma, logits).lse - logZ;
  return out;
}

/** ∇log p̂ at each query point (n×d), in float64 (see `parzenLogDensityGradient`). */
export function parzenLogDensityGradient64(query: MatrixLike, reference: MatrixLike, sigma: number): Matrix {
  checkPair(query, reference, sigma);
  const d = query.cols;
  const m = reference.rows;
  const logits = new Float64Array(m);
  const out = new Float64Array(query.rows * d);
  for (let i = 0; i < query.rows; i++) {
    const { lse } = row(query, reference, i, sigma, logits);
    for (let j = 0; j < m; j++) {
      const p = Math.exp(logits[j]! - lse);
      for (let a = 0; a < d; a++)
        out[i * d + a]! -= (p * (query.data[i * d + a]! - reference.data[j * d + a]!)) / (sigma * sigma);
    }
  }
  return { rows: query.rows, cols: d, data: out };
}
