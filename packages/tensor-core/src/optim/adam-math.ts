import * as tf from '@tensorflow/tfjs-core';
import { type Update, withFactor } from './updates.js';

/**
 * Adam's update math (Kingma & Ba 2015, with PyTorch's `torch.optim.Adam` conventions), written once
 * for paperkit: the moment updates and the bias-corrected direction on tensors, and their Float64
 * twins for exact small problems. `scaleByAdam` and the paper transforms that change what feeds the
 * moments (critical momenta, dual Adam) call these instead of restating them.
 */

/** β's and ε of Adam. */
export interface AdamCoefficients {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/** m ← β₁·m + (1 − β₁)·g, written into `m`; returns the new m. */
export function updateFirstMoment(m: tf.Variable, g: tf.Tensor, beta1: number): tf.Tensor {
  const next = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
  m.assign(next);
  return next;
}

/**
 * v ← β₂·v + (1 − β₂)·s², written into `v`, then AMSGrad's running maximum when `vMax` is given
 * (PyTorch's order: the maximum of the raw v, bias-corrected afterwards). Returns the v̂ to divide by.
 */
export function updateSecondMoment(
  v: tf.Variable,
  s: tf.Tensor,
  beta2: number,
  vMax?: tf.Variable,
): tf.Tensor {
  const next = tf.add(tf.mul(v, beta2), tf.mul(tf.square(s), 1 - beta2));
  v.assign(next);
  if (!vMax) return next;
  const max = tf.maximum(vMax, next);
  vMax.assign(max);
  return max;
}

/**
 * The bias-corrected Adam direction at 1-based step t: num / (√v̂ / √(1 − β₂ᵗ) + ε), with the first
 * moment's correction 1/(1 − β₁ᵗ) left as a pending host factor, so that a later learning rate makes
 * it PyTorch's single `lr / (1 − β₁ᵗ)` multiplication. ε sits outside the square root.
 */
export function adamDirection(num: tf.Tensor, vHat: tf.Tensor, t: number, c: AdamCoefficients): Update {
  const bc1 = 1 - c.beta1 ** t;
  const bc2 = 1 - c.beta2 ** t;
  const denom = tf.add(tf.div(tf.sqrt(vHat), Math.sqrt(bc2)), c.eps);
  return withFactor(tf.div(num, denom), 1, bc1);
}

/** Float64 twin of {@link updateFirstMoment} for one coordinate: β₁·m + (1 − β₁)·g. */
export function firstMoment64(m: number, g: number, beta1: number): number {
  return m * beta1 + g * (1 - beta1);
}

/** Float64 twin of {@link updateSecondMoment} (without AMSGrad) for one coordinate: β₂·v + (1 − β₂)·s². */
export function secondMoment64(v: number, s: number, beta2: number): number {
  return v * beta2 + s * s * (1 - beta2);
}

/** Bias corrections of 1-based step t: lr/(1 − β₁ᵗ) and √(1 − β₂ᵗ), computed once per step. */
export function adamCorrections64(
  t: number,
  lr: number,
  c: AdamCoefficients,
): { stepSize: number; sqrtBc2: number } {
  return { stepSize: lr / (1 - c.beta1 ** t), sqrtBc2: Math.sqrt(1 - c.beta2 ** t) };
}

/**
 * Float64 twin of {@link adamDirection} times the learning rate for one coordinate:
 * stepSize · num / (√v̂ / sqrtBc2 + ε), with stepSize = lr/(1 − β₁ᵗ) and sqrtBc2 = √(1 − β₂ᵗ) from
 * {@link adamCorrections64} (plain numbers, so a loop over coordinates allocates nothing).
 */
export function adamStep64(
  num: number,
  vHat: number,
  stepSize: number,
  sqrtBc2: number,
  eps: number,
): number {
  return stepSize * (num / (Math.sqrt(vHat) / sqrtBc2 + eps));
}
