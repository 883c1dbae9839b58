import { PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { LinearViolation, PerExampleState } from '../constraints/problem.js';

/** Checks per-example values: a non-empty float32 vector tensor. Returns n. */
export function checkPerExampleValues(parameter: string, values: unknown): number {
  if (!(values instanceof tf.Tensor) || values.rank !== 1 || values.dtype !== 'float32' || values.size === 0)
    throw new PaperkitInputError(
      parameter,
      values,
      'a non-empty float32 vector tensor (one value per example)',
    );
  return values.size;
}

/** Checks M and b of a linear violation over n values. Returns k, the number of constraints. */
export function checkLinear(parameter: string, linear: LinearViolation, n: number): number {
  if (linear === null || typeof linear !== 'object')
    throw new PaperkitInputError(parameter, linear, 'an object { matrix, offsets? }');
  const { matrix, offsets } = linear;
  if (!(matrix instanceof Float32Array) || matrix.length === 0 || matrix.length % n !== 0)
    throw new PaperkitInputError(
      `${parameter}.matrix`,
      matrix,
      `a Float32Array of n×k entries (n = ${n} per-example values, k ≥ 1 constraints)`,
    );
  const k = matrix.length / n;
  if (offsets !== undefined && (!(offsets instanceof Float32Array) || offsets.length !== k))
    throw new PaperkitInputError(
      `${parameter}.offsets`,
      offsets,
      `a Float32Array of ${k} entries, or absent`,
    );
  return k;
}

/**
 * g̃ = vᵀM − b as a tensor ([k]) from per-example values v ([n]) and a host matrix M (row-major
 * [n, k]): what a {@link LinearViolation} stands for, for formulations that need the violation itself
 * (penalties, augmented Lagrangians, strict readings) and for inspection. One taped op whose backward
 * is the matMul autodiff would take (dv = dy Mᵀ, the same kernel on the same operands, so the same
 * numbers) without the tape nodes, saved copies and reshape gradients of the ops around it.
 * @param values v, a float32 vector tensor [n]
 * @param matrix M, row-major [n, k]
 * @param offsets b, [k]; default none
 */
export function linearViolation(
  values: tf.Tensor1D,
  matrix: Float32Array,
  offsets?: Float32Array,
): tf.Tensor1D {
  const n = checkPerExampleValues('values', values);
  const k = checkLinear('linear', { matrix, ...(offsets ? { offsets } : {}) }, n);
  // M is uploaded again for the backward pass rather than saved: an upload is cheaper than the
  // copy a saved tensor costs, and the host matrix is at hand.
  const m = () => tf.tensor2d(matrix, [n, k]);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const gaps = tf.reshape(tf.matMul(tf.reshape(args[0] as tf.Tensor1D, [1, n]), m()), [k]);
    return {
      value: offsets ? tf.sub(gaps, tf.tensor1d(offsets)) : gaps,
      gradFunc: (dy: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(dy, [1, k]), m(), false, true), [n]),
    };
  });
  return op(values) as tf.Tensor1D;
}

/** f = aᵀv of a per-example objective (`mean`: the mean, as `tf.mean` computes it). */
export function perExampleObjective(per: PerExampleState): tf.Scalar {
  if (per.objective === 'mean') return tf.mean(per.values) as tf.Scalar;
  return tf.sum(tf.mul(tf.tensor1d(per.objective!), per.values)) as tf.Scalar;
}

/** One linear family's part of the weights: M, b and its multipliers λ̄ (aligned with M's columns). */
export interface WeightedFamily {
  readonly linear: LinearViolation;
  readonly lambda: ArrayLike<number>;
}

/**
 * The per-example weights w = a + Σ M λ̄ and the constant c = Σ λ̄ᵀb of the primal Lagrangian
 * f + Σ λ̄ᵀ(vᵀM − b) = wᵀv − c, in float64 (w is rounded once, to float32).
 * @param n the number of per-example values
 * @param objective a of f = aᵀv, or undefined when f is not per-example
 */
export function exampleWeights(
  n: number,
  objective: PerExampleState['objective'],
  families: readonly WeightedFamily[],
): { weights: Float32Array; constant: number } {
  const w = new Float64Array(n);
  if (objective === 'mean') w.fill(1 / n);
  else if (objective) w.set(objective);
  let constant = 0;
  for (const { linear, lambda } of families) {
    const k = lambda.length;
    const M = linear.matrix;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += M[i * k + j]! * lambda[j]!;
      w[i]! += s;
    }
    if (linear.offsets) for (let j = 0; j < k; j++) constant += linear.offsets[j]! * lambda[j]!;
  }
  return { weights: Float32Array.from(w), constant };
}
