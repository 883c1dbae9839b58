import * as tf from '@tensorflow/tfjs-core';
import type { ConstraintKind } from '../constraints/multipliers.js';
import { ImplicitMultiplier } from '../constraints/multipliers.js';
import type { PenaltyCoefficient } from '../constraints/penalty.js';
import type { PerExampleState } from '../constraints/problem.js';
import type { Observation } from './observe.js';
import { exampleWeights } from './per-example.js';

/** Identity forward, zero backward: the "bar" (detach) of the Lagrangian terms. */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }),
) as (x: tf.Tensor) => tf.Tensor;

/** `values` at `indices` (or all of them) in float32. */
function gatherHostArray(values: Float64Array, indices: Int32Array | null | undefined): Float32Array {
  if (!indices) return Float32Array.from(values);
  const out = new Float32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]!]!;
  return out;
}

/** `values` at `indices` (or all of them) as a float32 vector tensor. */
export function gatherHost(values: Float64Array, indices: Int32Array | null | undefined): tf.Tensor1D {
  return tf.tensor1d(gatherHostArray(values, indices));
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

/** Whether a family's primal term is λ̄ᵀg̃ with λ̄ host constants (explicit multiplier, Lagrangian). */
export function fusable(o: Observation): boolean {
  const m = o.constraint.multiplier;
  return o.constraint.formulation === 'lagrangian' && m !== undefined && !(m instanceof ImplicitMultiplier);
}

/** λ̄ of an explicit-multiplier family, aligned with its violation entries. */
function explicitLambda(o: Observation): Float64Array {
  const m = o.constraint.multiplier as Exclude<
    typeof o.constraint.multiplier,
    ImplicitMultiplier | undefined
  >;
  if (m.type !== 'indexed') return m.value;
  const idx = o.state.indices!;
  return Float64Array.from(idx, (i) => m.value[i]!);
}

/**
 * The primal Lagrangian f + Σ λ̄ᵀg̃ of families that are all {@link fusable}, as one taped op. Forward:
 * the same kernels as the unfused sum (Σ λ̄⊙g̃ per family, then one addN with f), so the same value;
 * backward: dy to f and dy·λ̄ to each g̃, which is what autodiff through those kernels yields (the
 * sum's gradient is dy·1, the product's dy·λ̄), bit for bit. What it saves is the bookkeeping: on a
 * small model the ~20 kernels of reshapes, saved-input copies and gradient plumbing around a handful
 * of scalars were most of a constrained step's overhead over plain training. λ̄ is read from the
 * multipliers now (after a `dualPrimal` dual step) and kept on the host for the backward pass.
 *
 * With per-example values v (`perExample`), the `linear` families and a per-example objective enter
 * as the one term wᵀv − c (w = a + Σ Mλ̄, c = Σ λ̄ᵀb, on the host in float64): no violation tensor is
 * built, and v's gradient is the single product dy·w.
 */
export function fusedLagrangian(
  loss: tf.Tensor | undefined,
  obs: readonly Observation[],
  perExample?: PerExampleState,
): tf.Scalar {
  const tensorObs = obs.filter((o) => o.linear === null);
  const linearObs = obs.filter((o) => o.linear !== null);
  const weighted =
    perExample && (perExample.objective !== undefined || linearObs.length > 0)
      ? exampleWeights(
          perExample.values.size,
          perExample.objective,
          linearObs.map((o) => ({ linear: o.linear!, lambda: explicitLambda(o) })),
        )
      : null;
  const lambdas = tensorObs.map((o) => Float32Array.from(explicitLambda(o)));
  const inputs = tensorObs.map((o) => o.violation());
  if (weighted) inputs.unshift(perExample!.values);
  if (loss) inputs.unshift(loss);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    let at = 0;
    const f = loss ? xs[at++]! : null;
    const v = weighted ? xs[at++]! : null;
    const gs = xs.slice(at);
    const terms: tf.Tensor[] = [];
    if (f) terms.push(f.rank === 0 ? f : f.reshape([]));
    if (v) {
      terms.push(tf.sum(tf.mul(tf.tensor1d(weighted!.weights), v)));
      if (weighted!.constant !== 0) terms.push(tf.scalar(-weighted!.constant));
    }
    gs.forEach((g, i) => {
      const lambda = tf.tensor1d(lambdas[i]!);
      terms.push(tf.sum(tf.mul(lambda, g.rank === 1 ? g : g.reshape([lambdas[i]!.length]))));
    });
    return {
      value: tf.addN(terms),
      gradFunc: (dy: tf.Tensor) => {
        const grads = gs.map((g, i) => {
          const d = tf.mul(dy, tf.tensor1d(lambdas[i]!));
          return g.rank === 1 ? d : d.reshape(g.shape);
        });
        if (v) grads.unshift(tf.mul(dy, tf.tensor1d(weighted!.weights)));
        if (f) grads.unshift(f.rank === 0 ? dy : dy.reshape(f.shape));
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Scalar;
}

/**
 * The primal-Lagrangian contribution of one observed family with the current multiplier and penalty
 * values: λ̄ᵀg̃ (Lagrangian), the AL term, or the quadratic penalty. Call inside the gradient tape.
 */
export function primalContribution(o: Observation): tf.Scalar {
  const { constraint: c, state } = o;
  return tf.tidy(() => {
    const g = o.violation().reshape([o.count]);
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
