import {
  checkInRange,
  checkInteger,
  checkObject,
  checkPositive,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import type { DualOptimizer } from '../dual/base.js';
import type { LabelledPoints } from './hard-margin.js';

/** Configuration of {@link simulateSvmDynamics}. */
export interface SvmDynamicsConfig {
  /** The training points. */
  readonly points: LabelledPoints;
  /** Dual update rule for the n multipliers (projected, λ ≥ 0). */
  readonly dual: DualOptimizer;
  /** Full-batch steps (P1: 5k–10k epochs). */
  readonly steps: number;
  /** Primal SGD learning rate; default 1e-3 (P1's scripts). */
  readonly primalLr?: number;
  /** Primal heavy-ball momentum (PyTorch semantics); default 0.9 (P1's scripts). */
  readonly momentum?: number;
  /** Reference multipliers: the distance ‖λ_t − λ*‖ is recorded every `recordEvery` steps. */
  readonly lambdaStar?: Float64Array;
  /** Recording period; default 50. */
  readonly recordEvery?: number;
  /** A run whose multipliers or weights exceed this magnitude is stopped as diverged; default 1e6. */
  readonly divergeAbove?: number;
}

/** Result of {@link simulateSvmDynamics}. */
export interface SvmDynamicsResult {
  /** Final multipliers. */
  readonly lambda: Float64Array;
  /** Final weights. */
  readonly w: Float64Array;
  /** Final bias. */
  readonly b: number;
  /** Whether the run was stopped for divergence. */
  readonly diverged: boolean;
  /** Steps actually taken. */
  readonly steps: number;
  /** ‖λ_t − λ*‖ at steps 0, recordEvery, … (empty without `lambdaStar`). */
  readonly distance: readonly number[];
  /** max_i violation 1 − y_i(wᵀx_i + b) at the same steps. */
  readonly maxViolation: readonly number[];
}

/**
 * The linear hard-margin SVM of P1 §5.1 as a Lagrangian game in float64: f = ½‖w‖² (bias free), one
 * inequality g_i = 1 − y_i(wᵀx_i + b) ≤ 0 per point, alternating dual→primal updates (Cooper's
 * `AlternatingDualPrimalOptimizer`, as in P1's scripts) with primal heavy-ball SGD, full batch, from
 * w = 0, b = 0, λ = 0. The gradient is analytic: ∇_w = w − Σλ_i y_i x_i, ∂_b = −Σλ_i y_i.
 */
export function simulateSvmDynamics(config: SvmDynamicsConfig): SvmDynamicsResult {
  checkObject('config', config, 'an object');
  const { points, dual } = config;
  const { x, y, n, d } = points;
  const steps = checkInteger('steps', config.steps, 1);
  const lr = checkPositive('primalLr', config.primalLr ?? 1e-3);
  const mom = checkInRange('momentum', config.momentum ?? 0.9, 0, 1, '[)');
  const every = checkInteger('recordEvery', config.recordEvery ?? 50, 1);
  const limit = checkPositive('divergeAbove', config.divergeAbove ?? 1e6);
  const star = config.lambdaStar;
  if (star !== undefined && star.length !== n)
    throw new PaperkitInputError('lambdaStar', star, `${n} multipliers`);
  const w = new Float64Array(d);
  let b = 0;
  const lambda = new Float64Array(n);
  const err = new Float64Array(n);
  const bufW = new Float64Array(d);
  let bufB = 0;
  const gw = new Float64Array(d);
  const distance: number[] = [];
  const maxViolation: number[] = [];
  let diverged = false;
  let t = 0;
  const record = () => {
    let mv = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) mv = Math.max(mv, err[i]!);
    maxViolation.push(mv);
    if (star) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (lambda[i]! - star[i]!) ** 2;
      distance.push(Math.sqrt(s));
    }
  };
  for (; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      let f = b;
      for (let k = 0; k < d; k++) f += w[k]! * x[i * d + k]!;
      err[i] = 1 - y[i]! * f;
    }
    if (t % every === 0) record();
    dual.step(lambda, err, { nonNegative: true });
    gw.set(w);
    let gb = 0;
    let big = 0;
    for (let i = 0; i < n; i++) {
      const ly = lambda[i]! * y[i]!;
      if (ly === 0) continue;
      for (let k = 0; k < d; k++) gw[k]! -= ly * x[i * d + k]!;
      gb -= ly;
      big = Math.max(big, lambda[i]!);
    }
    if (t === 0) {
      bufW.set(gw);
      bufB = gb;
    } else {
      for (let k = 0; k < d; k++) bufW[k] = mom * bufW[k]! + gw[k]!;
      bufB = mom * bufB + gb;
    }
    for (let k = 0; k < d; k++) {
      w[k]! -= lr * bufW[k]!;
      big = Math.max(big, Math.abs(w[k]!));
    }
    b -= lr * bufB;
    if (!(big < limit) || !Number.isFinite(b)) {
      diverged = true;
      t++;
      break;
    }
  }
  if (!diverged) {
    for (let i = 0; i < n; i++) {
      let f = b;
      for (let k = 0; k < d; k++) f += w[k]! * x[i * d + k]!;
      err[i] = 1 - y[i]! * f;
    }
    record();
  }
  return { lambda, w, b, diverged, steps: t, distance, maxViolation };
}
