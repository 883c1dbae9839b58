import * as tf from '@tensorflow/tfjs-core';
import { checkObject, describeValue, PaperkitInputError } from '../validate/errors.js';
import type { TransformStateJson } from './state.js';

/** Serialized optimizer state: plain JSON data, keyed by parameter name, restores bit-identically. */
export interface OptimizerState {
  /** Format tag. */
  readonly format: typeof OPTIMIZER_STATE_FORMAT;
  /** Optimizer name, checked on restore. */
  readonly optimizer: string;
  /** Steps completed (the learning-rate schedule's position). */
  readonly t: number;
  /** Shape of every parameter the optimizer has stepped, by name. */
  readonly params: Readonly<Record<string, readonly number[]>>;
  /** The state of the optimizer's transform (and of every transform inside it). */
  readonly transform: TransformStateJson;
}

/** Format tag of {@link OptimizerState}. */
export const OPTIMIZER_STATE_FORMAT = 'paperkit.optimizer/2';

/** The validated top level of a saved optimizer state. */
export interface ParsedOptimizerState {
  readonly t: number;
  readonly shapes: Map<string, readonly number[]>;
  readonly transform: unknown;
}

/**
 * Checks the top level of a saved state for optimizer `name`: the format tag, the optimizer name, a
 * non-negative integer step count and the parameter shapes (the transform states are checked by the
 * transforms). Names the field it rejects.
 */
export function parseOptimizerState(state: unknown, name: string): ParsedOptimizerState {
  const s = checkObject<OptimizerState>('state', state, 'an optimizer state from getState()');
  if (s.format !== OPTIMIZER_STATE_FORMAT)
    throw new PaperkitInputError(
      'state.format',
      s.format,
      `"${OPTIMIZER_STATE_FORMAT}" (a state from getState())`,
    );
  if (s.optimizer !== name)
    throw new PaperkitInputError('state.optimizer', s.optimizer, `"${name}" (state saved by this optimizer)`);
  if (typeof s.t !== 'number' || !Number.isSafeInteger(s.t) || s.t < 0)
    throw new PaperkitInputError('state.t', s.t, 'an integer >= 0 (steps taken)');
  checkObject('state.params', s.params, 'a record of parameter shapes');
  const shapes = new Map<string, readonly number[]>();
  for (const [n, shape] of Object.entries(s.params)) {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new PaperkitInputError(`state.params.${n}`, shape, 'a shape (an array of integers >= 0)');
    shapes.set(n, [...shape]);
  }
  return { t: s.t, shapes, transform: s.transform };
}

/** Saved parameter shapes against a parameter record: the same names with the same shapes. */
export function checkNames(
  shapes: ReadonlyMap<string, readonly number[]>,
  vars: Readonly<Record<string, tf.Variable>>,
  stateField: string,
  paramsField: string,
  exact = true,
): void {
  for (const [n, shape] of shapes) {
    const v = vars[n];
    if (v === undefined)
      throw new PaperkitInputError(
        `${stateField}.${n}`,
        n,
        `a parameter of the model (${Object.keys(vars).join(', ')}): the state was saved under other parameter names`,
      );
    if (!tf.util.arraysEqual(shape as number[], v.shape))
      throw new PaperkitInputError(
        `${stateField}.${n}`,
        describeValue([...shape]),
        `[${v.shape}] (the shape of ${paramsField}.${n})`,
      );
  }
  if (exact)
    for (const n of Object.keys(vars))
      if (!shapes.has(n))
        throw new PaperkitInputError(
          `${paramsField}.${n}`,
          n,
          `a parameter of the saved state (${[...shapes.keys()].join(', ') || 'none'}): the state has no entry for it`,
        );
}
