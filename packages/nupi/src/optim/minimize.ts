import {
  checkInteger,
  checkObject,
  checkPositive,
  DivergenceError,
  Optimizer,
  PaperkitInputError,
  type ParamsLike,
  SGD,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { defineConstraint } from '../constraints/constraint.js';
import { denseMultiplier } from '../constraints/multipliers.js';
import { type ConstraintState, defineProblem } from '../constraints/problem.js';
import type { DualOptimizer } from '../dual/base.js';
import { NuPI } from '../dual/nupi.js';
import { ConstrainedOptimizer } from './constrained-optimizer.js';

/** Options of {@link minimizeConstrained}. */
export interface MinimizeConstrainedOptions {
  /** The primal variables x (updated in place). */
  readonly params: ParamsLike;
  /** f(x): a one-element tensor. */
  readonly objective: () => tf.Tensor;
  /** g(x) ≤ 0, any shape (one multiplier λ ≥ 0 per entry). */
  readonly inequality?: () => tf.Tensor;
  /** h(x) = 0, any shape (one free multiplier μ per entry). */
  readonly equality?: () => tf.Tensor;
  /** Primal gradient-descent step (plain SGD). Required unless `primal` is given. */
  readonly lr?: number;
  /** A primal optimizer instead of SGD(lr); it is spent (disposed) when the solve returns. */
  readonly primal?: Optimizer;
  /** Integral gain κ_i of the νPI multiplier update; default 10·lr (Cooper's FAQ: dual ≈ 10 × primal step). */
  readonly ki?: number;
  /**
   * Proportional gain κ_p; default 2√(κ_i/lr) − 1, the critically damping gain of a unit-curvature
   * quadratic with one unit-norm constraint (the νPI analysis of the 1-D toy). Raise it if λ overshoots.
   */
  readonly kp?: number;
  /** νPI's error EMA ν ∈ (−1, 1); default 0 (use ν > 0 only for noisy constraints). */
  readonly nu?: number;
  /** Dual optimizers instead of νPI(ki, kp, nu): a factory, called once per constraint family. */
  readonly dual?: (family: 'inequality' | 'equality', size: number) => DualOptimizer;
  /** Largest number of rolls; default 10 000. */
  readonly maxSteps?: number;
  /** Convergence tolerance (see {@link ConstrainedSolution.converged}); default 1e-6. */
  readonly tol?: number;
  /** Rolls between convergence checks (each reads the loss once from the device); default 10. */
  readonly checkEvery?: number;
}

/** One constraint family at the returned point. */
export interface FamilySolution {
  /** g(x) or h(x) per entry, measured at the start of the last roll. */
  readonly violation: readonly number[];
  /** λ (inequality) or μ (equality) per entry. */
  readonly multiplier: readonly number[];
}

/** What {@link minimizeConstrained} returns (the variables hold x). */
export interface ConstrainedSolution {
  /**
   * Whether, over the last `checkEvery` rolls, x became feasible within `tol` (g ≤ tol, |h| ≤ tol),
   * the multipliers moved by at most `tol` and f by at most `tol·max(1, |f|)`.
   */
  readonly converged: boolean;
  /** Rolls taken. */
  readonly steps: number;
  /** f at the start of the last roll. */
  readonly loss: number;
  readonly inequality: FamilySolution | null;
  readonly equality: FamilySolution | null;
}

function measure(fn: () => tf.Tensor, name: string): tf.Tensor1D {
  const t = fn();
  if (!(t instanceof tf.Tensor)) throw new PaperkitInputError(name, t, 'a function returning a tf.Tensor');
  return t.reshape([-1]) as tf.Tensor1D;
}

/**
 * Solves the simple case, min f(x) s.t. g(x) ≤ 0 and/or h(x) = 0, in one call (the "much simpler worked
 * example" Cooper users asked for, cooper-org/cooper#80): dense multipliers updated by νPI, alternating
 * dual→primal rolls of plain gradient descent, until converged or `maxSteps`. For mini-batches,
 * indexed multipliers, proxy constraints or penalties use {@link ConstrainedOptimizer} directly.
 *
 * ```ts
 * const p = { x: tf.variable(tf.zeros([2])) };
 * const r = minimizeConstrained({
 *   params: p,
 *   objective: () => tf.sum(tf.square(p.x)),      // x² + y²
 *   equality: () => tf.sub(tf.sum(p.x), 1),       // x + y = 1
 *   lr: 0.05,
 * }); // p.x ≈ (0.5, 0.5), r.equality.multiplier ≈ [−1]
 * ```
 */
export function minimizeConstrained(options: MinimizeConstrainedOptions): ConstrainedSolution {
  checkObject('options', options, 'an object { params, objective, inequality?, equality?, lr, … }');
  const { objective, inequality, equality } = options;
  if (typeof objective !== 'function')
    throw new PaperkitInputError('objective', objective, 'a function () => f(x), a one-element tensor');
  for (const [name, fn] of [
    ['inequality', inequality],
    ['equality', equality],
  ] as const)
    if (fn !== undefined && typeof fn !== 'function')
      throw new PaperkitInputError(name, fn, 'a function () => tensor, or absent');
  if (!inequality && !equality)
    throw new PaperkitInputError(
      'inequality/equality',
      'neither',
      'at least one constraint function (without constraints use a plain optimizer)',
    );
  if (options.primal !== undefined && !(options.primal instanceof Optimizer))
    throw new PaperkitInputError('primal', options.primal, 'a tensor-core Optimizer or absent');
  if (options.primal === undefined && options.lr === undefined)
    throw new PaperkitInputError('lr', undefined, 'a primal step > 0 (or give a primal optimizer)');
  const lr = options.lr === undefined ? 0.01 : checkPositive('lr', options.lr);
  if (!(lr <= 10)) throw new PaperkitInputError('lr', lr, 'a step in (0, 10]');
  const ki = checkPositive('ki', options.ki ?? 10 * lr);
  const kp = options.kp ?? 2 * Math.sqrt(ki / lr) - 1;
  const maxSteps = checkInteger('maxSteps', options.maxSteps ?? 10_000, 1);
  const tol = checkPositive('tol', options.tol ?? 1e-6);
  const checkEvery = checkInteger('checkEvery', options.checkEvery ?? 10, 1);
  if (options.dual !== undefined && typeof options.dual !== 'function')
    throw new PaperkitInputError('dual', options.dual, 'a factory (family, size) => DualOptimizer');

  const sizes = tf.tidy(() => ({
    f: measure(objective, 'objective').size,
    inequality: inequality ? measure(inequality, 'inequality').size : 0,
    equality: equality ? measure(equality, 'equality').size : 0,
  }));
  if (sizes.f !== 1)
    throw new PaperkitInputError('objective', `a tensor of ${sizes.f} values`, 'a one-element tensor');
  const families = (['inequality', 'equality'] as const).filter((k) => sizes[k] > 0);
  for (const k of ['inequality', 'equality'] as const)
    if (options[k] && sizes[k] === 0)
      throw new PaperkitInputError(k, 'an empty tensor', 'at least one entry');
  const constraints = Object.fromEntries(
    families.map((kind) => [
      kind,
      defineConstraint({ kind, formulation: 'lagrangian', multiplier: denseMultiplier(sizes[kind]) }),
    ]),
  );
  const problem = defineProblem({
    constraints,
    computeState: () => ({
      loss: objective(),
      constraints: Object.fromEntries(
        families.map((k): [string, ConstraintState] => [k, { violation: measure(options[k]!, k) }]),
      ),
    }),
  });
  const dual =
    options.dual ?? ((_: 'inequality' | 'equality') => new NuPI({ lr: 1, ki, kp, nu: options.nu ?? 0 }));
  const opt = new ConstrainedOptimizer({
    problem,
    params: options.params,
    primal: options.primal ?? new SGD({ lr }),
    dual: (name: string, size: number) => dual(name as 'inequality' | 'equality', size),
  });
  let steps = 0;
  let converged = false;
  let loss = Number.NaN;
  let last: Record<string, { violation: Float64Array; multiplier: Float64Array }> = {};
  let before: { loss: number; multipliers: Record<string, Float64Array> } | null = null;
  try {
    while (steps < maxSteps && !converged) {
      const out = opt.roll();
      steps++;
      last = Object.fromEntries(
        families.map((k) => [k, { violation: out.violations[k]!.values, multiplier: out.multipliers[k]! }]),
      );
      if (steps % checkEvery === 0 || steps === maxSteps) {
        loss = out.loss!.dataSync()[0]!;
        if (!Number.isFinite(loss))
          throw new DivergenceError(steps, loss, before?.loss ?? null, 'non-finite objective');
        const feasible = families.every((k) =>
          last[k]!.violation.every((v) => (k === 'inequality' ? v : Math.abs(v)) <= tol),
        );
        converged =
          before !== null &&
          feasible &&
          Math.abs(loss - before.loss) <= tol * Math.max(1, Math.abs(loss)) &&
          families.every((k) =>
            last[k]!.multiplier.every((m, i) => Math.abs(m - before!.multipliers[k]![i]!) <= tol),
          );
        before = { loss, multipliers: Object.fromEntries(families.map((k) => [k, last[k]!.multiplier])) };
      }
      out.dispose();
    }
  } finally {
    opt.dispose();
  }
  const family = (k: 'inequality' | 'equality'): FamilySolution | null =>
    last[k] ? { violation: Array.from(last[k].violation), multiplier: Array.from(last[k].multiplier) } : null;
  return { converged, steps, loss, inequality: family('inequality'), equality: family('equality') };
}
