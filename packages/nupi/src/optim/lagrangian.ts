import * as tf from '@tensorflow/tfjs-core';
import type { ConstraintKind } from '../constraints/multipliers.js';
import { ImplicitMultiplier } from '../constraints/multipliers.js';
import type { PenaltyCoefficient } from '../constraints/penalty.js';
import type { Observation } from './observe.js';

/** Identity forward, zero backward: the "bar" (detach) of the Lagrangian terms. */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }),
) as (x: tf.Tensor) => tf.Tensor;

/** `values` at `indices` (or all of them) as a float32 vector tensor. */
export function gatherHost(values: Float64Array, indices: Int32Array | null | undefined): tf.Tensor1D {
  if (!indices) return tf.tensor1d(Float32Array.from(values));
  const out = new Float32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]!]!;
  return tf.tensor1d(out);
}

/** Penalty values aligned with the violation entries (a shared scalar broadcasts). */
export function penaltyHost(
  p: PenaltyCoefficient,
  count: number,
  indices: Int32Array | null | undefined,
): Float64Array {
  if (p.type === 'indexed') {
    const out = new Float64Array(count);
    for (let k = 0; k < count; k++) out[k] = p.value[indices![k]!]!;
    return out;
  }
  if (p.size === 1) return new Float64Array(count).fill(p.value[0]!);
  return p.value;
}

/**
 * Quadratic-penalty term ½Σ c·relu(g)² (inequality) or ½Σ c·h² (equality), Nocedal & Wright eq. 17.7.
 * `c` is a constant vector aligned with `g`.
 */
export function quadraticPenaltyTerm(kind: ConstraintKind, g: tf.Tensor, c: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const v = kind === 'inequality' ? tf.relu(g) : g;
    return tf.mul(0.5, tf.sum(tf.mul(c, tf.square(v)))) as tf.Scalar;
  });
}

/**
 * Augmented-Lagrangian primal term with λ̄ and c constant. Inequality (Nocedal & Wright 17.64–65,
 * "≤ 0" signs): (1/2c)[relu(λ + c·g)² − λ²], written piecewise as λg + (c/2)g² where λ + cg ≥ 0 and
 * −λ²/(2c) elsewhere, so c = 0 gives the Lagrangian term λg instead of 0/0 (Cooper issue #106).
 * Equality: λh + (c/2)h².
 */
export function augmentedLagrangianTerm(
  kind: ConstraintKind,
  g: tf.Tensor,
  lambda: tf.Tensor,
  c: tf.Tensor,
): tf.Scalar {
  return tf.tidy(() => {
    const smooth = tf.add(tf.mul(lambda, g), tf.mul(tf.mul(0.5, c), tf.square(g)));
    if (kind === 'equality') return tf.sum(smooth) as tf.Scalar;
    const active = tf.greaterEqual(tf.add(lambda, tf.mul(c, g)), 0);
    // The inactive branch is constant in g; the guarded c only matters where that branch is selected.
    const flat = tf.neg(tf.div(tf.square(lambda), tf.mul(2, tf.maximum(c, 1e-30))));
    return tf.sum(tf.where(active, smooth, flat)) as tf.Scalar;
  });
}

/**
 * The primal-Lagrangian contribution of one observed family with the current multiplier and penalty
 * values: λ̄ᵀg̃ (Lagrangian), the AL term, or the quadratic penalty. Call inside the gradient tape.
 */
export function primalContribution(o: Observation): tf.Scalar {
  const { constraint: c, state } = o;
  return tf.tidy(() => {
    const g = state.violation.reshape([o.count]);
    const idx = state.indices;
    if (c.formulation === 'quadraticPenalty') {
      const pen = tf.tensor1d(Float32Array.from(penaltyHost(c.penalty, o.count, idx)));
      return quadraticPenaltyTerm(c.kind, g, pen);
    }
    const m = c.multiplier;
    const lambda =
      m instanceof ImplicitMultiplier
        ? stopGradient(m.forward(m.params, state.features!).reshape([o.count]))
        : gatherHost(m.value, m.type === 'indexed' ? idx : null);
    if (c.formulation === 'lagrangian') return tf.sum(tf.mul(lambda, g)) as tf.Scalar;
    const pen = tf.tensor1d(Float32Array.from(penaltyHost(c.penalty, o.count, idx)));
    return augmentedLagrangianTerm(c.kind, g, lambda, pen);
  });
}
