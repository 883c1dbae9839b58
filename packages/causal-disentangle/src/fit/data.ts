import {
  checkAllFinite,
  checkMatrix,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Training data of the estimator: rows are samples. `observations` are x^t; `previous` (x^{t−1}) makes
 * the setting temporal; `actions` are the a^{t−1} that act on z^t. At least one of the two contexts.
 */
export interface SequenceData {
  /** x^t, [n, d_x]. */
  readonly observations: MatrixLike;
  /** x^{t−1}, [n, d_x] (temporal setting). */
  readonly previous?: MatrixLike;
  /** a^{t−1}, [n, d_a] (action setting). */
  readonly actions?: MatrixLike;
}

/**
 * Consecutive pairs of one long sequence x^0 … x^{T−1} (rows of `sequence`), with the actions
 * a^0 … a^{T−1} (row t is taken at time t and acts on z^{t+1}): previous = x^0…x^{T−2},
 * observations = x^1…x^{T−1}, actions = a^0…a^{T−2}.
 */
export function pairsFromSequence(sequence: MatrixLike, actions?: MatrixLike): SequenceData {
  checkMatrix('sequence', sequence);
  if (sequence.rows < 2)
    throw new PaperkitInputError('sequence', `${sequence.rows} rows`, 'at least 2 time steps');
  const t = sequence.rows;
  const rows = (m: MatrixLike, from: number, to: number): Matrix => ({
    rows: to - from,
    cols: m.cols,
    data: Float64Array.from(Array.prototype.slice.call(m.data, from * m.cols, to * m.cols)),
  });
  if (actions !== undefined) {
    checkMatrix('actions', actions);
    if (actions.rows !== t)
      throw new PaperkitInputError('actions', `${actions.rows} rows`, `${t} rows (one per time step)`);
  }
  return {
    previous: rows(sequence, 0, t - 1),
    observations: rows(sequence, 1, t),
    ...(actions !== undefined ? { actions: rows(actions, 0, t - 1) } : {}),
  };
}

/** {@link SequenceData} checked, with its dimensions. */
export interface CheckedData {
  readonly count: number;
  readonly observedDim: number;
  /** d_a, or 0. */
  readonly actionDim: number;
  readonly temporal: boolean;
}

/** Validates shapes (same rows everywhere, d_x columns for both observation sets) and finiteness. */
export function checkSequenceData(parameter: string, data: SequenceData): CheckedData {
  if (data === null || typeof data !== 'object')
    throw new PaperkitInputError(
      parameter,
      data,
      'an object { observations, previous?, actions? } of matrices',
    );
  const x = checkMatrix(`${parameter}.observations`, data.observations);
  if (x.rows < 2 || x.cols < 1)
    throw new PaperkitInputError(
      `${parameter}.observations`,
      `a ${x.rows}×${x.cols} matrix`,
      'at least 2 rows and 1 column',
    );
  checkAllFinite(`${parameter}.observations.data`, x.data);
  const other = (name: 'previous' | 'actions', cols?: number) => {
    const m = data[name];
    if (m === undefined) return;
    checkMatrix(`${parameter}.${name}`, m);
    if (m.rows !== x.rows)
      throw new PaperkitInputError(
        `${parameter}.${name}`,
        `a ${m.rows}×${m.cols} matrix`,
        `${x.rows} rows (one per observation)`,
      );
    if (cols !== undefined && m.cols !== cols)
      throw new PaperkitInputError(
        `${parameter}.${name}`,
        `a ${m.rows}×${m.cols} matrix`,
        `${cols} columns (d_x)`,
      );
    if (m.cols < 1)
      throw new PaperkitInputError(`${parameter}.${name}`, `${m.cols} columns`, 'at least one column');
    checkAllFinite(`${parameter}.${name}.data`, m.data);
  };
  other('previous', x.cols);
  other('actions');
  if (data.previous === undefined && data.actions === undefined)
    throw new PaperkitInputError(
      parameter,
      'observations only',
      'observations with previous observations (temporal), actions, or both: the prior needs a context',
    );
  return {
    count: x.rows,
    observedDim: x.cols,
    actionDim: data.actions?.cols ?? 0,
    temporal: data.previous !== undefined,
  };
}

/** The data as float32 device tensors (uploaded once; batches are gathered on the device). */
export interface DeviceData {
  readonly x: tf.Tensor2D;
  readonly previous?: tf.Tensor2D;
  readonly actions?: tf.Tensor2D;
  dispose(): void;
}

/** Uploads checked data to the device. */
export function uploadData(data: SequenceData): DeviceData {
  const up = (m: MatrixLike) => tf.tensor2d(Float32Array.from(m.data as ArrayLike<number>), [m.rows, m.cols]);
  const x = up(data.observations);
  const previous = data.previous ? up(data.previous) : undefined;
  const actions = data.actions ? up(data.actions) : undefined;
  return {
    x,
    ...(previous ? { previous } : {}),
    ...(actions ? { actions } : {}),
    dispose: () => tf.dispose([x, ...(previous ? [previous] : []), ...(actions ? [actions] : [])]),
  };
}
