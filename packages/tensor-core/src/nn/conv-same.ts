import * as tf from '@tensorflow/tfjs-core';
import { CONV_TRAINING_KERNELS, missingKernels } from '../backend/capabilities.js';
import { PaperkitInputError } from '../validate/errors.js';

/** How {@link conv2dSame} extends the input past its edges: with zeros, or wrapped around (a torus). */
export type ConvPadding = 'zeros' | 'circular';

function checkFilter(x: tf.Tensor4D, w: tf.Tensor4D): number {
  const [k, k2, cin] = w.shape;
  if (k !== k2 || k % 2 !== 1)
    throw new PaperkitInputError('w.shape', w.shape, 'a square filter [k, k, in, out] with odd k');
  if (cin !== x.shape[3])
    throw new PaperkitInputError('w.shape[2]', cin, `the input's channel count ${x.shape[3]}`);
  return k;
}

/** Pads `r` rows and columns on each side by wrapping around: the input as a torus (circular padding). */
function wrap(x: tf.Tensor4D, r: number): tf.Tensor4D {
  if (r === 0) return x;
  const [, h, w] = x.shape;
  if (r > h || r > w)
    throw new PaperkitInputError(
      'w.shape[0]',
      2 * r + 1,
      `at most 2·min(H, W) + 1 = ${2 * Math.min(h, w) + 1}`,
    );
  const rows = tf.concat(
    [tf.slice(x, [0, h - r, 0, 0], [-1, r, -1, -1]), x, tf.slice(x, [0, 0, 0, 0], [-1, r, -1, -1])],
    1,
  );
  return tf.concat(
    [tf.slice(rows, [0, 0, w - r, 0], [-1, -1, r, -1]), rows, tf.slice(rows, [0, 0, 0, 0], [-1, -1, r, -1])],
    2,
  ) as tf.Tensor4D;
}

/** The input padded by (k − 1)/2 on each side, so a `valid` k×k convolution keeps its size. */
function padSame(x: tf.Tensor4D, k: number, padding: ConvPadding): tf.Tensor4D {
  const r = (k - 1) / 2;
  if (padding === 'circular') return wrap(x, r);
  return tf.pad(x, [
    [0, 0],
    [r, r],
    [r, r],
    [0, 0],
  ]);
}

/**
 * A k×k, stride-1 convolution that keeps the size, as one matMul over the k² shifted views of the padded
 * input (im2col). Stock tfjs wasm has no Conv2DBackpropFilter, while pad, slice, concat and matMul have
 * gradients on every backend, so this trains where `tf.conv2d` cannot. `w` is `[k, k, in, out]` with
 * odd k; rows of the reshaped filter are in (dy, dx, channel) order, the order of the concatenated views.
 */
export function im2colConv2dSame(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  padding: ConvPadding = 'zeros',
): tf.Tensor4D {
  const k = checkFilter(x, w);
  const [b, h, wd, c] = x.shape;
  return tf.tidy(() => {
    const padded = padSame(x, k, padding);
    const views: tf.Tensor4D[] = [];
    for (let dy = 0; dy < k; dy++)
      for (let dx = 0; dx < k; dx++) views.push(tf.slice(padded, [0, dy, dx, 0], [b, h, wd, c]));
    const cols = tf.reshape(tf.concat(views, 3), [b * h * wd, k * k * c]);
    return tf.reshape(tf.matMul(cols, tf.reshape(w, [k * k * c, w.shape[3]])), [b, h, wd, w.shape[3]]);
  });
}

/**
 * A stride-1 convolution that keeps the size, with zero or circular padding: `tf.conv2d` where the
 * backend can train it, else {@link im2colConv2dSame} (same values within float32 rounding; about
 * twice slower where both work). The choice is made per call from the registered kernels, so a
 * backend switch is followed.
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, padding: ConvPadding = 'zeros'): tf.Tensor4D {
  if (missingKernels(CONV_TRAINING_KERNELS).length > 0) return im2colConv2dSame(x, w, padding);
  if (padding === 'zeros') return tf.conv2d(x, w, 1, 'same');
  const k = checkFilter(x, w);
  return tf.tidy(() => tf.conv2d(padSame(x, k, padding), w, 1, 'valid'));
}
