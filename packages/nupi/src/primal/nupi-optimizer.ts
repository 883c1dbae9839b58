import {
  type BaseOptimizerConfig,
  checkFinite,
  checkInRange,
  checkNonNegative,
  checkOneOf,
  Optimizer,
  type StepContext,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { NUPI_INITS, type NuPIInit } from '../dual/nupi.js';

/** Configuration of {@link NuPIOptimizer} (Cooper's `nuPI` parametrisation with η = `lr`). */
export interface NuPIOptimizerConfig extends BaseOptimizerConfig {
  /** Proportional gain K_P (may be negative: heavy ball and Nesterov are K_P < 0). Default 0. */
  readonly kp?: number;
  /** Integral gain K_I. Default 1. */
  readonly ki?: number;
  /** EMA coefficient ν of the gradient, in (−1, 1). Default 0. */
  readonly nu?: number;
  /** ξ₋₁ convention, see {@link NuPIInit}; default `sgd` (Cooper). */
  readonly init?: NuPIInit;
  /** Decoupled decay: p ← p·(1 − η·wd) before the PI step, outside the error filter (Cooper). Default 0. */
  readonly weightDecay?: number;
}

/**
 * νPI as a minimiser (P1, Theorem on special cases): with e_t = ∇f(x_t),
 *
 *     ξ_t = ν ξ_{t−1} + (1 − ν) e_t,   x_{t+1} = x_t − η [K_I e_t + K_P (ξ_t − ξ_{t−1})].
 *
 * Under `zeros` init it reproduces heavy ball (ν = β, ηK_I = α/(1−β), ηK_P = −αβ/(1−β)²), Nesterov
 * (ηK_P = −αβ²/(1−β)²) and the optimistic gradient (ν = 0, K_P = K_I) exactly, so the momentum
 * equivalences of spec A5 can be checked on real models. Gains are scalars here (the dual
 * {@link NuPI} takes per-coordinate gains). State: one slot `xi` per parameter; a parameter's first
 * step under `sgd` init is the one without a slot yet, so `getState`/`setState` carry it exactly.
 */
export class NuPIOptimizer extends Optimizer {
  readonly name: string = 'NuPIOptimizer';
  /** K_P. */
  readonly kp: number;
  /** K_I. */
  readonly ki: number;
  /** ν. */
  readonly nu: number;
  /** ξ₋₁ convention. */
  readonly init: NuPIInit;
  /** Decoupled decay. */
  readonly weightDecay: number;

  constructor(config: NuPIOptimizerConfig) {
    super(config);
    this.kp = checkFinite('kp', config.kp ?? 0);
    this.ki = checkFinite('ki', config.ki ?? 1);
    this.nu = checkInRange('nu', config.nu ?? 0, -1, 1, '()');
    this.init = checkOneOf('init', config.init ?? 'sgd', NUPI_INITS);
    this.weightDecay = checkNonNegative('weightDecay', config.weightDecay ?? 0);
  }

  protected computeUpdate(name: string, grad: tf.Tensor, param: tf.Variable, ctx: StepContext): tf.Tensor {
    const first = !this.hasSlot(name, 'xi');
    const xi = this.slot(name, 'xi', param);
    if (first && this.init === 'sgd') {
      xi.assign(tf.mul(grad, 1 - this.nu));
      return tf.mul(grad, ctx.lr * this.ki);
    }
    const next = tf.add(tf.mul(xi, this.nu), tf.mul(grad, 1 - this.nu));
    const u = tf.add(tf.mul(grad, ctx.lr * this.ki), tf.mul(tf.sub(next, xi), ctx.lr * this.kp));
    xi.assign(next);
    return u;
  }

  protected override decoupledDecay(
    _name: string,
    param: tf.Variable,
    ctx: StepContext,
  ): tf.Tensor | undefined {
    if (this.weightDecay === 0) return undefined;
    return tf.mul(param, 1 - ctx.lr * this.weightDecay);
  }
}
