import {
  adamCorrections64,
  adamStep64,
  checkInRange,
  checkNonNegative,
  checkObject,
  checkPositive,
  firstMoment64,
  secondMoment64,
} from '@paperkit/tensor-core';
import { DualOptimizerBase } from './base.js';

/** Configuration of {@link DualAdam}. */
export interface DualAdamConfig {
  /** Step size ≥ 0. */
  readonly lr: number;
  /** β₁ in [0, 1); default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1); default 0.999. */
  readonly beta2?: number;
  /** ε > 0 outside the square root; default 1e-8. */
  readonly eps?: number;
}

/**
 * Adam ascent on the multipliers (PyTorch semantics, ε outside the root), for P1's ablation showing
 * that adaptive dual steps do not fix GDA oscillations (so never a default). Bias correction
 * uses each coordinate's own observation count, so an indexed multiplier updated on a subset of steps
 * follows exactly the dense Adam trajectory of its own error sequence (PyTorch's `SparseAdam` uses the
 * global step instead; we record this difference in the README).
 */
export class DualAdam extends DualOptimizerBase {
  readonly name = 'DualAdam';
  /** Step size. */
  readonly lr: number;
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** ε. */
  readonly eps: number;

  constructor(config: DualAdamConfig) {
    checkObject('config', config, 'an object { lr, beta1?, beta2?, eps? }');
    super();
    this.lr = checkNonNegative('lr', config.lr);
    this.beta1 = checkInRange('beta1', config.beta1 ?? 0.9, 0, 1, '[)');
    this.beta2 = checkInRange('beta2', config.beta2 ?? 0.999, 0, 1, '[)');
    this.eps = checkPositive('eps', config.eps ?? 1e-8);
  }

  protected bufferNames(): readonly string[] {
    return ['m', 'v', 'count'];
  }

  protected apply(
    theta: Float64Array,
    error: ArrayLike<number>,
    observed: Int32Array | null,
    count: number,
    nonNegative: boolean,
  ): void {
    const m = this.buf('m');
    const v = this.buf('v');
    const n = this.buf('count');
    const { lr, beta1, beta2, eps } = this;
    for (let k = 0; k < count; k++) {
      const i = observed ? observed[k]! : k;
      const e = error[k]!;
      const t = n[i]! + 1;
      n[i] = t;
      // tensor-core's Float64 Adam, with each coordinate's own count as t.
      const mi = firstMoment64(m[i]!, e, beta1);
      const vi = secondMoment64(v[i]!, e, beta2);
      m[i] = mi;
      v[i] = vi;
      const c = adamCorrections64(t, lr, this);
      const step = adamStep64(mi, vi, c.stepSize, c.sqrtBc2, eps);
      const th = theta[i]! + step;
      // Branch-free max(v, 0): exact for v > 0, +0 otherwise. Multipliers at the boundary make
      // `v > 0 ? v : 0` a mispredicted branch per coordinate (~10x slower than an axpy at m = 1e5).
      theta[i] = nonNegative ? (th + Math.abs(th)) * 0.5 : th;
    }
  }
}
