import {
  checkInRange,
  checkInteger,
  checkObject,
  checkOneOf,
  checkPositive,
  DivergenceError,
  PaperkitInputError,
  type Rng,
} from '@paperkit/tensor-core';
import type { DualOptimizer } from '../dual/base.js';

/** Labelled rows for {@link simulateRateConstraint}: `x` row-major `n × d`, labels `y` in {0, 1}. */
export interface RateData {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
}

/**
 * Balanced two-class data x ~ N(±𝟙, I_d): the first half has label 1 and mean +𝟙, the second label 0
 * and mean −𝟙. The unconstrained logistic regression predicts positive about half the time.
 */
export function rateData(rng: Rng, n: number, d = 2): RateData {
  checkInteger('n', n, 2);
  checkInteger('d', d, 1);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i < n / 2 ? 1 : 0;
    for (let k = 0; k < d; k++) x[i * d + k] = (y[i] ? 1 : -1) + rng.normal();
  }
  return { x, y, n, d };
}

/** Configuration of {@link simulateRateConstraint}. */
export interface RateConstraintConfig {
  readonly data: RateData;
  /** Dual update rule for the one multiplier (projected, λ ≥ 0). */
  readonly dual: DualOptimizer;
  /** Full-batch rolls. */
  readonly steps: number;
  /** Primal gradient-descent step; default 0.5. */
  readonly lr?: number;
  /** Rate bound: mean predicted-positive rate ≤ target; default 0.3. */
  readonly target?: number;
  /**
   * What the dual step sees: `smooth` (default) the differentiable rate mean σ(z) that the primal step
   * also uses, or `hard` the share of positive predictions, a proxy constraint (Cotter et al. 2019):
   * the primal descends the surrogate, the dual ascends the true, quantised rate.
   */
  readonly strict?: 'smooth' | 'hard';
}

/** Trajectory of {@link simulateRateConstraint}. */
export interface RateConstraintTrajectory {
  /** λ after each roll (length T). */
  readonly lambda: Float64Array;
  /** Smooth violation mean σ(z_t) − target at each roll's iterate (length T). */
  readonly violation: Float64Array;
  /** The violation the dual step received (equal to `violation` unless `strict: 'hard'`). */
  readonly strict: Float64Array;
  /** Training accuracy, smooth rate and hard rate at the final iterate. */
  readonly accuracy: number;
  readonly rate: number;
  readonly hardRate: number;
}

/**
 * Rate-constrained logistic regression, min mean BCE s.t. mean σ(wᵀx + b) ≤ target, in float64 on the
 * host with the dual→primal order of `ConstrainedOptimizer` (λ_{t+1} from g(x_t), then a gradient step
 * on f + λ_{t+1}·g̃ from x_t), from w = 0, b = 0, λ = 0. Float64 matters: the multiplier's oscillation
 * decays geometrically, and float32 rounding of the rate (~1e-8) would replace its tail with noise, so
 * raw sign-change counts are only meaningful here.
 */
export function simulateRateConstraint(config: RateConstraintConfig): RateConstraintTrajectory {
  checkObject('config', config, 'an object { data, dual, steps, lr?, target?, strict? }');
  const { data, dual } = config;
  checkObject('data', data, 'rate data { x, y, n, d } (see rateData)');
  const { x, y, n, d } = data;
  if (!(x instanceof Float64Array) || x.length !== n * d || !(y instanceof Float64Array) || y.length !== n)
    throw new PaperkitInputError('data', data, 'x of n·d and y of n float64 values');
  if (!dual || typeof dual.step !== 'function') throw new PaperkitInputError('dual', dual, 'a DualOptimizer');
  const steps = checkInteger('steps', config.steps, 1);
  const lr = checkPositive('lr', config.lr ?? 0.5);
  const target = checkInRange('target', config.target ?? 0.3, 0, 1, '()');
  const hard = checkOneOf('strict', config.strict ?? 'smooth', ['smooth', 'hard'] as const) === 'hard';
  const w = new Float64Array(d);
  let b = 0;
  const s = new Float64Array(n);
  const theta = new Float64Array(1);
  const err = new Float64Array(1);
  const grad = new Float64Array(d);
  const lambda = new Float64Array(steps);
  const violation = new Float64Array(steps);
  const strict = new Float64Array(steps);
  const measure = () => {
    let rate = 0;
    let positive = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let k = 0; k < d; k++) z += w[k]! * x[i * d + k]!;
      s[i] = 1 / (1 + Math.exp(-z));
      rate += s[i]!;
      if (z > 0) positive++;
      if (z > 0 === (y[i] === 1)) correct++;
    }
    return { rate: rate / n, hardRate: positive / n, accuracy: correct / n };
  };
  for (let t = 0; t < steps; t++) {
    const m = measure();
    violation[t] = m.rate - target;
    strict[t] = hard ? m.hardRate - target : violation[t]!;
    err[0] = strict[t]!;
    dual.step(theta, err, { nonNegative: true });
    const lam = theta[0]!;
    lambda[t] = lam;
    // ∇[BCE + λ(mean σ − target)] = mean[(σ − y) + λσ(1 − σ)]·(x, 1).
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const r = s[i]! - y[i]! + lam * s[i]! * (1 - s[i]!);
      for (let k = 0; k < d; k++) grad[k]! += r * x[i * d + k]!;
      gb += r;
    }
    for (let k = 0; k < d; k++) w[k]! -= (lr * grad[k]!) / n;
    b -= (lr * gb) / n;
    if (!Number.isFinite(b) || !Number.isFinite(lam))
      throw new DivergenceError(
        t,
        Number.NaN,
        null,
        `λ = ${lam}, b = ${b} at roll ${t}; lower lr or the dual gains`,
      );
  }
  const last = measure();
  return { lambda, violation, strict, ...last };
}
