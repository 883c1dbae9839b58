import type * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../validate/errors.js';
import type { JsonObject, TransformState } from './state.js';
import type { Updates } from './updates.js';

/** What a transform sees about the step in progress. */
export interface StepContext {
  /**
   * 1-based index of the step being taken: the host optimizer's completed steps + 1, or a
   * combinator's own count for the transforms inside it (a parameter group's steps, SAM's steps).
   */
  readonly t: number;
  /** Learning rate in force for this step (the host's schedule, or a parameter group's own). */
  readonly lr: number;
  /** Names of the parameters being updated, in order (the keys of the incoming updates). */
  readonly names: readonly string[];
  /**
   * The parameters, in the basis the transform works in (a rotation hands its inner transforms the
   * rotated parameters). Read them; only the parameter-space phases may write parameters.
   */
  readonly params: Readonly<Record<string, tf.Tensor>>;
}

/** States of transforms taken over from an optimizer being wrapped, by transform. */
export type Adoption = ReadonlyMap<GradientTransformation, TransformState>;

/**
 * A gradient transformation in the spirit of optax: a small, reusable descriptor (`kind`, JSON
 * `options`) plus functions of explicit state. The optimizer that runs it calls `init` once and owns
 * the state; a transform object can therefore serve many optimizers. A step runs the phases in order:
 *
 * 1. `beforeStep(params, state, ctx)`: parameter space, before anything is computed (e.g. SAM
 *    restoring the weights it perturbed);
 * 2. `update(updates, state, ctx)`: gradient space, the gradients in, the update `u` out
 *    (e.g. clipping, Adam's moments, momentum, rotating into a basis, the learning rate);
 * 3. the optimizer writes `p ← p · paramScale(p) − u` (the scale is decoupled weight decay, applied
 *    to the weights like PyTorch's AdamW, not added to the update);
 * 4. `afterStep(params, state, ctx)`: parameter space after the write (e.g. a proximal step,
 *    re-applying a pruning mask, a projection, nowcasting).
 *
 * Transforms without state omit `init` and get `undefined`; they do not appear in saved state, so
 * adding or removing one (clipping, a learning-rate scale) never invalidates a checkpoint.
 * Tensors returned by `update` are cleaned up by the step's `tf.tidy`; never dispose the inputs.
 */
export interface GradientTransformation<S extends TransformState | undefined = TransformState | undefined> {
  /** Kind name, recorded in saved state and checked on restore. */
  readonly kind: string;
  /** The options that define what the state means (e.g. β's), recorded in saved state and compared on restore. */
  readonly options?: JsonObject;
  /** Creates the state; `adopt` carries states of wrapped transforms taken over from another optimizer. */
  init?(adopt?: Adoption): S;
  /** The gradient-space phase. */
  update(updates: Updates, state: S, ctx: StepContext): Updates;
  /** Parameter-space phase before the update (see the class comment). */
  beforeStep?(params: Readonly<Record<string, tf.Variable>>, state: S, ctx: StepContext): void;
  /** Factor multiplying parameter `name` before the update is subtracted (decoupled weight decay). */
  paramScale?(name: string, state: S, ctx: StepContext): number;
  /** Parameter-space phase after the update was written. */
  afterStep?(params: Readonly<Record<string, tf.Variable>>, state: S, ctx: StepContext): void;
  /**
   * The whole step (update and write) in one native pass per parameter, when the chain's arithmetic
   * has a bit-identical fused kernel (Adam, AdamW, momentum SGD without clipping): returns false to
   * run the phases instead. Only the host optimizer calls it, and never for a wrapped transform.
   */
  fusedStep?(
    params: Readonly<Record<string, tf.Variable>>,
    grads: Readonly<Record<string, tf.Tensor>>,
    state: S,
    ctx: StepContext,
  ): boolean;
}

/** Any transform (state type erased), as combinators hold them. */
export type AnyTransform = GradientTransformation<TransformState | undefined>;

/** Checks that `t` looks like a {@link GradientTransformation}, naming `parameter` otherwise. */
export function checkTransform(parameter: string, t: unknown): AnyTransform {
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof (t as AnyTransform).kind !== 'string' ||
    typeof (t as AnyTransform).update !== 'function'
  )
    throw new PaperkitInputError(parameter, t, 'a gradient transformation { kind, update, init?, … }');
  return t as AnyTransform;
}

/** The state of `t` for a combinator: adopted from a wrapped optimizer if given, else fresh. */
export function initChild(t: AnyTransform, adopt?: Adoption): TransformState | undefined {
  return adopt?.get(t) ?? t.init?.(adopt);
}
