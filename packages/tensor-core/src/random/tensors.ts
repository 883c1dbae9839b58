import * as tf from '@tensorflow/tfjs-core';
import { checkFinite, checkInRange, checkShape, PaperkitInputError } from '../validate/errors.js';
import type { Rng } from './rng.js';

/**
 * Seeded tensor samplers. tfjs's own random ops build a fresh generator from their `seed` argument on
 * every call (and treat seed 0 as unseeded), so each call here takes a fresh non-zero seed from the
 * stream: repeated calls differ, and the same stream replays the same tensors.
 */

/** A tensor of i.i.d. normal deviates drawn on the device. */
export function randomNormal(rng: Rng, shape: number[], mean = 0, std = 1): tf.Tensor {
  checkShape('shape', shape);
  return tf.randomNormal(shape, mean, std, 'float32', rng.opSeed());
}

/** A tensor of i.i.d. uniforms on [lo, hi) drawn on the device. */
export function randomUniform(rng: Rng, shape: number[], lo = 0, hi = 1): tf.Tensor {
  checkShape('shape', shape);
  checkFinite('lo', lo);
  checkFinite('hi', hi);
  if (hi < lo) throw new PaperkitInputError('hi', hi, `a number >= lo (${lo})`);
  return tf.randomUniform(shape, lo, hi, 'float32', rng.opSeed());
}

/** A tensor of truncated normal deviates (|z| < 2 std), as common weight initialisers use. */
export function truncatedNormal(rng: Rng, shape: number[], mean = 0, std = 1): tf.Tensor {
  checkShape('shape', shape);
  return tf.truncatedNormal(shape, mean, std, 'float32', rng.opSeed());
}

/** A {0,1} float mask with keep probability `keep`, for dropout. */
export function bernoulliMask(rng: Rng, shape: number[], keep: number): tf.Tensor {
  checkShape('shape', shape);
  checkInRange('keep', keep, 0, 1);
  return tf.tidy(() =>
    tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', rng.opSeed()), keep), 'float32'),
  );
}
