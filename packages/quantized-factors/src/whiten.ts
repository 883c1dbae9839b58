import { checkMatrix, eigSym, type Matrix, type MatrixLike, PaperkitInputError } from '@paperkit/tensor-core';
import { columnMoments } from './standardize.js';

/** A centring and linear map of observations: y = K·(x − mean). */
export interface Whitening {
  /** Column means of the data it was fitted on. */
  readonly mean: Float64Array;
  /** K, d×d. */
  readonly matrix: Matrix;
  /** The fitted data mapped: (x − mean)·Kᵀ, n×d. */
  readonly data: Matrix;
}

/**
 * PCA whitening in float64: K = Λ^{−1/2}·Eᵀ from the eigendecomposition E·Λ·Eᵀ of the covariance
 * (divided by n, as scikit-learn's FastICA), so the mapped data has identity covariance. Throws when
 * the covariance is (numerically) singular: the observations then do not span d dimensions.
 */
export function whiten(x: MatrixLike): Whitening {
  checkMatrix('x', x);
  const { rows: n, cols: d } = x;
  if (n <= d) throw new PaperkitInputError('x', x, `more rows than columns (n > d = ${d})`);
  const { mean } = columnMoments(x);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const va = x.data[i * d + a]! - mean[a]!;
      for (let b = a; b < d; b++) cov[a * d + b]! += va * (x.data[i * d + b]! - mean[b]!);
    }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      cov[a * d + b]! /= n;
      cov[b * d + a] = cov[a * d + b]!;
    }
  const { values, vectors } = eigSym({ rows: d, cols: d, data: cov }, { order: 'descending' });
  const top = values[0]!;
  if (!(top > 0) || !(values[d - 1]! > 1e-12 * top))
    throw new PaperkitInputError(
      'x',
      `observations with covariance eigenvalues [${Array.from(values, (v) => v.toPrecision(3)).join(', ')}]`,
      `observations spanning ${d} dimensions (a non-singular covariance)`,
    );
  const k = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    const scale = 1 / Math.sqrt(values[r]!);
    for (let c = 0; c < d; c++) k[r * d + c] = vectors.data[c * d + r]! * scale;
  }
  const matrix = { rows: d, cols: d, data: k };
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += k[r * d + c]! * (x.data[i * d + c]! - mean[c]!);
      data[i * d + r] = s;
    }
  return { mean, matrix, data: { rows: n, cols: d, data } };
}
