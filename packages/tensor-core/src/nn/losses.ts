import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, PaperkitInputError } from '../validate/errors.js';

/** How a loss reduces its per-example (or per-element) values. */
export type Reduction = 'mean' | 'sum' | 'none';

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

function reduce(x: tf.Tensor, reduction: Reduction): tf.Tensor {
  checkOneOf('reduction', reduction, REDUCTIONS);
  if (reduction === 'mean') return tf.mean(x);
  if (reduction === 'sum') return tf.sum(x);
  return x;
}

/**
 * Softmax cross-entropy from `logits` [N, C] and integer class `labels` [N] (nats):
 * −Σ_c onehot(y)_c · logSoftmax(z)_c. The label's log-probability is picked with a one-hot product,
 * not `gather`, because gather's gradient needs the `UnsortedSegmentSum` kernel that wasm lacks (and
 * `gatherND` has no gradient at all). `reduction: 'none'` returns the [N] per-example losses. Labels
 * are not range-checked (that would need a host sync): one outside [0, C) contributes a loss of 0.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  if (logits.rank !== 2) throw new PaperkitInputError('logits', logits, 'a tensor [N, C]');
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0])
    throw new PaperkitInputError('labels', labels, `an int tensor of shape [${logits.shape[0]}]`);
  return tf.tidy(() => {
    // int32 then cast: wasm's OneHot kernel writes int32 bits even when asked for float32.
    const mask = tf.cast(tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, logits.shape[1]!), 'float32');
    const perExample = tf.neg(tf.sum(tf.mul(mask, tf.logSoftmax(logits, -1)), -1));
    return reduce(perExample, reduction);
  });
}

/** Squared error (pred − target)², averaged (or summed) over every element. */
export function meanSquaredError(
  pred: tf.Tensor,
  target: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  return tf.tidy(() => reduce(tf.square(tf.sub(pred, target)), reduction));
}

/**
 * Binary cross-entropy of targets y ∈ [0, 1] against `logits` z, per element:
 * softplus(z) − z·y = −[y·log σ(z) + (1−y)·log(1−σ(z))], stable for any |z| (no log of a
 * saturated sigmoid). Gradient σ(z) − y.
 */
export function binaryCrossEntropyWithLogits(
  logits: tf.Tensor,
  targets: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  if (!tf.util.arraysEqual(logits.shape, targets.shape))
    throw new PaperkitInputError('targets', targets, `a tensor of the logits' shape [${logits.shape}]`);
  return tf.tidy(() => reduce(tf.sub(tf.softplus(logits), tf.mul(logits, targets)), reduction));
}
