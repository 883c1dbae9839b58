import { checkPositive, type Rng, randomUniform } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Gumbel-sigmoid edge masks (the reference's `model/gumbel_masks.py`): one logit log α per edge, a soft
 * sample M = σ((log α + log U − log(1 − U))/τ) in training, and the hard mask 1[σ(log α) > 0.5] at
 * evaluation. The reference defaults are kept: a soft sample (no straight-through hard sample) and one
 * noise draw U per minibatch shared by every example (`one_gumbel_sample`), which is also what lets the
 * transition networks fold the mask into their first-layer weights.
 */

/** Keeps log U and log(1 − U) finite when a float32 uniform lands on 0. */
const U_EPS = 1e-7;

/**
 * One soft Gumbel-sigmoid sample per edge, with the logistic noise drawn on the device from `rng` (one
 * op seed per call). Differentiable in `logAlpha`; the result has its shape.
 */
export function sampleGumbelSigmoid(logAlpha: tf.Tensor, rng: Rng, temperature = 1): tf.Tensor {
  checkPositive('temperature', temperature);
  return tf.tidy(() => {
    const u = tf.clipByValue(randomUniform(rng, logAlpha.shape), U_EPS, 1 - U_EPS);
    const logistic = tf.sub(tf.log(u), tf.log(tf.sub(1, u)));
    return tf.sigmoid(tf.div(tf.add(logAlpha, logistic), temperature));
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
