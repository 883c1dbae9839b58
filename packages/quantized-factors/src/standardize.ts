import { checkMatrix, type Matrix, type MatrixLike, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Column standardisation as the reference code does it: (x − mean)/(std + 1e-6) with PyTorch's
 * default unbiased std (n − 1), so a collapsed column stays finite instead of dividing by 0.
 */

/** The 1e-6 guard of the reference (`TINY` in `criterion.py`). */
export const TINY = 1e-6;

/** (x − mean)/(std + 1e-6) per column of a [n, d] tensor, differentiable; n ≥ 2. */
export function standardizeColumns(x: tf.Tensor2D): tf.Tensor2D {
  const n = x.shape[0];
  if (n < 2) throw new PaperkitInputError('x', x, 'at least 2 rows to standardise');
  return tf.tidy(() => {
    const mean = tf.mean(x, 0, true);
    const centred = tf.sub(x, mean);
    const std = tf.sqrt(tf.div(tf.sum(tf.square(centred), 0, true), n - 1));
    return tf.div(centred, tf.add(std, TINY)) as tf.Tensor2D;
  });
}

/** Mean and unbiased std of each column, in float64. */
export function columnMoments(x: MatrixLike): { mean: Float64Array; std: Float64Array } {
  checkMatrix('x', x);
  const { rows: n, cols: d } = x;
  if (n < 2) throw new PaperkitInputError('x', x, 'at least 2 rows');
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a]! += x.data[i * d + a]!;
  for (let a = 0; a < d; a++) mean[a]! /= n;
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) std[a]! += (x.data[i * d + a]! - mean[a]!) ** 2;
  for (let a = 0; a < d; a++) std[a] = Math.sqrt(std[a]! / (n - 1));
  return { mean, std };
}

/** (x − mean)/(std + 1e-6) per column, in float64; the same map applied to other points with `apply`. */
export function standardizeColumns64(x: MatrixLike): {
  readonly data: Matrix;
  readonly apply: (points: MatrixLike) => Matrix;
} {
  const { mean, std } = columnMoments(x);
  const apply = (points: MatrixLike): Matrix => {
    const d = mean.length;
    if (points.cols !== d) throw new PaperkitInputError('points', points, `points with ${d} coordinates`);
    const out = new Float64Array(points.rows * d);
    for (let i = 0; i < points.rows; i++)
      for (let a = 0; a < d; a++) out[i * d + a] = (points.data[i * d + a]! - mean[a]!) / (std[a]! + TINY);
    return { rows: points.rows, cols: d, data: out };
  };
  return { data: apply(x), apply };
}
