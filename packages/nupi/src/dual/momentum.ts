import {
  checkFinite,
  checkInRange,
  checkNonNegative,
  checkObject,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { DualOptimizerBase } from './base.js';

/** Configuration of {@link PolyakMomentum} and {@link Nesterov}. */
export interface DualMomentumConfig {
  /** Step size α ≥ 0. */
  readonly lr: number;
  /**
   * Momentum β in (−1, 1). Negative values are allowed on purpose: P1's ablations use negative dual
   * momentum (positive κ_p through momentum needs β < 0).
   */
  readonly momentum: number;
  /** Dampening of the new error in the buffer (PyTorch), in [0, 1]; default 0. */
  readonly dampening?: number;
}

function checkConfig(
  name: string,
  config: DualMomentumConfig,
): { lr: number; beta: number; dampening: number } {
  checkObject('config', config, `an object { lr, momentum, dampening? } for ${name}`);
  const lr = checkNonNegative('lr', config.lr);
  checkFinite('momentum', config.momentum);
  const beta = checkInRange('momentum', config.momentum, -1, 1, '()');
  const dampening = checkInRange('dampening', config.dampening ?? 0, 0, 1, '[]');
  return { lr, beta, dampening };
}

/**
 * Shared momentum buffer with PyTorch's first-step rule applied per coordinate: the first observation
 * of coordinate i sets buf_i = e (no dampening), later ones buf_i = β·buf_i + (1 − dampening)·e.
 * Unobserved coordinates keep their buffer, so an indexed multiplier behaves like a dense one run only
 * on the steps where it is observed (Cooper's PR #104 caveat about zero-filled dense gradients).
 */
abstract class MomentumBase extends DualOptimizerBase {
  /** α. */
  readonly lr: number;
  /** β. */
  readonly momentum: number;
  /** Dampening. */
  readonly dampening: number;
  private readonly nesterov: boolean;

  protected constructor(name: string, config: DualMomentumConfig, nesterov: boolean) {
    const c = checkConfig(name, config);
    super();
    this.lr = c.lr;
    this.momentum = c.beta;
    this.dampening = c.dampening;
    this.nesterov = nesterov;
  }

  protected bufferNames(): readonly string[] {
    return ['buf', 'seen'];
  }

  protected apply(
    theta: Float64Array,
    error: ArrayLike<number>,
    observed: Int32Array | null,
    count: number,
    nonNegative: boolean,
  ): void {
    const buf = this.buf('buf');
    const seen = this.buf('seen');
    const { lr, momentum: beta } = this;
    const keep = 1 - this.dampening;
    for (let k = 0; k < count; k++) {
      const i = observed ? observed[k]! : k;
      const e = error[k]!;
      let b: number;
      if (seen[i] === 0) {
        b = e;
        seen[i] = 1;
      } else b = beta * buf[i]! + keep * e;
      buf[i] = b;
      const dir = this.nesterov ? e + beta * b : b;
      const v = theta[i]! + lr * dir;
      // Branch-free max(v, 0): exact for v > 0, +0 otherwise. Multipliers at the boundary make
      // `v > 0 ? v : 0` a mispredicted branch per coordinate (~10x slower than an axpy at m = 1e5).
      theta[i] = nonNegative ? (v + Math.abs(v)) * 0.5 : v;
    }
  }
}

/**
 * Polyak heavy-ball ascent in PyTorch's form: buf = β·buf + e (buf₀ = e₀), θ ← [θ + α·buf]₊. Under
 * `zeros` init this equals νPI with ν = β, κ_i = α/(1−β), κ_p = −αβ/(1−β)², i.e. momentum
 * with 0 < β < 1 is anti-damping (κ_p < 0). Included for the paper's ablations, not as a recommendation.
 */
export class PolyakMomentum extends MomentumBase {
  readonly name = 'PolyakMomentum';
  constructor(config: DualMomentumConfig) {
    super('PolyakMomentum', config, false);
  }
}

/**
 * Nesterov ascent in PyTorch's form: buf = β·buf + e, θ ← [θ + α(e + β·buf)]₊. Equals νPI with
 * ν = β, κ_i = α/(1−β), κ_p = −αβ²/(1−β)² under `zeros` init. Ablation only.
 */
export class Nesterov extends MomentumBase {
  readonly name = 'Nesterov';
  constructor(config: DualMomentumConfig) {
    if (config !== null && typeof config === 'object' && (config.dampening ?? 0) !== 0)
      throw new PaperkitInputError('dampening', config.dampening, '0 for Nesterov momentum (as in PyTorch)');
    super('Nesterov', config, true);
  }
}
