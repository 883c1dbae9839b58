import {
  checkFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  checkObject,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { DualOptimizerBase } from './base.js';

/** Configuration of {@link PIDLagrangian}; defaults are the rlpyt-style reference config (Stooke et al. 2020). */
export interface PIDLagrangianConfig {
  /** Proportional gain K_P; default 0. */
  readonly kp?: number;
  /** Integral gain K_I; default 1. */
  readonly ki?: number;
  /** Derivative gain K_D ≥ 0; default 0. */
  readonly kd?: number;
  /** EMA coefficient α_p of the error for the P term, in [0, 1); default 0.95. */
  readonly alphaP?: number;
  /** EMA coefficient α_d of the signal for the D term, in [0, 1); default 0.95. */
  readonly alphaD?: number;
  /** D-term delay in observations (integer ≥ 1); default 10. */
  readonly delay?: number;
  /** Upper cap on λ (`penalty_max`); default 100. Use `Infinity` for none. */
  readonly penaltyMax?: number;
}

/**
 * The PID Lagrangian of Stooke, Achiam & Abbeel (ICML 2020) in its position form, per coordinate:
 *
 *     I_k = max(0, I_{k−1} + K_I e_k)          (I₋₁ = the multiplier at the first observation)
 *     P_k = α_p P_{k−1} + (1 − α_p) e_k        (P₋₁ = 0)
 *     C_k = α_d C_{k−1} + (1 − α_d) e_k,  D_k = max(0, C_k − C_{k−delay})   (C_{<0} = 0)
 *     λ_k = min(penaltyMax, max(0, K_P P_k + I_k + K_D D_k))
 *
 * The multiplier passed in is overwritten by λ_k. Differences from the reference: the D term filters
 * the violation e = J_C − d instead of the raw cost J_C (identical differences once the zero-initialised
 * EMA has warmed up; the reference only sees the cost). With K_D = 0 and no clamp active it equals νPI
 * in position form with ν = α_p, κ_p = K_P, κ_i = K_I, `zeros` init; the two differ in
 * where they project (here: the integral and the output; νPI: θ after each recursive step).
 * It clamps by construction, so it serves inequality multipliers only.
 */
export class PIDLagrangian extends DualOptimizerBase {
  readonly name = 'PIDLagrangian';
  /** K_P. */
  readonly kp: number;
  /** K_I. */
  readonly ki: number;
  /** K_D. */
  readonly kd: number;
  /** α_p. */
  readonly alphaP: number;
  /** α_d. */
  readonly alphaD: number;
  /** Delay. */
  readonly delay: number;
  /** λ cap. */
  readonly penaltyMax: number;

  constructor(config: PIDLagrangianConfig = {}) {
    checkObject('config', config, 'an object { kp?, ki?, kd?, alphaP?, alphaD?, delay?, penaltyMax? }');
    super();
    this.kp = checkFinite('kp', config.kp ?? 0);
    this.ki = checkFinite('ki', config.ki ?? 1);
    this.kd = checkNonNegative('kd', config.kd ?? 0);
    this.alphaP = checkInRange('alphaP', config.alphaP ?? 0.95, 0, 1, '[)');
    this.alphaD = checkInRange('alphaD', config.alphaD ?? 0.95, 0, 1, '[)');
    this.delay = checkInteger('delay', config.delay ?? 10, 1);
    const cap = config.penaltyMax ?? 100;
    if (typeof cap !== 'number' || Number.isNaN(cap) || cap < 0)
      throw new PaperkitInputError('penaltyMax', cap, 'a number >= 0 (Infinity for no cap)');
    this.penaltyMax = cap;
  }

  protected bufferNames(): readonly string[] {
    const ring = Array.from({ length: this.delay }, (_, j) => `ring${j}`);
    return ['integral', 'p', 'c', 'pos', 'seen', ...ring];
  }

  protected apply(
    theta: Float64Array,
    error: ArrayLike<number>,
    observed: Int32Array | null,
    count: number,
    nonNegative: boolean,
  ): void {
    if (!nonNegative)
      throw new PaperkitInputError(
        'nonNegative',
        nonNegative,
        'true: PIDLagrangian clamps its integral and output at 0, so it only serves inequality multipliers',
      );
    const integral = this.buf('integral');
    const p = this.buf('p');
    const c = this.buf('c');
    const pos = this.buf('pos');
    const seen = this.buf('seen');
    const ring = Array.from({ length: this.delay }, (_, j) => this.buf(`ring${j}`));
    const { kp, ki, kd, alphaP, alphaD, delay, penaltyMax } = this;
    for (let k = 0; k < count; k++) {
      const i = observed ? observed[k]! : k;
      const e = error[k]!;
      if (seen[i] === 0) {
        integral[i] = theta[i]!;
        seen[i] = 1;
      }
      const I = Math.max(0, integral[i]! + ki * e);
      integral[i] = I;
      const P = alphaP * p[i]! + (1 - alphaP) * e;
      p[i] = P;
      const C = alphaD * c[i]! + (1 - alphaD) * e;
      c[i] = C;
      const slot = ring[pos[i]!]!;
      const D = Math.max(0, C - slot[i]!);
      slot[i] = C;
      pos[i] = (pos[i]! + 1) % delay;
      theta[i] = Math.min(penaltyMax, Math.max(0, kp * P + I + kd * D));
    }
  }
}
