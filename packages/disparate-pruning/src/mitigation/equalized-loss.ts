import {
  type ConstrainedProblem,
  defineConstraint,
  defineProblem,
  type IndexedMultiplier,
  indexedMultiplier,
} from '@paperkit/nupi';
import { checkInteger, checkOneOf, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedClassifier } from '../classifier.js';
import { excessMatrix, lossGaps, type TrainingBatch, trainingForward } from './batch.js';
import { GroupReplayBuffer, OVERALL_ESTIMATES, type OverallEstimate } from './replay-buffer.js';

/** Options of the equalized-loss baseline (Tran et al. 2022; the reference's `EqualizedLossProblem`). */
export interface EqualizedLossOptions {
  /**
   * Replay buffer of per-example *losses* per group for the dual step (the paper's "EL+RB"); default 0
   * (plain EL: the dual step uses the batch's loss gaps).
   */
  readonly buffer?: number;
  /**
   * Constrain |L_g − L| = 0 instead of L_g − L = 0 (the reference's `abs_equality_constraint`, on for its
   * face datasets): the multipliers then only grow, like a penalty. Default false.
   */
  readonly abs?: boolean;
  /** Overall loss estimate of EL+RB's dual step; default `groupPriorWeighted` (reference: `bufferMean`). */
  readonly overallEstimate?: OverallEstimate;
}

/** The equalized-loss problem with its multiplier and buffer. */
export interface EqualizedLossProblem {
  /** One indexed equality family `lossGap`: L̂_g − L̂ = 0 per observed group. */
  readonly problem: ConstrainedProblem<'lossGap', TrainingBatch>;
  /** μ, one per group (free sign). */
  readonly multiplier: IndexedMultiplier;
  /** The loss buffer (EL+RB), or null. */
  readonly buffer: GroupReplayBuffer | null;
}

/** Validated EL options with defaults. */
export function resolveEqualizedLossOptions(options: EqualizedLossOptions): Required<EqualizedLossOptions> {
  const abs = options.abs ?? false;
  if (typeof abs !== 'boolean') throw new PaperkitInputError('abs', abs, 'a boolean');
  return {
    buffer: checkInteger('buffer', options.buffer ?? 0, 0),
    abs,
    overallEstimate: checkOneOf(
      'overallEstimate',
      options.overallEstimate ?? 'groupPriorWeighted',
      OVERALL_ESTIMATES,
    ),
  };
}

/**
 * Builds the EL baseline: equality constraints L(θ|D_g) − L(θ|D) = 0 per group with free-sign indexed
 * multipliers. The primal uses the batch's loss gaps; the dual uses them too (EL) or the replay
 * buffers of per-example losses (EL+RB), on the full buffers only.
 * @param priors training-set group frequencies (for `groupPriorWeighted`)
 */
export function equalizedLossProblem(
  model: ResolvedClassifier,
  numGroups: number,
  priors: Float64Array,
  options: EqualizedLossOptions = {},
): EqualizedLossProblem {
  checkInteger('numGroups', numGroups, 1);
  const { buffer: k, abs, overallEstimate: mode } = resolveEqualizedLossOptions(options);
  const multiplier = indexedMultiplier(numGroups);
  const constraint = defineConstraint({ kind: 'equality', formulation: 'lagrangian', multiplier });
  const buffer = k > 0 ? new GroupReplayBuffer(numGroups, k) : null;
  const problem = defineProblem({
    constraints: { lossGap: constraint },
    computeState(batch: TrainingBatch) {
      const { losses } = trainingForward(model, batch);
      const em = excessMatrix(batch.groups);
      const gaps = lossGaps(losses, em);
      const violation = abs ? tf.abs(gaps) : gaps;
      const loss = tf.mean(losses);
      if (!buffer) return { loss, constraints: { lossGap: { violation, indices: em.observed } } };
      const host = losses.dataSync();
      let batchMean = 0;
      for (let i = 0; i < host.length; i++) batchMean += host[i]!;
      buffer.push(batch.groups, host);
      const full = buffer.full();
      const overall = buffer.overall(mode, full, priors, batchMean / host.length);
      const strict = Float64Array.from(full, (g) =>
        abs ? Math.abs(buffer.mean(g) - overall) : buffer.mean(g) - overall,
      );
      return {
        loss,
        constraints: {
          lossGap: {
            violation,
            indices: em.observed,
            strictViolation: strict,
            strictIndices: full,
            contributesToDual: full.length > 0,
          },
        },
      };
    },
  });
  return { problem, multiplier, buffer };
}
