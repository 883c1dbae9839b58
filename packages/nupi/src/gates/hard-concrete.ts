import { checkInRange, checkPositive, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Hard-concrete gates (Louizos, Welling & Kingma, ICLR 2018), the L0 relaxation behind P1's controlled
 * sparsity experiment (reference: `src/models/sparse/layers/concrete_utils.py`). A generic sampler kept
 * in its own file so it can move to tensor-core.
 */
export interface HardConcreteConfig {
  /** Temperature β; default 2/3. */
  readonly beta?: number;
  /** Stretch lower end γ < 0; default −0.1. */
  readonly gamma?: number;
  /** Stretch upper end ζ > 1; default 1.1. */
  readonly zeta?: number;
}

function resolve(c: HardConcreteConfig): { beta: number; gamma: number; zeta: number } {
  const beta = checkPositive('beta', c.beta ?? 2 / 3);
  const gamma = c.gamma ?? -0.1;
  const zeta = c.zeta ?? 1.1;
  if (!(gamma < 0)) throw new PaperkitInputError('gamma', gamma, 'a number < 0');
  if (!(zeta > 1)) throw new PaperkitInputError('zeta', zeta, 'a number > 1');
  return { beta, gamma, zeta };
}

/** log α for a gate that starts closed with probability `dropRate` (P1: 0.01): log(1 − p) − log p. */
export function hardConcreteInitLogAlpha(dropRate: number): number {
  checkInRange('dropRate', dropRate, 0, 1, '()');
  return Math.log(1 - dropRate) - Math.log(dropRate);
}

/**
 * A reparametrised sample z = min(1, max(0, sigmoid((log u − log(1 − u) + log α)/β)(ζ − γ) + γ)) from
 * uniforms `u` of the same shape (draw them with tensor-core's seeded `randomUniform`).
 */
export function hardConcreteSample(
  logAlpha: tf.Tensor,
  u: tf.Tensor,
  config: HardConcreteConfig = {},
): tf.Tensor {
  const { beta, gamma, zeta } = resolve(config);
  return tf.tidy(() => {
    const uc = tf.clipByValue(u, 1e-6, 1 - 1e-6);
    const s = tf.sigmoid(tf.div(tf.add(tf.sub(tf.log(uc), tf.log1p(tf.neg(uc))), logAlpha), beta));
    return tf.clipByValue(tf.add(tf.mul(s, zeta - gamma), gamma), 0, 1);
  });
}

/** P(z ≠ 0) = sigmoid(log α − β·log(−γ/ζ)) per gate: the differentiable expected L0 density. */
export function hardConcreteProbNonzero(logAlpha: tf.Tensor, config: HardConcreteConfig = {}): tf.Tensor {
  const { beta, gamma, zeta } = resolve(config);
  return tf.tidy(() => tf.sigmoid(tf.sub(logAlpha, beta * Math.log(-gamma / zeta))));
}

/** The test-time gate min(1, max(0, sigmoid(log α)(ζ − γ) + γ)). */
export function hardConcreteDeterministic(logAlpha: tf.Tensor, config: HardConcreteConfig = {}): tf.Tensor {
  const { gamma, zeta } = resolve(config);
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(tf.sigmoid(logAlpha), zeta - gamma), gamma), 0, 1));
}
