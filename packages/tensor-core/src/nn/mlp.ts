import * as tf from '@tensorflow/tfjs-core';
import { ParamMap } from '../params/param-map.js';
import type { Rng } from '../random/rng.js';
import { checkInteger, PaperkitInputError } from '../validate/errors.js';
import { type Activation, activate, checkActivation } from './activations.js';
import { addDense, checkWeightInit, type WeightInit } from './init.js';
import { dense, type ParamTensors } from './layers.js';

/** Configuration of a multilayer perceptron. */
export interface MlpConfig {
  /** Widths from input to output, e.g. `[784, 256, 10]` is two dense layers. At least two entries. */
  readonly sizes: readonly number[];
  /**
   * One name: that activation after every hidden layer and none after the output layer. An array:
   * one activation per layer (length `sizes.length − 1`), output layer included. Default `relu`.
   */
  readonly activation?: Activation | readonly Activation[];
  /** Whether layers have biases; default true. */
  readonly bias?: boolean;
  /** Weight initialisation; default `torch` (PyTorch's `nn.Linear` default). */
  readonly init?: WeightInit;
  /**
   * Prepended verbatim to every parameter name; layers are named `${prefix}fc0`, `${prefix}fc1`, ….
   * Use e.g. `'enc.'` to place several blocks in one {@link ParamMap}. Default `''`.
   */
  readonly prefix?: string;
}

/** The per-layer activations of `config` after validation. */
export function mlpActivations(config: MlpConfig): Activation[] {
  const layers = config.sizes.length - 1;
  const a = config.activation ?? 'relu';
  if (typeof a === 'string') {
    checkActivation('activation', a);
    return Array.from({ length: layers }, (_, i) => (i < layers - 1 ? a : 'identity'));
  }
  if (a.length !== layers)
    throw new PaperkitInputError('activation', a, `one activation per layer (${layers} entries)`);
  a.forEach((name, i) => {
    checkActivation(`activation[${i}]`, name);
  });
  return [...a];
}

function checkSizes(sizes: readonly number[]): void {
  if (!Array.isArray(sizes) || sizes.length < 2)
    throw new PaperkitInputError('sizes', sizes, 'an array of at least two layer widths');
  sizes.forEach((s, i) => {
    checkInteger(`sizes[${i}]`, s, 1);
  });
}

/**
 * Initialises an MLP: layer `i` is `${prefix}fc${i}.weight` [sizes[i], sizes[i+1]] (role `weight`,
 * layout `{ outAxis: 1, inAxis: 0 }`) and `${prefix}fc${i}.bias` (role `bias`), group `${prefix}fc${i}`.
 * Each tensor comes from its own sub-stream of `rng` (see {@link addDense}).
 * @param into an existing map to add to (blocks compose by prefix); a new map when omitted.
 */
export function initMlp(rng: Rng, config: MlpConfig, into: ParamMap = new ParamMap()): ParamMap {
  checkSizes(config.sizes);
  mlpActivations(config);
  const init = checkWeightInit('init', config.init ?? 'torch');
  const prefix = config.prefix ?? '';
  for (let i = 0; i + 1 < config.sizes.length; i++)
    addDense(into, rng, `${prefix}fc${i}`, config.sizes[i]!, config.sizes[i + 1]!, {
      bias: config.bias ?? true,
      init,
    });
  return into;
}

/**
 * The MLP forward pass on `x` of shape [..., sizes[0]], returning [..., sizes.at(-1)]. Pure in
 * `params`, so it can sit inside `tf.variableGrads`/`tf.grads`.
 */
export function applyMlp(params: ParamTensors, x: tf.Tensor, config: MlpConfig): tf.Tensor {
  checkSizes(config.sizes);
  const acts = mlpActivations(config);
  const prefix = config.prefix ?? '';
  return tf.tidy(() => {
    let h = x;
    acts.forEach((a, i) => {
      h = activate(dense(params, `${prefix}fc${i}`, h, config.bias ?? true), a);
    });
    return h;
  });
}
