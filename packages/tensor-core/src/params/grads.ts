import * as tf from '@tensorflow/tfjs-core';
import { checkObject, PaperkitInputError } from '../validate/errors.js';
import { ParamMap } from './param-map.js';

/** Anything with named variables: a {@link ParamMap} or a plain record of `tf.Variable`s. */
export type ParamsLike = ParamMap | Readonly<Record<string, tf.Variable>>;

/** Resolves a {@link ParamsLike} to a name → variable record (the same variables, no copies). */
export function toVariableRecord(params: ParamsLike): Record<string, tf.Variable> {
  if (params instanceof ParamMap) return params.tensors();
  checkObject('params', params, 'a ParamMap or a record of tf.Variables');
  return params as Record<string, tf.Variable>;
}

/** What {@link valueAndGrads} returns; the caller disposes `value` and every gradient. */
export interface ValueAndGrads {
  /** The loss. */
  readonly value: tf.Scalar;
  /** Gradients keyed by *parameter* name; parameters the loss does not depend on are absent. */
  readonly grads: Record<string, tf.Tensor>;
}

/**
 * The loss and its gradients with respect to named parameters: `tf.variableGrads` keys gradients by
 * each variable's global tfjs name, this keys them by the names of `params` (JAX's `value_and_grad`
 * over a named tree). Parameters the loss does not reach get no entry.
 */
export function valueAndGrads(loss: () => tf.Scalar, params: ParamsLike): ValueAndGrads {
  if (typeof loss !== 'function')
    throw new PaperkitInputError('loss', loss, 'a function returning a scalar tensor');
  const vars = toVariableRecord(params);
  const entries = Object.entries(vars);
  if (entries.length === 0) throw new PaperkitInputError('params', params, 'at least one parameter');
  for (const [n, v] of entries)
    if (!(v instanceof tf.Variable) || v.isDisposed)
      throw new PaperkitInputError(`params.${n}`, v, 'a live tf.Variable');
  const { value, grads } = tf.variableGrads(
    loss,
    entries.map(([, v]) => v),
  );
  const byName: Record<string, tf.Tensor> = {};
  for (const [n, v] of entries) {
    const g = grads[v.name];
    if (g) byName[n] = g;
  }
  return { value, grads: byName };
}
