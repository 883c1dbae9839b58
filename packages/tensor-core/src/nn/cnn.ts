import * as tf from '@tensorflow/tfjs-core';
import { CONV_TRAINING_KERNELS, requireKernels } from '../backend/capabilities.js';
import { ParamMap } from '../params/param-map.js';
import type { Rng } from '../random/rng.js';
import { checkInteger, checkOneOf, PaperkitInputError } from '../validate/errors.js';
import { type Activation, activate, checkActivation } from './activations.js';
import { conv2dSame } from './conv-same.js';
import { addDense, checkWeightInit, initBias, initWeight, type WeightInit } from './init.js';
import { dense, type ParamTensors, param } from './layers.js';

/** Configuration of a small convolutional classifier on NHWC images. */
export interface CnnConfig {
  /** Input image shape `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** Output channels of each conv stage (conv k×k, stride 1, `same` padding → activation → 2×2 pool). */
  readonly channels: readonly number[];
  /** Widths of the hidden dense layers of the head (same activation); default none. */
  readonly hidden?: readonly number[];
  /** Number of outputs (logits). */
  readonly outputs: number;
  /** Activation after each conv and hidden dense layer; default `relu`. */
  readonly activation?: Activation;
  /**
   * 2×2 stride-2 pooling after each conv: `max` (default) or `avg`. A smooth activation with `avg`
   * makes the whole network differentiable, which finite-difference gradient checks need.
   */
  readonly pool?: 'max' | 'avg';
  /** Square kernel size; default 3. */
  readonly kernelSize?: number;
  /** Weight initialisation of convs and dense layers; default `torch`. */
  readonly init?: WeightInit;
  /** Prepended verbatim to parameter names (`${prefix}conv0`, …, `${prefix}fc0`, …); default `''`. */
  readonly prefix?: string;
}

/**
 * Spatial size after the conv stages: `same` convs keep it and each 2×2 max-pool floors it by half
 * (PyTorch's `MaxPool2d(2)` default, `valid` padding).
 */
export function cnnFeatureShape(config: CnnConfig): [number, number, number] {
  const [h0, w0, c0] = config.inputShape;
  checkInteger('inputShape[0]', h0, 1);
  checkInteger('inputShape[1]', w0, 1);
  checkInteger('inputShape[2]', c0, 1);
  let h = h0;
  let w = w0;
  config.channels.forEach((c, i) => {
    checkInteger(`channels[${i}]`, c, 1);
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    if (h < 1 || w < 1)
      throw new PaperkitInputError(
        'channels',
        config.channels,
        `at most ${i} stages for a ${h0}×${w0} input (each halves the size)`,
      );
  });
  return [h, w, config.channels.length ? config.channels.at(-1)! : c0];
}

/**
 * Fails fast when the active backend cannot train `tf.conv2d` (stock wasm lacks
 * `Conv2DBackpropFilter`). {@link applyCnn} does not need it (it falls back to an im2col
 * convolution, see `conv2dSame`); code that calls `tf.conv2d` itself does.
 */
export function assertCnnTrainable(): void {
  requireKernels(CONV_TRAINING_KERNELS, 'CNN training');
}

/**
 * Initialises the CNN: `${prefix}conv{i}.weight` [k, k, in, out] (role `weight`, layout
 * `{ outAxis: 3, inAxis: 2 }`, so fan-in is k·k·in), `${prefix}conv{i}.bias`, then dense head layers
 * `${prefix}fc{j}` as in {@link initMlp}. Every tensor has its own sub-stream of `rng`.
 */
export function initCnn(rng: Rng, config: CnnConfig, into: ParamMap = new ParamMap()): ParamMap {
  const k = checkInteger('kernelSize', config.kernelSize ?? 3, 1);
  checkActivation('activation', config.activation ?? 'relu');
  checkOneOf('pool', config.pool ?? 'max', ['max', 'avg'] as const);
  const init = checkWeightInit('init', config.init ?? 'torch');
  const prefix = config.prefix ?? '';
  const [fh, fw, fc] = cnnFeatureShape(config);
  checkInteger('outputs', config.outputs, 1);
  let cin = config.inputShape[2];
  config.channels.forEach((cout, i) => {
    const name = `${prefix}conv${i}`;
    const fanIn = k * k * cin;
    tf.tidy(() => {
      into.add(`${name}.weight`, {
        value: initWeight(rng.stream(`${name}.weight`), [k, k, cin, cout], fanIn, k * k * cout, init),
        role: 'weight',
        layout: { outAxis: 3, inAxis: 2 },
        group: name,
      });
      into.add(`${name}.bias`, {
        value: initBias(rng.stream(`${name}.bias`), [cout], fanIn, init),
        role: 'bias',
        group: name,
      });
    });
    cin = cout;
  });
  const widths = [fh * fw * fc, ...(config.hidden ?? []), config.outputs];
  widths.forEach((wd, i) => {
    checkInteger(i === 0 ? 'features' : `hidden[${i - 1}]`, wd, 1);
  });
  for (let j = 0; j + 1 < widths.length; j++)
    addDense(into, rng, `${prefix}fc${j}`, widths[j]!, widths[j + 1]!, { init });
  return into;
}

/**
 * The CNN forward pass. `x` is NHWC `[B, H, W, C]` or flat `[B, H·W·C]` (reshaped, so MNIST rows
 * can be fed directly); returns logits `[B, outputs]`.
 */
export function applyCnn(params: ParamTensors, x: tf.Tensor, config: CnnConfig): tf.Tensor2D {
  const [h, w, c] = config.inputShape;
  const [fh, fw, fc] = cnnFeatureShape(config);
  const prefix = config.prefix ?? '';
  const hidden = config.hidden ?? [];
  const act = checkActivation('activation', config.activation ?? 'relu');
  const pool = checkOneOf('pool', config.pool ?? 'max', ['max', 'avg'] as const);
  if (
    !(x.rank === 4 && x.shape[1] === h && x.shape[2] === w && x.shape[3] === c) &&
    !(x.rank === 2 && x.shape[1] === h * w * c)
  )
    throw new PaperkitInputError('x', x, `a tensor of shape [B, ${h}, ${w}, ${c}] or [B, ${h * w * c}]`);
  return tf.tidy(() => {
    let a = (x.rank === 4 ? x : tf.reshape(x, [-1, h, w, c])) as tf.Tensor4D;
    config.channels.forEach((_, i) => {
      const filt = param(params, `${prefix}conv${i}.weight`) as tf.Tensor4D;
      const z = tf.add(conv2dSame(a, filt), param(params, `${prefix}conv${i}.bias`));
      const r = activate(z, act) as tf.Tensor4D;
      a = pool === 'max' ? tf.maxPool(r, 2, 2, 'valid') : tf.avgPool(r, 2, 2, 'valid');
    });
    let y: tf.Tensor = tf.reshape(a, [-1, fh * fw * fc]);
    for (let j = 0; j <= hidden.length; j++) {
      y = dense(params, `${prefix}fc${j}`, y);
      if (j < hidden.length) y = activate(y, act);
    }
    return y as tf.Tensor2D;
  });
}
