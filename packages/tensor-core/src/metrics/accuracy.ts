import * as tf from '@tensorflow/tfjs-core';
import { checkMatrix, type MatrixLike } from '../linalg/matrix.js';
import { PaperkitInputError } from '../validate/errors.js';

/**
 * Classification accuracy on the device: the fraction of rows of `logits` (n×C) whose argmax equals
 * the label. `labels` are class indices (int tensor [n] or host array) or one-hot/probability rows
 * (tensor [n, C], argmax taken). Returns a scalar tensor the caller owns, so a training loop can
 * read it when it already syncs; ties go to the lowest index, like `tf.argMax`.
 */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor | ArrayLike<number>): tf.Scalar {
  if (!(logits instanceof tf.Tensor) || logits.rank !== 2)
    throw new PaperkitInputError('logits', logits, 'a rank-2 tensor [n, classes]');
  const [n, classes] = logits.shape as [number, number];
  if (n === 0) throw new PaperkitInputError('logits', logits, 'at least one row');
  if (labels instanceof tf.Tensor) {
    const ok =
      (labels.rank === 1 && labels.shape[0] === n) ||
      (labels.rank === 2 && labels.shape[0] === n && labels.shape[1] === classes);
    if (!ok) throw new PaperkitInputError('labels', labels, `a tensor of shape [${n}] or [${n}, ${classes}]`);
  } else {
    if (labels == null || labels.length !== n)
      throw new PaperkitInputError('labels', labels, `an array of ${n} class indices`);
    checkLabels(labels, classes);
  }
  return tf.tidy(() => {
    const predicted = tf.argMax(logits, 1);
    const truth =
      labels instanceof tf.Tensor
        ? labels.rank === 2
          ? tf.argMax(labels, 1)
          : tf.cast(labels, 'int32')
        : tf.tensor1d(Int32Array.from(labels), 'int32');
    return tf.mean(tf.cast(tf.equal(predicted, truth), 'float32')) as tf.Scalar;
  });
}

/** Accuracy of predicted class indices against true ones (host arrays of equal length, n ≥ 1). */
export function accuracyFromLabels(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted == null || predicted.length === 0)
    throw new PaperkitInputError('predicted', predicted, 'a non-empty array of class indices');
  if (labels == null || labels.length !== predicted.length)
    throw new PaperkitInputError('labels', labels, `an array of length ${predicted.length}`);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    // Class indices: a NaN would silently count as a miss (or, on both sides, as neither), so refuse it.
    if (!Number.isInteger(predicted[i]) || predicted[i]! < 0)
      throw new PaperkitInputError(`predicted[${i}]`, predicted[i], 'a class index (an integer >= 0)');
    if (!Number.isInteger(labels[i]) || labels[i]! < 0)
      throw new PaperkitInputError(`labels[${i}]`, labels[i], 'a class index (an integer >= 0)');
    if (predicted[i] === labels[i]) hits++;
  }
  return hits / labels.length;
}

/**
 * Accuracy from host scores (logits or probabilities) as an n×C row-major matrix, e.g.
 * `{ rows: n, cols: C, data: await logits.data() }`: row argmax (lowest index on ties) against labels.
 */
export function accuracyFromScores(scores: MatrixLike, labels: ArrayLike<number>): number {
  checkMatrix('scores', scores);
  const { rows: n, cols: c, data } = scores;
  if (n === 0 || c === 0) throw new PaperkitInputError('scores', scores, 'a non-empty n×C matrix');
  if (labels == null || labels.length !== n)
    throw new PaperkitInputError('labels', labels, `an array of ${n} class indices`);
  checkLabels(labels, c);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = data[i * c]!;
    for (let j = 1; j < c; j++) {
      const v = data[i * c + j]!;
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    if (best === labels[i]) hits++;
  }
  return hits / n;
}

function checkLabels(labels: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= classes)
      throw new PaperkitInputError(`labels[${i}]`, l, `a class index in [0, ${classes})`);
  }
}
