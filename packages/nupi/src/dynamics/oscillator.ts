import {
  checkFinite,
  checkInteger,
  checkObject,
  checkOneOf,
  checkPositive,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import type { DualOptimizer } from '../dual/base.js';

/** The 1-D KKT toy of the headline (ours, not in P1): min ½(x − c)² s.t. g(x) = x − d ≤ 0, primal gradient descent. */
export interface ToyKktConfig {
  /** Dual update rule for λ (e.g. `new NuPI({ lr: 1, ki: 0.5, kp: 5 })`). */
  readonly dual: DualOptimizer;
  /** Number of updates. */
  readonly steps: number;
  /** Primal step α; default 0.05. */
  readonly alpha?: number;
  /** Unconstrained optimum c; default 2. */
  readonly c?: number;
  /** Constraint level d (x ≤ d); default 1. */
  readonly d?: number;
  /** Start x₀; default 0. */
  readonly x0?: number;
  /** Start λ₀ ≥ 0; default 0. */
  readonly lambda0?: number;
  /** `dualPrimal` (λ first, then x with λ_{t+1}; default) or `simultaneous`. */
  readonly order?: 'dualPrimal' | 'simultaneous';
}

/** Trajectories of {@link simulateToyKkt}. */
export interface ToyKktTrajectory {
  /** x₀ … x_T (length T+1). */
  readonly x: Float64Array;
  /** λ₀ … λ_T (length T+1). */
  readonly lambda: Float64Array;
  /** g(x_t) = x_t − d fed to the dual at update t (length T). */
  readonly g: Float64Array;
  /** max(|x_{t+1} − x*|, |λ_{t+1} − λ*|) after update t (length T), with x* = d, λ* = c − d when c > d. */
  readonly distance: Float64Array;
}

/**
 * Simulates the toy in float64 with any dual optimizer (projected: λ ≥ 0). With α = 0.05 and κ_i = 0.5,
 * u = x − d obeys ü + α(1 + κ_p)u̇ + ακ_i u ≈ 0, so GA is underdamped (ζ ≈ 0.16) and κ_p ≈ 5.3 is
 * critical ({@link dampingRatio}).
 */
export function simulateToyKkt(config: ToyKktConfig): ToyKktTrajectory {
  checkObject('config', config, 'an object');
  if (!config.dual || typeof config.dual.step !== 'function')
    throw new PaperkitInputError('dual', config.dual, 'a DualOptimizer');
  const steps = checkInteger('steps', config.steps, 1);
  const alpha = checkPositive('alpha', config.alpha ?? 0.05);
  const c = checkFinite('c', config.c ?? 2);
  const d = checkFinite('d', config.d ?? 1);
  const lambda0 = checkFinite('lambda0', config.lambda0 ?? 0);
  if (lambda0 < 0) throw new PaperkitInputError('lambda0', lambda0, 'a number >= 0 (inequality multiplier)');
  const order = checkOneOf('order', config.order ?? 'dualPrimal', ['dualPrimal', 'simultaneous'] as const);
  const x = new Float64Array(steps + 1);
  const lambda = new Float64Array(steps + 1);
  const g = new Float64Array(steps);
  const distance = new Float64Array(steps);
  x[0] = checkFinite('x0', config.x0 ?? 0);
  lambda[0] = lambda0;
  const lamStar = Math.max(0, c - d);
  const xStar = Math.min(c, d);
  const theta = Float64Array.of(lambda0);
  const err = new Float64Array(1);
  for (let t = 0; t < steps; t++) {
    const xt = x[t]!;
    const lamT = theta[0]!;
    g[t] = xt - d;
    err[0] = g[t]!;
    config.dual.step(theta, err, { nonNegative: true });
    const lamUsed = order === 'dualPrimal' ? theta[0]! : lamT;
    x[t + 1] = xt - alpha * (xt - c + lamUsed);
    lambda[t + 1] = theta[0]!;
    distance[t] = Math.max(Math.abs(x[t + 1]! - xStar), Math.abs(lambda[t + 1]! - lamStar));
  }
  return { x, lambda, g, distance };
}

/**
 * Damping ratio of the continuous-time toy (our analysis): ζ = (1 + κ_p)·√α / (2√κ_i), ν = 0.
 * ζ < 1 oscillates, ζ = 1 is critical, ζ > 1 is overdamped.
 */
export function dampingRatio(alpha: number, ki: number, kp: number): number {
  checkPositive('alpha', alpha);
  checkPositive('ki', ki);
  checkFinite('kp', kp);
  return ((1 + kp) * Math.sqrt(alpha)) / (2 * Math.sqrt(ki));
}

/** The critically damping proportional gain κ_p* = 2√(κ_i/α) − 1 of the toy. */
export function criticalKp(alpha: number, ki: number): number {
  checkPositive('alpha', alpha);
  checkPositive('ki', ki);
  return 2 * Math.sqrt(ki / alpha) - 1;
}
