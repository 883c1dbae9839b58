import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap } from '../params/param-map.js';
import type { Rng } from '../random/rng.js';
import { randomNormal, randomUniform } from '../random/tensors.js';
import { checkInteger, checkPositive, PaperkitInputError } from '../validate/errors.js';

/**
 * How a weight is drawn, with fan-in/fan-out taken from its layout (receptive field included):
 * - `torch`: PyTorch's `nn.Linear`/`nn.Conv2d` default, `kaiming_uniform_(a=√5)`, which reduces to
 *   U(−1/√fanIn, 1/√fanIn); biases get the same bound (`reset_parameters` in torch/nn/modules/linear.py).
 * - `he`: N(0, 2/fanIn) weights (He et al. 2015, for ReLU nets), zero biases.
 * - `xavier`: U(±√(6/(fanIn+fanOut))) weights (Glorot & Bengio 2010), zero biases.
 * - `{ normal: std }`: N(0, std²) weights, zero biases (GPT-2 uses std 0.02).
 */
export type WeightInit = 'torch' | 'he' | 'xavier' | { readonly normal: number };

/** Throws a {@link PaperkitInputError} naming `parameter` unless `init` is a {@link WeightInit}. */
export function checkWeightInit(parameter: string, init: unknown): WeightInit {
  if (init === 'torch' || init === 'he' || init === 'xavier') return init;
  if (typeof init === 'object' && init !== null && 'normal' in init) {
    checkPositive(`${parameter}.normal`, (init as { normal: number }).normal);
    return init as WeightInit;
  }
  throw new PaperkitInputError(parameter, init, '"torch", "he", "xavier" or { normal: std > 0 }');
}

/** Draws a weight tensor of `shape` under `init` from `rng`. */
export function initWeight(
  rng: Rng,
  shape: number[],
  fanIn: number,
  fanOut: number,
  init: WeightInit,
): tf.Tensor {
  if (init === 'torch') {
    const b = 1 / Math.sqrt(fanIn);
    return randomUniform(rng, shape, -b, b);
  }
  if (init === 'he') return randomNormal(rng, shape, 0, Math.sqrt(2 / fanIn));
  if (init === 'xavier') {
    const b = Math.sqrt(6 / (fanIn + fanOut));
    return randomUniform(rng, shape, -b, b);
  }
  return randomNormal(rng, shape, 0, init.normal);
}

/** Draws a bias tensor under `init`: U(±1/√fanIn) for `torch`, zeros otherwise. */
export function initBias(rng: Rng, shape: number[], fanIn: number, init: WeightInit): tf.Tensor {
  if (init === 'torch') {
    const b = 1 / Math.sqrt(fanIn);
    return randomUniform(rng, shape, -b, b);
  }
  return tf.zeros(shape);
}

/** Options of {@link addDense}. */
export interface DenseOptions {
  /** Whether the layer has a bias; default true. */
  readonly bias?: boolean;
  /** Weight initialisation; default `torch`. */
  readonly init?: WeightInit;
}

/**
 * Adds a dense layer `name` to `into`: `name.weight` of shape [in, out] (role `weight`, layout
 * `{ outAxis: 1, inAxis: 0 }`) and optionally `name.bias` [out] (role `bias`), both in group `name`.
 * Each tensor is drawn from its own sub-stream `rng.stream(<param name>)`, so adding or resizing one
 * layer never changes another layer's initial values.
 */
export function addDense(
  into: ParamMap,
  rng: Rng,
  name: string,
  inDim: number,
  outDim: number,
  options: DenseOptions = {},
): void {
  checkInteger(`${name}.inDim`, inDim, 1);
  checkInteger(`${name}.outDim`, outDim, 1);
  const init = checkWeightInit('init', options.init ?? 'torch');
  tf.tidy(() => {
    into.add(`${name}.weight`, {
      value: initWeight(rng.stream(`${name}.weight`), [inDim, outDim], inDim, outDim, init),
      role: 'weight',
      layout: { outAxis: 1, inAxis: 0 },
      group: name,
    });
    if (options.bias ?? true)
      into.add(`${name}.bias`, {
        value: initBias(rng.stream(`${name}.bias`), [outDim], inDim, init),
        role: 'bias',
        group: name,
      });
  });
}
