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
   */
  readonly violation: tf.Tensor;
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

/** Everything the problem measured at one primal point (Cooper's `CMPState`). */
export interface ProblemState<N extends string = string> {
  /**
   * The objective f(x), a one-element tensor; may be absent when only constraints matter (and in
   * `computeViolations`).
   */
  readonly loss?: tf.Tensor;
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
