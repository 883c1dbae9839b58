import type { Experiment } from '@paperkit/tensor-core';
import { runExperimentCells } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ConstrainedProblem,
  type DenseMultiplier,
  defineConstraint,
  defineProblem,
  denseMultiplier,
  type ExplicitMultiplierOptions,
} from '../src/index.js';

/**
 * min ‖x‖² s.t. Ax ≤ b (or = b) with rows a_i: Cooper's convergence oracle. With all
 * constraints active, x* = Aᵀ(AAᵀ)⁻¹b and the multiplier is −2(AAᵀ)⁻¹b.
 */
export function linearProblem(
  A: number[][],
  b: number[],
  kind: 'inequality' | 'equality',
  options?: ExplicitMultiplierOptions,
): { problem: ConstrainedProblem<'lin'>; multiplier: DenseMultiplier; x: tf.Variable; dispose: () => void } {
  const x = tf.tidy(() => tf.variable(tf.zeros([A[0]!.length]), true));
  const At = tf.tensor2d(A);
  const bt = tf.tensor1d(b);
  const multiplier = denseMultiplier(b.length, options);
  const lin = defineConstraint({ kind, formulation: 'lagrangian', multiplier });
  const problem = defineProblem({
    constraints: { lin },
    computeState: () => ({
      loss: tf.sum(tf.square(x)),
      constraints: { lin: { violation: tf.sub(tf.matMul(At, x.reshape([-1, 1])).reshape([-1]), bt) } },
    }),
  });
  return { problem, multiplier, x, dispose: () => tf.dispose([x, At, bt]) };
}

/** −2(AAᵀ)⁻¹b for 1 or 2 constraints (closed form). */
export function activeMultipliers(A: number[][], b: number[]): number[] {
  const dot = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * v[i]!, 0);
  if (A.length === 1) return [(-2 * b[0]!) / dot(A[0]!, A[0]!)];
  const g11 = dot(A[0]!, A[0]!);
  const g12 = dot(A[0]!, A[1]!);
  const g22 = dot(A[1]!, A[1]!);
  const det = g11 * g22 - g12 * g12;
  const inv = [
    [g22 / det, -g12 / det],
    [-g12 / det, g11 / det],
  ];
  return inv.map((r) => -2 * (r[0]! * b[0]! + r[1]! * b[1]!));
}

/** A trainable float32 variable holding `values`, without leaking the source tensor. */
export function variable(values: number[] | tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(values instanceof tf.Tensor ? values : tf.tensor1d(values), true));
}

/**
 * The shared runExperimentCells of tensor-core's testing, plus `verdict(id)`: the verdict of one claim
 * (an error names a claim the experiment does not declare).
 */
export async function runExperiment(
  e: Experiment,
  seeds: readonly number[],
  overrides: Record<string, unknown> = {},
  preset = 'quick',
) {
  const run = await runExperimentCells(e, seeds, overrides, preset);
  const verdict = (id: string) => {
    const v = run.summary.verdicts.find((x) => x.claim === id);
    if (!v) throw new Error(`no claim '${id}' in ${e.id}`);
    return v;
  };
  return { ...run, verdict };
}
