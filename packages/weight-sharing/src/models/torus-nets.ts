import {
  addDense,
  checkInRange,
  checkInteger,
  conv2dSame,
  dropoutMask,
  initBias,
  initWeight,
  PaperkitInputError,
  ParamMap,
  type ParamTensors,
  param,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The two models of the paper's MNIST-torus experiment (the reference code's `Net_2CNN` and `Net_2FC` in
 * `src/models/models.py`), as pure forward functions over a ParamMap, with hidden widths (α1, α2):
 * - CNN: circular conv3×3 1→α1 → BN → ReLU → circular conv3×3 α1→α2 → BN → ReLU → global average
 *   pool → Linear α2→10;
 * - FC twin: fc1 side² → α1·side² → BN → ReLU → dropout; fc2 α1·side² → α2·side² → BN → ReLU →
 *   dropout; reshape [α2, side²] → mean over the side² positions → Linear α2→10. Each fc layer can
 *   express the matching convolution exactly (a circulant block per channel pair), and with a fixed
 *   pixel permutation the FC twin is equally expressive, unlike the CNN.
 */

/** Hidden widths (α1, α2): channels of the CNN, channels per position of the FC twin. */
export type TorusWidths = readonly [number, number];

/** How a forward pass normalises (batch norm) and whether it drops units. */
export type BnMode =
  /** Batch statistics; with `dropout`, the FC twin drops hidden units with probability `rate`. */
  | { readonly kind: 'train'; readonly dropout?: { readonly rate: number; readonly rng: Rng } }
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

function checkWidths(widths: TorusWidths): void {
  if (!Array.isArray(widths) || widths.length !== 2 || !widths.every((w) => Number.isInteger(w) && w >= 1))
    throw new PaperkitInputError('widths', widths, 'a pair [α1, α2] of integers >= 1');
}

/** Checks flat images [B, side²] and the mode's dropout rate. */
function checkInput(x: tf.Tensor, side: number, mode: BnMode): void {
  checkInteger('side', side, 1);
  if (x.rank !== 2 || x.shape[1] !== side * side)
    throw new PaperkitInputError('x.shape', x.shape, `[batch, ${side * side}] (flat ${side}×${side} images)`);
  if (mode.kind === 'train' && mode.dropout) checkInRange('dropout.rate', mode.dropout.rate, 0, 1, '[)');
}

/**
 * Batch normalisation over `axes` with gain `name.gamma` and shift `name.beta` (PyTorch BatchNorm,
 * biased batch variance, ε = 1e-5). Evaluation uses statistics recomputed on training data instead of
 * running averages ("precise BN"), which is deterministic and needs no state in the training step.
 */
function batchNorm(params: ParamTensors, name: string, x: tf.Tensor, axes: number[], mode: BnMode) {
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (mode.kind === 'eval') {
    const s = mode.stats.get(name);
    if (!s)
      throw new PaperkitInputError(
        'mode.stats',
        [...mode.stats.keys()],
        `statistics for every batch-norm layer, including '${name}' (from a 'collect' pass)`,
      );
    ({ mean, variance } = s);
  } else {
    ({ mean, variance } = tf.moments(x, axes, true));
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

function addConv(into: ParamMap, rng: Rng, name: string, cin: number, cout: number): void {
  tf.tidy(() => {
    into.add(`${name}.weight`, {
      value: initWeight(rng.stream(`${name}.weight`), [3, 3, cin, cout], 9 * cin, 9 * cout, 'torch'),
      role: 'weight',
      layout: { outAxis: 3, inAxis: 2 },
      group: name,
    });
    into.add(`${name}.bias`, {
      value: initBias(rng.stream(`${name}.bias`), [cout], 9 * cin, 'torch'),
      role: 'bias',
      group: name,
    });
  });
}

function head(params: ParamTensors, pooled: tf.Tensor): tf.Tensor2D {
  return tf.add(
    tf.matMul(pooled as tf.Tensor2D, param(params, 'head.weight') as tf.Tensor2D),
    param(params, 'head.bias'),
  ) as tf.Tensor2D;
}

/** Initialises `Net_2CNN` (`conv1` [3, 3, 1, α1], `bn1`, `conv2` [3, 3, α1, α2], `bn2`, `head`), PyTorch init. */
export function initTorusCnn(rng: Rng, widths: TorusWidths, classes = 10): ParamMap {
  checkWidths(widths);
  checkInteger('classes', classes, 2);
  const p = new ParamMap();
  addConv(p, rng, 'conv1', 1, widths[0]);
  addBatchNorm(p, 'bn1', [widths[0]]);
  addConv(p, rng, 'conv2', widths[0], widths[1]);
  addBatchNorm(p, 'bn2', [widths[1]]);
  addDense(p, rng, 'head', widths[1], classes);
  return p;
}

/** CNN forward on flat [B, side²] images; returns logits [B, classes]. */
export function applyTorusCnn(params: ParamTensors, x: tf.Tensor, side: number, mode: BnMode): tf.Tensor2D {
  checkInput(x, side, mode);
  return tf.tidy(() => {
    let h = tf.reshape(x, [-1, side, side, 1]) as tf.Tensor4D;
    for (const i of [1, 2]) {
      const w = param(params, `conv${i}.weight`) as tf.Tensor4D;
      // Circular padding: the CNN of the reference is a convolution on the torus (Net_2CNN).
      const conv = tf.add(conv2dSame(h, w, 'circular'), param(params, `conv${i}.bias`)) as tf.Tensor4D;
      h = tf.relu(batchNorm(params, `bn${i}`, conv, [0, 1, 2], mode)) as tf.Tensor4D;
    }
    return head(params, tf.mean(h, [1, 2]));
  });
}

/**
 * Initialises `Net_2FC`: `fc1.weight` [side², α1·side²] (unit c·side² + p is channel c at position p),
 * `fc2.weight` [α1·side², α2·side²], their biases, `bn1`/`bn2` per unit (BatchNorm1d), `head` α2→classes.
 */
export function initTorusFc(rng: Rng, side: number, widths: TorusWidths, classes = 10): ParamMap {
  checkInteger('side', side, 1);
  checkWidths(widths);
  checkInteger('classes', classes, 2);
  const p = new ParamMap();
  const px = side * side;
  addDense(p, rng, 'fc1', px, widths[0] * px);
  addBatchNorm(p, 'bn1', [widths[0] * px]);
  addDense(p, rng, 'fc2', widths[0] * px, widths[1] * px);
  addBatchNorm(p, 'bn2', [widths[1] * px]);
  addDense(p, rng, 'head', widths[1], classes);
  return p;
}

/** FC-twin forward on flat [B, side²] images; returns logits [B, classes]. */
export function applyTorusFc(
  params: ParamTensors,
  x: tf.Tensor,
  side: number,
  widths: TorusWidths,
  mode: BnMode,
): tf.Tensor2D {
  checkInput(x, side, mode);
  checkWidths(widths);
  return tf.tidy(() => {
    let h = x;
    for (const i of [1, 2]) {
      const z = tf.add(
        tf.matMul(h as tf.Tensor2D, param(params, `fc${i}.weight`) as tf.Tensor2D),
        param(params, `fc${i}.bias`),
      );
      h = tf.relu(batchNorm(params, `bn${i}`, z, [0], mode));
      const drop = mode.kind === 'train' ? mode.dropout : undefined;
      if (drop && drop.rate > 0) h = tf.mul(h, dropoutMask(drop.rng, h.shape, drop.rate));
    }
    return head(params, tf.mean(tf.reshape(h, [-1, widths[1], side * side]), 2));
  });
}
