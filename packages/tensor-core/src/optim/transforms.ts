import * as tf from '@tensorflow/tfjs-core';
import { checkFinite, checkNonNegative, PaperkitInputError } from '../validate/errors.js';
import { clipByGlobalNorm } from './clip.js';
import type { GradientTransformation, StepContext } from './transform.js';
import { mapUpdates, materializeAll, scaleUpdates, toUpdates, type Updates } from './updates.js';

/**
 * The small stateless transforms every optimizer is built from. Each returns a descriptor that can be
 * put into any {@link chain}; none keeps state, so none appears in saved state.
 */

/** Multiplies the updates by the learning rate in force (`ctx.lr`), as a pending host factor (no kernel). */
export function scaleByLearningRate(): GradientTransformation<undefined> {
  return {
    kind: 'scaleByLearningRate',
    update: (u: Updates, _s: undefined, ctx: StepContext) => scaleUpdates(u, ctx.lr),
  };
}

/** Multiplies the updates by a constant, as a pending host factor (no kernel). */
export function scale(factor: number): GradientTransformation<undefined> {
  checkFinite('factor', factor);
  return { kind: 'scale', update: (u: Updates) => scaleUpdates(u, factor) };
}

/**
 * Scales all updates by min(1, maxNorm / ‖u‖₂) over their concatenation (PyTorch's
 * `clip_grad_norm_`, with its 1e-6 guard), on the device. `parameter` names `maxNorm` in errors.
 */
export function clipGlobalNorm(maxNorm: number, parameter = 'maxNorm'): GradientTransformation<undefined> {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0)
    throw new PaperkitInputError(parameter, maxNorm, 'a finite number > 0 (omit it to disable clipping)');
  return {
    kind: 'clipGlobalNorm',
    update: (u: Updates) => toUpdates(clipByGlobalNorm(materializeAll(u), maxNorm).grads),
  };
}

/**
 * Coupled L2 weight decay: g ← g + wd·p (`torch.optim.Adam`'s and `SGD`'s `weight_decay`), with the
 * parameters in the basis the transform works in. Identity at wd = 0.
 */
export function addWeightDecay(weightDecay: number): GradientTransformation<undefined> {
  const wd = checkNonNegative('weightDecay', weightDecay);
  return {
    kind: 'addWeightDecay',
    update: (u: Updates, _s: undefined, ctx: StepContext) =>
      wd === 0 ? u : mapUpdates(u, (g, n) => tf.add(g, tf.mul(ctx.params[n]!, wd))),
  };
}

/**
 * Decoupled weight decay (Loshchilov & Hutter 2019; `torch.optim.AdamW`): the weights are multiplied
 * by 1 − lr·wd before the update is subtracted, p ← p·(1 − lr·wd) − u, in the original basis and
 * outside every moment. Put it anywhere in a chain: it acts in the parameter-space phase.
 */
export function decoupledWeightDecay(weightDecay: number): GradientTransformation<undefined> {
  const wd = checkNonNegative('weightDecay', weightDecay);
  return {
    kind: 'decoupledWeightDecay',
    update: (u: Updates) => u,
    paramScale: (_n: string, _s: undefined, ctx: StepContext) => (wd === 0 ? 1 : 1 - ctx.lr * wd),
  };
}

/**
 * A stateless gradient-space hook: `fn` gets the updates as tensors keyed by name (the gradients, if
 * it comes first in the chain) and returns tensors keyed the same way. Runs inside the step's tidy:
 * return new tensors, never dispose the inputs.
 */
export function mapGradients(
  kind: string,
  fn: (updates: Record<string, tf.Tensor>, ctx: StepContext) => Record<string, tf.Tensor>,
): GradientTransformation<undefined> {
  if (typeof kind !== 'string' || kind.length === 0)
    throw new PaperkitInputError('kind', kind, 'a non-empty name');
  if (typeof fn !== 'function')
    throw new PaperkitInputError('fn', fn, 'a function (updates, ctx) => updates');
  return {
    kind,
    update: (u: Updates, _s: undefined, ctx: StepContext) => toUpdates(fn(materializeAll(u), ctx)),
  };
}

/**
 * A stateless parameter-space hook run after each step's update was written (a projection,
 * re-applying a mask, a proximal step without state): `fn` may assign the variables.
 */
export function afterStep(
  kind: string,
  fn: (params: Readonly<Record<string, tf.Variable>>, ctx: StepContext) => void,
): GradientTransformation<undefined> {
  if (typeof kind !== 'string' || kind.length === 0)
    throw new PaperkitInputError('kind', kind, 'a non-empty name');
  if (typeof fn !== 'function') throw new PaperkitInputError('fn', fn, 'a function (params, ctx) => void');
  return {
    kind,
    update: (u: Updates) => u,
    afterStep: (params: Readonly<Record<string, tf.Variable>>, _s: undefined, ctx: StepContext) =>
      fn(params, ctx),
  };
}

/** The clipping transform of an optimizer config's `clipNorm`, or undefined when clipping is off. */
export function clipFromConfig(clipNorm: number | undefined): GradientTransformation<undefined> | undefined {
  if (clipNorm === undefined) return undefined;
  return clipGlobalNorm(clipNorm, 'clipNorm');
}
