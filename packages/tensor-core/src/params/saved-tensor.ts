import * as tf from '@tensorflow/tfjs-core';
import { checkObject, PaperkitInputError } from '../validate/errors.js';

/**
 * A tensor as plain JSON data: its shape and its float32 values (every float32 is exactly a JSON
 * number, so a save → `JSON.stringify` → `JSON.parse` → load round trip is bit-identical).
 */
export interface SavedTensor {
  /** Shape of the tensor. */
  readonly shape: number[];
  /** Values in row-major order. */
  readonly data: number[];
}

/** Copies a tensor to the host as a {@link SavedTensor} (one synchronous read). */
export function saveTensor(t: tf.Tensor): SavedTensor {
  return { shape: [...t.shape], data: Array.from(t.dataSync()) };
}

/**
 * Validates saved tensor data without creating a tensor: an object `{ shape, data }` with a shape of
 * non-negative integers (equal to `shape` when given), as many values as the shape holds, all finite.
 * `field` names the value in errors (e.g. `state.slots.w.m`).
 */
export function checkSavedTensor(field: string, value: unknown, shape?: readonly number[]): SavedTensor {
  const s = checkObject<SavedTensor>(field, value, 'a saved tensor { shape, data }');
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new PaperkitInputError(`${field}.shape`, s.shape, 'an array of integers >= 0');
  if (shape !== undefined && !tf.util.arraysEqual(s.shape, shape as number[]))
    throw new PaperkitInputError(`${field}.shape`, s.shape, `[${shape}] (the parameter's shape)`);
  const size = s.shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(s.data) || s.data.length !== size)
    throw new PaperkitInputError(
      `${field}.data`,
      s.data,
      `an array of ${size} numbers (the size of [${s.shape}])`,
    );
  for (let i = 0; i < size; i++) {
    const x = s.data[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new PaperkitInputError(`${field}.data[${i}]`, x, 'a finite number');
  }
  return s;
}

/** A float32 tensor from validated saved data (see {@link checkSavedTensor}); the caller owns it. */
export function loadTensor(field: string, value: unknown, shape?: readonly number[]): tf.Tensor {
  const s = checkSavedTensor(field, value, shape);
  return tf.tensor(s.data, s.shape, 'float32');
}
