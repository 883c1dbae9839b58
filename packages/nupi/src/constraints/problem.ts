import { checkObject, PaperkitInputError } from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';
import { type Constraint, isConstraint } from './constraint.js';

/**
 * What the problem measured for one constraint family at the current primal point (Cooper's
 * `ConstraintState`).
 */
export interface ConstraintState {
  /**
   * The violation g̃(x) (or h̃(x)), differentiable w.r.t. the primal variables: a scalar or a vector
   * with one entry per observed constraint. Positive means violated. Enters the primal Lagrangian.
   * Give it or `linear`, not both.
   */
  readonly violation?: tf.Tensor;
  /**
   * The violation as a fixed linear map of the state's per-example values v
   * ({@link ProblemState.perExample}): g̃ = vᵀM − b, instead of a `violation` tensor. Group-average
   * constraints (a group's mean loss minus the overall mean, a rate over a subset) have this form; the
   * optimizer then folds the family into one per-example weighting of v (see {@link PerExampleState}).
   */
  readonly linear?: LinearViolation;
  /**
   * The "strict" violation g(x) used for the dual step and penalty updates, possibly not
   * differentiable (proxy constraints, Cotter et al. 2019): e.g. a hard-prediction rate while
   * `violation` is its sigmoid surrogate. A tensor (read once per roll, batched with the others) or
   * host numbers. Defaults to `violation`'s values.
   */
  readonly strictViolation?: tf.Tensor | ArrayLike<number> | number;
  /** Which constraints `violation` measures (indexed multipliers/penalties): unique-or-not indices. */
  readonly indices?: Int32Array;
  /** Which constraints `strictViolation` measures; requires `strictViolation`. Defaults to `indices`. */
  readonly strictIndices?: Int32Array;
  /** Features of the measured constraints for an implicit multiplier, [k, …]. */
  readonly features?: tf.Tensor;
  /** Features for the dual step; requires `strictViolation`. Defaults to `features`. */
  readonly strictFeatures?: tf.Tensor;
  /** Whether it enters the primal Lagrangian this step; default true. */
  readonly contributesToPrimal?: boolean;
  /**
   * Whether it drives the dual step this step; default true. Set false on mini-batch states to update
   * the multipliers only from, e.g., a full-data evaluation every epoch (P1's fairness setup).
   */
  readonly contributesToDual?: boolean;
}

/** g̃ = vᵀM − b for the per-example values v of a {@link PerExampleState} (n values, k constraints). */
export interface LinearViolation {
  /** M, row-major [n, k]: column j holds the weights of constraint j over the n examples. */
  readonly matrix: Float32Array;
  /** b, [k] (constants, e.g. a reference model's gaps); default 0. */
  readonly offsets?: Float32Array;
}

/**
 * Per-example values v (e.g. per-example losses) that the objective and the `linear` families are
 * linear in. When every primal family is a Lagrangian one with an explicit multiplier, the primal
 * Lagrangian f + Σ λ̄ᵀ(vᵀM − b) is evaluated as wᵀv − λ̄ᵀb with w = a + Σ Mλ̄ computed on the host after
 * the dual step: one weighted sum whose backward is one product (dv = dy·w), whatever the number of
 * constraints, instead of a matrix product per family and their gradients. The numbers equal the
 * per-family composition up to float32 rounding (the sums are associated differently).
 */
export interface PerExampleState {
  /** v, a float32 vector [n], differentiable w.r.t. the primal variables. */
  readonly values: tf.Tensor1D;
  /**
   * The objective as f = aᵀv: `mean` (a = 1/n) or the weights a ([n]). The optimizer then builds f
   * itself (reported as `RollOut.loss`), so `loss` must be absent. Omit to give f as `loss`.
   */
  readonly objective?: 'mean' | Float32Array;
}

/** Everything the problem measured at one primal point (Cooper's `CMPState`). */
export interface ProblemState<N extends string = string> {
  /**
   * The objective f(x), a one-element tensor; may be absent when only constraints matter (and in
   * `computeViolations`), or when `perExample.objective` gives it.
   */
  readonly loss?: tf.Tensor;
  /** Per-example values for `linear` families and a per-example objective. */
  readonly perExample?: PerExampleState;
  /** States of the constraints observed at this step; an absent name is not observed. */
  readonly constraints: Readonly<Partial<Record<N, ConstraintState>>>;
  /** Extra tensors to carry out of the roll (kept alive until `RollOut.dispose()`). */
  readonly misc?: Readonly<Record<string, tf.Tensor>>;
}

/** A constrained minimisation problem: min f(x) s.t. g(x) ≤ 0, h(x) = 0 (Cooper's CMP). */
export interface ConstrainedProblem<N extends string = string, Ctx = void> {
  /** The constraint families by name. */
  readonly constraints: Readonly<Record<N, Constraint>>;
  /**
   * Measures loss and constraints at the current primal point. Runs inside a gradient tape, must be
   * pure in the primal variables, and must not dispose what it returns.
   */
  computeState(ctx: Ctx): ProblemState<N>;
  /**
   * Optional cheaper violations-only measurement (no loss) used by the `primalDual` order at x_{t+1};
   * runs without a tape.
   */
  computeViolations?(ctx: Ctx): ProblemState<N>;
}

/** Input of {@link defineProblem}. */
export interface ProblemDefinition<C extends Record<string, Constraint>, Ctx> {
  /** Named constraint families, from {@link defineConstraint}. */
  readonly constraints: C;
  /** See {@link ConstrainedProblem.computeState}. */
  computeState(ctx: Ctx): ProblemState<keyof C & string>;
  /** See {@link ConstrainedProblem.computeViolations}. */
  computeViolations?(ctx: Ctx): ProblemState<keyof C & string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Declares a problem. Constraint names key the states `computeState` returns (checked at compile time
 * through the generic) and the multipliers in saved state.
 */
export function defineProblem<const C extends Record<string, Constraint>, Ctx = void>(
  definition: ProblemDefinition<C, Ctx>,
): ConstrainedProblem<keyof C & string, Ctx> & { readonly constraints: C } {
  checkObject('problem', definition, 'an object { constraints, computeState, computeViolations? }');
  checkObject('constraints', definition.constraints, 'an object of named constraints');
  for (const [name, c] of Object.entries(definition.constraints)) {
    if (!NAME.test(name))
      throw new PaperkitInputError('constraints', name, 'names made of letters, digits, _ . -');
    if (!isConstraint(c))
      throw new PaperkitInputError(`constraints.${name}`, c, 'a constraint from defineConstraint()');
  }
  if (typeof definition.computeState !== 'function')
    throw new PaperkitInputError('computeState', definition.computeState, 'a function (ctx) => ProblemState');
  if (definition.computeViolations !== undefined && typeof definition.computeViolations !== 'function')
    throw new PaperkitInputError('computeViolations', definition.computeViolations, 'a function or absent');
  return definition as ConstrainedProblem<keyof C & string, Ctx> & { readonly constraints: C };
}
