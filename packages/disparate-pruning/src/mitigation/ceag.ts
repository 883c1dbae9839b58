import {
  type ConstrainedProblem,
  defineConstraint,
  defineProblem,
  type IndexedMultiplier,
  indexedMultiplier,
} from '@paperkit/nupi';
import { checkInteger, checkNonNegative, checkOneOf } from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedClassifier } from '../classifier.js';
import { argmaxRow, type GroupStats } from '../evaluate.js';
import { excessMatrix, type TrainingBatch, trainingForward } from './batch.js';
import { GroupReplayBuffer, OVERALL_ESTIMATES, type OverallEstimate } from './replay-buffer.js';

/** Options of CEAG (constrained excess accuracy gaps, Hashemizadeh et al. 2024, Alg. 1). */
export interface CeagOptions {
  /** ε ≥ 0 in ψ_g ≤ ε (accuracy fraction: 0.01 is one point); default 0.01. */
  readonly epsilon?: number;
  /**
   * Replay buffer capacity k per group (the reference's `buffer_memory`); default 40. 0 estimates the
   * sparse accuracies from the mini-batch instead (the paper's "CEAG (no RB)" ablation).
   */
  readonly buffer?: number;
  /** How the overall accuracy Â is estimated for the dual step; default `groupPriorWeighted`. */
  readonly overallEstimate?: OverallEstimate;
}

/** The strict violations that fed the last dual step. */
export interface StrictSnapshot {
  /** Groups measured (full buffers, or the batch's groups without a buffer). */
  readonly indices: Int32Array;
  /** ψ̂_g − ε for those groups. */
  readonly values: Float64Array;
}

/** CEAG as a nupi problem, with its multiplier and buffer. */
export interface CeagProblem {
  /** The problem: one indexed inequality family `excessGap` with a proxy/strict split. */
  readonly problem: ConstrainedProblem<'excessGap', TrainingBatch>;
  /** λ, one per group. */
  readonly multiplier: IndexedMultiplier;
  /** The correctness-bit buffer, or null when estimating from batches. */
  readonly buffer: GroupReplayBuffer | null;
  /** ε. */
  readonly epsilon: number;
  /** The strict violations of the last `computeState`. */
  last(): StrictSnapshot;
}

/** Validated CEAG options with defaults. */
export function resolveCeagOptions(options: CeagOptions): Required<CeagOptions> {
  return {
    epsilon: checkNonNegative('epsilon', options.epsilon ?? 0.01),
    buffer: checkInteger('buffer', options.buffer ?? 40, 0),
    overallEstimate: checkOneOf(
      'overallEstimate',
      options.overallEstimate ?? 'groupPriorWeighted',
      OVERALL_ESTIMATES,
    ),
  };
}

/**
 * Builds CEAG's constrained problem min L(θ) s.t. ψ_g(θ) ≤ ε (paper §4, reference
 * `UniformAccuracyGapProblem`). Per step, on the batch's groups O:
 * - primal (differentiable proxy): ψ̃_g = [L̂_g − L_g^d] − [L̂ − L^d], g ∈ O (ε omitted: it has no gradient);
 * - dual (strict): ψ̂_g − ε = [A_g^d − Â_g] − [A^d − Â] − ε on the groups F whose buffer is full (or O
 *   without a buffer), from the current batch's correctness bits pushed into the buffers first.
 * The dense statistics are constants measured once on the whole training set in evaluation mode.
 * Needs one host read per step (the batch's logits, for the correctness bits).
 * @param dense the dense model's accuracy and loss on the training set
 * @param priors training-set group frequencies (for `groupPriorWeighted`)
 */
export function ceagProblem(
  model: ResolvedClassifier,
  dense: GroupStats,
  priors: Float64Array,
  options: CeagOptions = {},
): CeagProblem {
  const o = resolveCeagOptions(options);
  const G = dense.accuracy.groups.length;
  const multiplier = indexedMultiplier(G);
  const constraint = defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier });
  const buffer = o.buffer > 0 ? new GroupReplayBuffer(G, o.buffer) : null;
  const denseLossGap = dense.loss.groups.map((l) => l - dense.loss.overall);
  let last: StrictSnapshot = { indices: new Int32Array(0), values: new Float64Array(0) };

  const problem = defineProblem({
    constraints: { excessGap: constraint },
    computeState(batch: TrainingBatch) {
      const { logits, losses } = trainingForward(model, batch);
      const em = excessMatrix(batch.groups);
      const offsets = Float32Array.from(em.observed, (g) => denseLossGap[g]!);
      const bits = correctnessBits(logits, batch.labels);
      last = strictViolations(bits, batch, em.observed, dense, priors, buffer, o);
      // The proxy gaps are ℓᵀM − offsets (see `excessMatrix`) and f is the mean of ℓ, so nupi folds the
      // primal Lagrangian into one per-example weighting of the losses (the weights of
      // `ceagSampleWeights`): no gap tensor is built, and ℓ's gradient is one product.
      return {
        perExample: { values: losses, objective: 'mean' },
        constraints: {
          excessGap: {
            linear: { matrix: em.matrix, offsets },
            indices: em.observed,
            strictViolation: last.values,
            strictIndices: last.indices,
            contributesToDual: last.indices.length > 0,
          },
        },
      };
    },
  });
  return { problem, multiplier, buffer, epsilon: o.epsilon, last: () => last };
}

/** The batch's 0/1 correctness on the host: one read of the logits. */
export function correctnessBits(logits: tf.Tensor, labels: Int32Array): Uint8Array {
  const values = logits.dataSync();
  const classes = logits.shape[1]!;
  const bits = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++)
    bits[i] = argmaxRow(values, i * classes, classes) === labels[i] ? 1 : 0;
  return bits;
}

function strictViolations(
  bits: Uint8Array,
  batch: TrainingBatch,
  observed: Int32Array,
  dense: GroupStats,
  priors: Float64Array,
  buffer: GroupReplayBuffer | null,
  o: Required<CeagOptions>,
): StrictSnapshot {
  let batchMean = 0;
  for (let i = 0; i < bits.length; i++) batchMean += bits[i]!;
  batchMean /= bits.length;
  let measured: Int32Array;
  let groupAcc: (g: number) => number;
  let overall: number;
  if (buffer) {
    buffer.push(batch.groups, bits);
    measured = buffer.full();
    groupAcc = (g) => buffer.mean(g);
    overall = buffer.overall(o.overallEstimate, measured, priors, batchMean);
  } else {
    // Without a buffer the group estimates are batch means; the overall mode applies to them alike.
    const scratch = new GroupReplayBuffer(dense.accuracy.groups.length, batch.groups.count);
    scratch.push(batch.groups, bits);
    measured = observed;
    groupAcc = (g) => scratch.mean(g);
    overall = scratch.overall(o.overallEstimate, measured, priors, batchMean);
  }
  const globalGap = dense.accuracy.overall - overall;
  const values = Float64Array.from(
    measured,
    (g) => dense.accuracy.groups[g]! - groupAcc(g) - globalGap - o.epsilon,
  );
  return { indices: measured, values };
}
