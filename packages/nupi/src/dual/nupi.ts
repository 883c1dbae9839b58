import {
  checkInRange,
  checkNonNegative,
  checkObject,
  checkOneOf,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { DualOptimizerBase, type Gain, toGain } from './base.js';

/**
 * How ξ₋₁ is set, which decides the first step of each coordinate (upstream disagrees):
 * - `zeros`: ξ₋₁ = 0, first step Δθ = η(K_I + K_P(1−ν))·e₀, then ξ₀ = (1−ν)e₀. The momentum
 *   equivalences (heavy ball, Nesterov, optimistic gradient) hold exactly under this convention.
 * - `sgd` (Cooper's default): the first observation of a coordinate is a pure gradient-ascent step
 *   Δθ = ηK_I·e₀ and then ξ₀ := (1−ν)e₀. This is Cooper's *sparse* code path and what Cooper's
 *   `test_sparse_nupi_update_sgd_init` asserts; Cooper's dense path stores ξ₀ = 0 instead and its
 *   docstring claims ξ₋₁ = e₀; we follow neither (see the README's Fidelity section).
 */
export type NuPIInit = 'zeros' | 'sgd';

/** The two init conventions. */
export const NUPI_INITS: readonly NuPIInit[] = ['zeros', 'sgd'];

/** Configuration of {@link NuPI}, in Cooper's parametrisation (κ_i = η·K_I, κ_p = η·K_P). */
export interface NuPIConfig {
  /** η ≥ 0, the scale of both gains (Cooper's `lr`). Required. */
  readonly lr: number;
  /** Proportional gain K_P (scalar or one per coordinate; may be negative). Default 0. */
  readonly kp?: Gain;
  /** Integral gain K_I (scalar or one per coordinate; may be negative). Default 1. */
  readonly ki?: Gain;
  /** EMA coefficient ν of the error, in (−1, 1). Default 0. */
  readonly nu?: number;
  /** ξ₋₁ convention; default `sgd` (Cooper's). */
  readonly init?: NuPIInit;
  /**
   * Decay wd ≥ 0: θ ← θ − η·wd·θ is added after the PI terms and never enters the error filter
   * (Cooper's AdamW-like choice). Default 0.
   */
  readonly weightDecay?: number;
}

/**
 * νPI (Sohrabi et al. 2024, Algorithm 1) for Lagrange multipliers, recursive form, per coordinate:
 *
 *     ξ_t = ν ξ_{t−1} + (1 − ν) e_t
 *     θ_{t+1} = θ_t + η [K_I e_t + K_P (ξ_t − ξ_{t−1})] − η·wd·θ_t,   then θ ← max(θ, 0) for λ
 *
 * where e_t is the strict violation. ν = 0, K_P = 0 is gradient ascent with step ηK_I. ξ is never
 * projected or reset, and an unobserved coordinate keeps θ and ξ unchanged. No bias
 * correction (the paper repository's `use_bias_correction` is off by one and divides by zero on step 0
 * with `zeros` init, so it is not ported).
 */
export class NuPI extends DualOptimizerBase {
  readonly name = 'NuPI';
  /** η. */
  readonly lr: number;
  /** ν. */
  readonly nu: number;
  /** ξ₋₁ convention. */
  readonly init: NuPIInit;
  /** wd. */
  readonly weightDecay: number;
  // Scalar gains stay scalars: the update is memory-bound, and two fewer arrays per coordinate matter.
  private readonly kpGain: number | Float64Array;
  private readonly kiGain: number | Float64Array;

  constructor(config: NuPIConfig) {
    checkObject('config', config, 'an object { lr, kp?, ki?, nu?, init?, weightDecay? }');
    const kp = toGain('kp', config.kp ?? 0);
    const ki = toGain('ki', config.ki ?? 1);
    const lens = [kp, ki].filter((g): g is Float64Array => typeof g !== 'number').map((g) => g.length);
    if (lens.length === 2 && lens[0] !== lens[1])
      throw new PaperkitInputError('kp', `length ${lens[0]}`, `the same length as ki (${lens[1]})`);
    super(lens[0]);
    this.lr = checkNonNegative('lr', config.lr);
    this.nu = checkInRange('nu', config.nu ?? 0, -1, 1, '()');
    this.init = checkOneOf('init', config.init ?? 'sgd', NUPI_INITS);
    this.weightDecay = checkNonNegative('weightDecay', config.weightDecay ?? 0);
    this.kpGain = kp;
    this.kiGain = ki;
  }

  protected bufferNames(): readonly string[] {
    // `seen` marks coordinates whose first (pure-GA) step under `sgd` init has happened.
    return this.init === 'sgd' ? ['xi', 'seen'] : ['xi'];
  }

  protected apply(
    theta: Float64Array,
    error: ArrayLike<number>,
    observed: Int32Array | null,
    count: number,
    nonNegative: boolean,
  ): void {
    const { lr, nu } = this;
    const kpA = typeof this.kpGain === 'number' ? null : this.kpGain;
    const kiA = typeof this.kiGain === 'number' ? null : this.kiGain;
    const kpS = typeof this.kpGain === 'number' ? this.kpGain : 0;
    const kiS = typeof this.kiGain === 'number' ? this.kiGain : 0;
    const lrWd = lr * this.weightDecay;
    const xi = this.buf('xi');
    const seen = this.init === 'sgd' ? this.buf('seen') : null;
    const oneMinusNu = 1 - nu;
    for (let k = 0; k < count; k++) {
      const i = observed ? observed[k]! : k;
      const e = error[k]!;
      let d: number;
      if (seen !== null && seen[i] === 0) {
        d = (kiA === null ? kiS : kiA[i]!) * e;
        xi[i] = oneMinusNu * e;
        seen[i] = 1;
      } else {
        const prev = xi[i]!;
        const next = nu * prev + oneMinusNu * e;
        d = (kiA === null ? kiS : kiA[i]!) * e + (kpA === null ? kpS : kpA[i]!) * (next - prev);
        xi[i] = next;
      }
      const th = theta[i]!;
      const v = lrWd === 0 ? th + lr * d : th + lr * d - lrWd * th;
      // Branch-free max(v, 0): exact for v > 0, +0 otherwise. Multipliers at the boundary make
      // `v > 0 ? v : 0` a mispredicted branch per coordinate (~10x slower than an axpy at m = 1e5).
      theta[i] = nonNegative ? (v + Math.abs(v)) * 0.5 : v;
    }
  }
}
