import * as tf from '@tensorflow/tfjs-core';
import { checkPositive } from '../validate/errors.js';

/** Global L2 norm of a set of tensors, as a scalar tensor (no host sync). */
export function globalNorm(tensors: Record<string, tf.Tensor> | tf.Tensor[]): tf.Scalar {
  const list = Array.isArray(tensors) ? tensors : Object.values(tensors);
  return tf.tidy(() => tf.sqrt(tf.addN(list.map((t) => tf.sum(tf.square(t))))) as tf.Scalar);
}

/**
 * Scales all gradients by min(1, maxNorm / ‖g‖₂) over their concatenation (PyTorch's
 * `clip_grad_norm_`, with its 1e-6 guard). Runs on the device; the caller owns the returned tensors.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  checkPositive('maxNorm', maxNorm);
  return tf.tidy(() => {
    const norm = globalNorm(grads);
    const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)));
    const out: Record<string, tf.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
    return { grads: out, norm };
  });
}
