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

/**
 * Inverted-dropout multipliers of `shape`: 0 with probability `rate`, else 1/(1 − rate), drawn on the
 * host from `rng` (one uint32 per unit) and uploaded once. Cheaper than {@link bernoulliMask} on wasm
 * and cpu, where a seeded `tf.randomUniform` generates per element in JS and at 10⁵–10⁶ units per batch
 * costs more than an MLP's matmuls.
 */
export function dropoutMask(rng: Rng, shape: number[], rate: number): tf.Tensor {
  checkShape('shape', shape);
  checkInRange('rate', rate, 0, 1, '[)');
  const size = shape.reduce((a, b) => a * b, 1);
  const mask = new Float32Array(size);
  const keep = 1 / (1 - rate);
  const cut = rate * 2 ** 32;
  for (let i = 0; i < size; i++) mask[i] = rng.nextUint32() >= cut ? keep : 0;
  return tf.tensor(mask, shape, 'float32');
}

/** A {0,1} float mask with keep probability `keep`, for dropout. */
export function bernoulliMask(rng: Rng, shape: number[], keep: number): tf.Tensor {
  checkShape('shape', shape);
  checkInRange('keep', keep, 0, 1);
  return tf.tidy(() =>
    tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', rng.opSeed()), keep), 'float32'),
  );
}
