import * as tf from '@tensorflow/tfjs-core';
import { CONV_TRAINING_KERNELS, missingKernels } from '../backend/capabilities.js';
import { PaperkitInputError } from '../validate/errors.js';

/**
 * A k×k, stride-1 `same` convolution as one matMul over the k² shifted views of the padded input
 * (im2col). Stock tfjs wasm has no Conv2DBackpropFilter, while pad, slice, concat and matMul have
 * gradients on every backend, so this trains where `tf.conv2d` cannot. `w` is `[k, k, in, out]` with
 * odd k; rows of the reshaped filter are in (dy, dx, channel) order, the order of the concatenated views.
 */
export function im2colConv2dSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [k, k2, cin, cout] = w.shape;
  const [b, h, wd, c] = x.shape;
  if (k !== k2 || k % 2 !== 1)
    throw new PaperkitInputError('w.shape', w.shape, 'a square filter [k, k, in, out] with odd k');
  if (cin !== c) throw new PaperkitInputError('w.shape[2]', cin, `the input's channel count ${c}`);
  return tf.tidy(() => {
    const r = (k - 1) / 2;
    const padded = tf.pad(x, [
      [0, 0],
      [r, r],
      [r, r],
      [0, 0],
    ]);
    const views: tf.Tensor4D[] = [];
    for (let dy = 0; dy < k; dy++)
      for (let dx = 0; dx < k; dx++) views.push(tf.slice(padded, [0, dy, dx, 0], [b, h, wd, c]));
    const cols = tf.reshape(tf.concat(views, 3), [b * h * wd, k * k * c]);
    return tf.reshape(tf.matMul(cols, tf.reshape(w, [k * k * c, cout])), [b, h, wd, cout]);
  });
}

/**
 * `tf.conv2d(x, w, 1, 'same')` where the backend can train it, else {@link im2colConv2dSame} (same
 * values within float32 rounding; about twice slower where both work). The choice is made per call
 * from the registered kernels, so a backend switch is followed.
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return missingKernels(CONV_TRAINING_KERNELS).length === 0
    ? tf.conv2d(x, w, 1, 'same')
    : im2colConv2dSame(x, w);
}
