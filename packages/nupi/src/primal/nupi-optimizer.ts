import {
  type BaseOptimizerConfig,
  chain,
  checkFinite,
  checkInRange,
  checkNonNegative,
  checkOneOf,
  clipFromConfig,
  decoupledWeightDecay,
  type GradientTransformation,
  mapUpdates,
  Optimizer,
  type SlotBasis,
  scaleByLearningRate,
  TransformState,
  type Updates,
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

/** Gains and filter of {@link scaleByNuPI}. */
export interface NuPIGains {
  /** Proportional gain K_P. */
  readonly kp: number;
  /** Integral gain K_I. */
  readonly ki: number;
  /** EMA coefficient ν of the error, in (−1, 1). */
  readonly nu: number;
  /** ξ₋₁ convention. */
  readonly init: NuPIInit;
}

/** State of {@link scaleByNuPI}: one `xi` slot per parameter (linear in the gradient). */
export class NuPIState extends TransformState {
  override slotBasis(name: string): SlotBasis | undefined {
    return name === 'xi' ? 'linear' : undefined;
  }
}

/**
 * The νPI update as a transform, without the step size: with e_t the gradient,
 * ξ_t = ν ξ_{t−1} + (1 − ν) e_t and u = K_I e_t + K_P (ξ_t − ξ_{t−1}); chain it with
 * `scaleByLearningRate` for η. Under `sgd` init a parameter's first step is K_I e (ξ₀ = (1 − ν) e₀),
 * and that first step is the one without a slot yet, so saved state carries it exactly.
 */
export function scaleByNuPI(g: NuPIGains): GradientTransformation<NuPIState> {
  const { kp, ki, nu, init } = g;
  const self: GradientTransformation<NuPIState> = {
    kind: 'scaleByNuPI',
    options: { kp, ki, nu, init },
    init: () => new NuPIState(self),
    update: (u: Updates, s: NuPIState) =>
      mapUpdates(u, (grad, n) => {
        const first = !s.hasSlot(n, 'xi');
        const xi = s.slot(n, 'xi', grad);
        if (first && init === 'sgd') {
          xi.assign(tf.mul(grad, 1 - nu));
          return tf.mul(grad, ki);
        }
        const next = tf.add(tf.mul(xi, nu), tf.mul(grad, 1 - nu));
        const out = tf.add(tf.mul(grad, ki), tf.mul(tf.sub(next, xi), kp));
        xi.assign(next);
        return out;
      }),
  };
  return self;
}

/**
 * νPI as a minimiser (P1, Theorem on special cases): with e_t = ∇f(x_t),
 *
 *     ξ_t = ν ξ_{t−1} + (1 − ν) e_t,   x_{t+1} = x_t − η [K_I e_t + K_P (ξ_t − ξ_{t−1})].
 *
 * Under `zeros` init it reproduces heavy ball (ν = β, ηK_I = α/(1−β), ηK_P = −αβ/(1−β)²), Nesterov
 * (ηK_P = −αβ²/(1−β)²) and the optimistic gradient (ν = 0, K_P = K_I) exactly, so the momentum
 * equivalences of the paper can be checked on real models. Gains are scalars here (the dual
 * {@link NuPI} takes per-coordinate gains). The chain: `clipGlobalNorm` → {@link scaleByNuPI} →
 * `scaleByLearningRate` → `decoupledWeightDecay`.
 */
export class NuPIOptimizer extends Optimizer {
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
    Optimizer.checkConfig(config, ['kp', 'ki', 'nu', 'init', 'weightDecay']);
    const gains: NuPIGains = {
      kp: checkFinite('kp', config.kp ?? 0),
      ki: checkFinite('ki', config.ki ?? 1),
      nu: checkInRange('nu', config.nu ?? 0, -1, 1, '()'),
      init: checkOneOf('init', config.init ?? 'sgd', NUPI_INITS),
    };
    const weightDecay = checkNonNegative('weightDecay', config.weightDecay ?? 0);
    super({
      name: 'NuPIOptimizer',
      lr: config.lr,
      transform: chain(
        clipFromConfig(config.clipNorm),
        scaleByNuPI(gains),
        scaleByLearningRate(),
        // Decoupled, outside the error filter (Cooper): p·(1 − η·wd) before the PI step.
        weightDecay !== 0 && decoupledWeightDecay(weightDecay),
      ),
    });
    ({ kp: this.kp, ki: this.ki, nu: this.nu, init: this.init } = gains);
    this.weightDecay = weightDecay;
  }
}
