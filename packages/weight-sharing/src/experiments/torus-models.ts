import {
  addDense,
  initBias,
  initWeight,
  ParamMap,
  type ParamTensors,
  param,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The two models of the MNIST-torus experiment (spec §I.5 `Net_2CNN` / `Net_2FC`, reduced to one
 * hidden layer as in the §I.8 P3 plan), as pure forward functions over a ParamMap:
 * - CNN: circular-padded conv3×3 1→α → BN → ReLU → global average pool → Linear α→10;
 * - FC twin: fc1 196 → 196·α → BN → ReLU → reshape [α, 196] → mean over the 196 positions →
 *   Linear α→10. fc1 can express the CNN exactly (a circulant per channel), and with a fixed pixel
 *   permutation it is equally expressive, unlike the CNN.
 */

/** How batch normalisation gets its statistics in a forward pass. */
export type BnMode =
  | { readonly kind: 'train' }
  /** Use the batch statistics and store them in `out` (kept tensors; the caller disposes them). */
  | { readonly kind: 'collect'; readonly out: Map<string, BnStats> }
  /** Use fixed statistics (collected on training data). */
  | { readonly kind: 'eval'; readonly stats: ReadonlyMap<string, BnStats> };

/** Per-feature mean and variance of one BN layer. */
export interface BnStats {
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
}

const BN_EPS = 1e-5;

/**
 * Batch normalisation over `axes` with gain `name.gamma` and shift `name.beta` (PyTorch BatchNorm,
 * biased batch variance, ε = 1e-5). Evaluation uses statistics recomputed on training data instead of
 * running averages ("precise BN"), which is deterministic and needs no state in the training step.
 */
function batchNorm(
  params: ParamTensors,
  name: string,
  x: tf.Tensor,
  axes: number[],
  mode: BnMode,
): tf.Tensor {
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (mode.kind === 'eval') {
    const s = mode.stats.get(name);
    if (!s) throw new Error(`no batch-norm statistics for ${name}`);
    mean = s.mean;
    variance = s.variance;
  } else {
    const m = tf.moments(x, axes, true);
    mean = m.mean;
    variance = m.variance;
    if (mode.kind === 'collect') mode.out.set(name, { mean: tf.keep(mean), variance: tf.keep(variance) });
  }
  const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPS)));
  return tf.add(tf.mul(y, param(params, `${name}.gamma`)), param(params, `${name}.beta`));
}

function addBatchNorm(into: ParamMap, name: string, shape: number[]): void {
  tf.tidy(() => {
    into.add(`${name}.gamma`, { value: tf.ones(shape), role: 'norm', group: name });
    into.add(`${name}.beta`, { value: tf.zeros(shape), role: 'norm', group: name });
  });
}

/** Pads NHWC images by one pixel on each side with wrap-around (PyTorch `padding_mode="circular"`). */
function circularPad1(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const rows = tf.concat(
    [tf.slice(x, [0, h - 1, 0, 0], [-1, 1, -1, -1]), x, tf.slice(x, [0, 0, 0, 0], [-1, 1, -1, -1])],
    1,
  );
  return tf.concat(
    [tf.slice(rows, [0, 0, w - 1, 0], [-1, -1, 1, -1]), rows, tf.slice(rows, [0, 0, 0, 0], [-1, -1, 1, -1])],
    2,
  ) as tf.Tensor4D;
}

/** Initialises the torus CNN (`conv.weight` [3, 3, 1, α], `conv.bias`, `bn`, `head`) with PyTorch's init. */
export function initTorusCnn(rng: Rng, width: number, classes = 10): ParamMap {
  const p = new ParamMap();
  tf.tidy(() => {
    p.add('conv.weight', {
      value: initWeight(rng.stream('conv.weight'), [3, 3, 1, width], 9, 9 * width, 'torch'),
      role: 'weight',
      layout: { outAxis: 3, inAxis: 2 },
      group: 'conv',
    });
    p.add('conv.bias', {
      value: initBias(rng.stream('conv.bias'), [width], 9, 'torch'),
      role: 'bias',
      group: 'conv',
    });
  });
  addBatchNorm(p, 'bn', [width]);
  addDense(p, rng, 'head', width, classes);
  return p;
}

/** CNN forward on flat [B, side²] images; returns logits [B, classes]. */
export function applyTorusCnn(params: ParamTensors, x: tf.Tensor, side: number, mode: BnMode): tf.Tensor2D {
  return tf.tidy(() => {
    const img = tf.reshape(x, [-1, side, side, 1]) as tf.Tensor4D;
    const conv = tf.add(
      tf.conv2d(circularPad1(img), param(params, 'conv.weight') as tf.Tensor4D, 1, 'valid'),
      param(params, 'conv.bias'),
    );
    const h = tf.relu(batchNorm(params, 'bn', conv, [0, 1, 2], mode));
    const pooled = tf.mean(h, [1, 2]);
    return tf.add(
      tf.matMul(pooled as tf.Tensor2D, param(params, 'head.weight') as tf.Tensor2D),
      param(params, 'head.bias'),
    ) as tf.Tensor2D;
  });
}

/**
 * Initialises the FC twin: `fc1.weight` [side², α·side²] (unit c·side² + p is channel c at position p),
 * `fc1.bias`, `bn` over the α·side² features (BatchNorm1d as in `Net_2FC`), `head` α→classes.
 */
export function initTorusFc(rng: Rng, side: number, width: number, classes = 10): ParamMap {
  const p = new ParamMap();
  addDense(p, rng, 'fc1', side * side, width * side * side);
  addBatchNorm(p, 'bn', [width * side * side]);
  addDense(p, rng, 'head', width, classes);
  return p;
}

/** FC-twin forward on flat [B, side²] images; returns logits [B, classes]. */
export function applyTorusFc(
  params: ParamTensors,
  x: tf.Tensor,
  side: number,
  width: number,
  mode: BnMode,
): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.add(
      tf.matMul(x as tf.Tensor2D, param(params, 'fc1.weight') as tf.Tensor2D),
      param(params, 'fc1.bias'),
    );
    const h = tf.relu(batchNorm(params, 'bn', z, [0], mode));
    const pooled = tf.mean(tf.reshape(h, [-1, width, side * side]), 2);
    return tf.add(
      tf.matMul(pooled as tf.Tensor2D, param(params, 'head.weight') as tf.Tensor2D),
      param(params, 'head.bias'),
    ) as tf.Tensor2D;
  });
}
