import {
  checkAllFinite,
  checkInteger,
  checkObject,
  type Optimizer,
  PaperkitInputError,
  type ParamsLike,
  toVariableRecord,
} from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';

/** The two constraint kinds, in Cooper's "≤ 0" convention: g(x) ≤ 0 or h(x) = 0. */
export type ConstraintKind = 'inequality' | 'equality';

/** Options of {@link denseMultiplier} and {@link indexedMultiplier}. */
export interface ExplicitMultiplierOptions {
  /** Initial value: one number for all coordinates or one per coordinate. Default 0. */
  readonly init?: number | ArrayLike<number>;
}

function initValues(size: number, init: number | ArrayLike<number> | undefined): Float64Array {
  checkInteger('size', size, 1);
  if (init === undefined) return new Float64Array(size);
  if (typeof init === 'number') {
    checkAllFinite('init', [init]);
    return new Float64Array(size).fill(init);
  }
  if (init === null || typeof init !== 'object' || init.length !== size)
    throw new PaperkitInputError('init', init, `a number or an array of ${size} numbers`);
  const v = Float64Array.from(init);
  checkAllFinite('init', v);
  return v;
}

/**
 * Multipliers stored explicitly as a `Float64Array`, one per constraint. `value` is the live vector
 * that dual optimizers update in place; `init` is kept for resets.
 */
abstract class ExplicitMultiplier {
  /** Number of constraints. */
  readonly size: number;
  /** Current values (λ or μ), updated in place by the dual step. */
  readonly value: Float64Array;
  /** Initial values. */
  readonly init: Float64Array;

  protected constructor(size: number, options: ExplicitMultiplierOptions = {}) {
    checkObject('options', options, 'an object { init? }');
    this.value = initValues(size, options.init);
    this.size = size;
    this.init = Float64Array.from(this.value);
  }

  /** Resets `value` to `init`. */
  reset(): void {
    this.value.set(this.init);
  }
}

/** Multipliers of constraints that are all measured at every step (Cooper's `DenseMultiplier`). */
export class DenseMultiplier extends ExplicitMultiplier {
  /** Discriminant. */
  readonly type = 'dense' as const;
  constructor(size: number, options?: ExplicitMultiplierOptions) {
    super(size, options);
  }
}

/**
 * Multipliers looked up by index, for constraints of which only a subset is measured per step (one per
 * sample or group; Cooper's `IndexedMultiplier`). Only the observed entries are updated, so stateful
 * dual optimizers never see zero-filled errors of unobserved entries (Cooper PR #104).
 */
export class IndexedMultiplier extends ExplicitMultiplier {
  /** Discriminant. */
  readonly type = 'indexed' as const;
  constructor(size: number, options?: ExplicitMultiplierOptions) {
    super(size, options);
  }
}

/** An explicit multiplier. */
export type ExplicitMultiplierType = DenseMultiplier | IndexedMultiplier;

/** Dense multipliers of `size` constraints (default init 0). */
export function denseMultiplier(size: number, options?: ExplicitMultiplierOptions): DenseMultiplier {
  return new DenseMultiplier(size, options);
}

/** Indexed multipliers of `size` constraints (default init 0). */
export function indexedMultiplier(size: number, options?: ExplicitMultiplierOptions): IndexedMultiplier {
  return new IndexedMultiplier(size, options);
}

interface ImplicitBase {
  /** The model's variables (its own parameters, not the primal ones). */
  readonly params: ParamsLike;
  /**
   * Maps constraint features [k, …] to multiplier values [k]. Pure in `params`; called inside
   * gradient tapes.
   */
  readonly forward: (params: Readonly<Record<string, tf.Variable>>, features: tf.Tensor) => tf.Tensor;
  /**
   * A tensor-core optimizer for the model. The dual step *ascends* the dual Lagrangian Σ λ(f)·ḡ, which
   * this class does by minimising its negative (Cooper asserts `maximize=True` instead).
   */
  readonly optimizer: Optimizer;
}

/** Configuration of {@link implicitMultiplier}; `project` exists for inequality constraints only. */
export type ImplicitMultiplierConfig =
  | (ImplicitBase & {
      readonly kind: 'inequality';
      /**
       * Restores λ ≥ 0 after each dual step (Cooper's `post_step_`), e.g. by clamping an output bias.
       * Use a no-op when the model is non-negative by construction (softplus output). Values are
       * checked to be ≥ 0 whenever they are read.
       */
      readonly project: (params: Readonly<Record<string, tf.Variable>>) => void;
    })
  | (ImplicitBase & { readonly kind: 'equality'; readonly project?: never });

/**
 * A model that predicts multipliers from constraint features (Narasimhan et al. 2020; Cooper's
 * `ImplicitMultiplier`). Its kind is part of its type, so an implicit multiplier built for an
 * inequality cannot be attached to an equality constraint.
 */
export class ImplicitMultiplier<K extends ConstraintKind = ConstraintKind> {
  /** Discriminant. */
  readonly type = 'implicit' as const;
  /** Kind of the constraint it serves. */
  readonly kind: K;
  /** The model's variables. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** Forward map. */
  readonly forward: ImplicitBase['forward'];
  /** The model's optimizer. */
  readonly optimizer: Optimizer;
  /** Projection after each dual step (inequality only). */
  readonly project: ((params: Readonly<Record<string, tf.Variable>>) => void) | undefined;

  constructor(config: ImplicitMultiplierConfig & { readonly kind: K }) {
    checkObject('config', config, 'an object { kind, params, forward, optimizer, project? }');
    if (config.kind !== 'inequality' && config.kind !== 'equality')
      throw new PaperkitInputError('kind', config.kind, '"inequality" or "equality"');
    if (typeof config.forward !== 'function')
      throw new PaperkitInputError('forward', config.forward, 'a function (params, features) => multipliers');
    if (!config.optimizer || typeof (config.optimizer as Optimizer).step !== 'function')
      throw new PaperkitInputError('optimizer', config.optimizer, 'a tensor-core Optimizer');
    const params = toVariableRecord(config.params);
    if (Object.keys(params).length === 0)
      throw new PaperkitInputError('params', config.params, 'at least one variable of the multiplier model');
    if (config.kind === 'inequality' && typeof config.project !== 'function')
      throw new PaperkitInputError(
        'project',
        config.project,
        'a function restoring λ >= 0 (inequality constraint)',
      );
    if (config.kind === 'equality' && config.project !== undefined)
      throw new PaperkitInputError(
        'project',
        'a function',
        'absent: equality multipliers are never projected',
      );
    this.kind = config.kind;
    this.params = params;
    this.forward = config.forward;
    this.optimizer = config.optimizer;
    this.project = config.project;
  }
}

/** Builds an {@link ImplicitMultiplier}; its kind comes from `config.kind`. */
export function implicitMultiplier<C extends ImplicitMultiplierConfig>(
  config: C,
): ImplicitMultiplier<C['kind']> {
  return new ImplicitMultiplier(config);
}
