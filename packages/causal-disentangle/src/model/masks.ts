import { checkPositive, PaperkitInputError, type Rng, randomUniform } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Gumbel-sigmoid edge masks (the reference's `model/gumbel_masks.py`): one logit log α per edge, a soft
 * sample M = σ((log α + log U − log(1 − U))/τ) in training, and the hard mask 1[σ(log α) > 0.5] at
 * evaluation. The reference defaults are kept: a soft sample and one noise draw U per minibatch shared by
 * every example (`one_gumbel_sample`), which is also what lets the transition networks fold the mask into
 * their first-layer weights. The reference's `--drawhard` (straight-through: the hard sample 1[M > 0.5]
 * forward, the soft sample's gradient backward) is the `straightThrough` option.
 */

/** Keeps log U and log(1 − U) finite when a float32 uniform lands on 0. */
const U_EPS = 1e-7;

/**
 * 1[s > 0.5] forward with the identity as gradient: the straight-through estimator of the reference's
 * `y_hard − y_soft.detach() + y_soft` (`model/gumbel_masks.py`), exact 0/1 values instead of a float sum.
 */
const straightThroughStep = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.cast(tf.greater(args[0] as tf.Tensor, 0.5), 'float32'),
  gradFunc: (dy: tf.Tensor) => tf.clone(dy),
})) as (soft: tf.Tensor) => tf.Tensor;

/**
 * One Gumbel-sigmoid sample per edge, with the logistic noise drawn on the device from `rng` (one op seed
 * per call); the result has the shape of `logAlpha`. The soft sample σ((log α + log U − log(1 − U))/τ) by
 * default; with `straightThrough` (the reference's `--drawhard`) its threshold 1[· > 0.5], exactly 0 or 1,
 * whose gradient in `logAlpha` is the soft sample's, so the transition networks only ever see edges that
 * are fully on or off while the logits still learn.
 */
export function sampleGumbelSigmoid(
  logAlpha: tf.Tensor,
  rng: Rng,
  temperature = 1,
  straightThrough = false,
): tf.Tensor {
  checkPositive('temperature', temperature);
  if (typeof straightThrough !== 'boolean')
    throw new PaperkitInputError('straightThrough', straightThrough, 'a boolean');
  return tf.tidy(() => {
    const u = tf.clipByValue(randomUniform(rng, logAlpha.shape), U_EPS, 1 - U_EPS);
    const logistic = tf.sub(tf.log(u), tf.log(tf.sub(1, u)));
    const soft = tf.sigmoid(tf.div(tf.add(logAlpha, logistic), temperature));
    return straightThrough ? straightThroughStep(soft) : soft;
  });
}

/** σ(log α): the probability that each edge is present. */
export function edgeProbabilities(logAlpha: tf.Tensor): tf.Tensor {
  return tf.sigmoid(logAlpha);
}

/** The sparsity regulariser R = Σ σ(log α), the expected number of edges. */
export function expectedEdges(logAlpha: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.sigmoid(logAlpha)) as tf.Scalar);
}

/** The evaluation mask 1[σ(log α) > 0.5] = 1[log α > 0]. */
export function hardMask(logAlpha: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greater(logAlpha, 0), 'float32'));
}
