import { checkMatrix, type MatrixLike } from '../linalg/matrix.js';
import { checkAllFinite, PaperkitInputError } from '../validate/errors.js';

/** Coefficients of determination per target dimension and their mean. */
export interface R2Result {
  /** R²_j = 1 − SS_res,j / SS_tot,j for each column j. */
  readonly perDimension: Float64Array;
  /** Unweighted mean over columns (sklearn's `uniform_average`). */
  readonly mean: number;
}

/**
 * Coefficient of determination R² = 1 − SS_res/SS_tot per column of n×d targets `yTrue` against
 * predictions `yPred` (same shape, row-major; float32 data from tensors is fine). Sums run in float64
 * with the column mean subtracted first. R² is 1 for perfect predictions, 0 for predicting the column
 * mean, and negative when worse than the mean. A constant target column (SS_tot = 0) scores 1 if
 * predicted exactly and 0 otherwise (sklearn's `force_finite`), never NaN.
 */
export function r2Score(yTrue: MatrixLike, yPred: MatrixLike): R2Result {
  checkMatrix('yTrue', yTrue);
  checkMatrix('yPred', yPred);
  if (yPred.rows !== yTrue.rows || yPred.cols !== yTrue.cols)
    throw new PaperkitInputError(
      'yPred',
      `a ${yPred.rows}×${yPred.cols} matrix`,
      `a ${yTrue.rows}×${yTrue.cols} matrix (the shape of yTrue)`,
    );
  const { rows: n, cols: d } = yTrue;
  if (n < 1 || d < 1)
    throw new PaperkitInputError('yTrue', yTrue, 'a matrix with at least one row and column');
  checkAllFinite('yTrue.data', yTrue.data);
  checkAllFinite('yPred.data', yPred.data);
  const perDimension = new Float64Array(d);
  const t = yTrue.data;
  const p = yPred.data;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += t[i * d + j]!;
    mean /= n;
    let ssTot = 0;
    let ssRes = 0;
    for (let i = 0; i < n; i++) {
      const y = t[i * d + j]!;
      const c = y - mean;
      const r = y - p[i * d + j]!;
      ssTot += c * c;
      ssRes += r * r;
    }
    const r2 = ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0;
    perDimension[j] = r2;
    total += r2;
  }
  return { perDimension, mean: total / d };
}
