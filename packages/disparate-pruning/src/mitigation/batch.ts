import { linearViolation } from '@paperkit/nupi';
import { softmaxCrossEntropy } from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedClassifier } from '../classifier.js';
import type { GroupAssignment } from '../groups.js';

/** One training mini-batch: tensors for the model, host labels and group memberships for the bookkeeping. */
export interface TrainingBatch {
  /** Inputs [B, …featureShape]. */
  readonly x: tf.Tensor;
  /** Labels [B] (int32). */
  readonly y: tf.Tensor1D;
  /** The same labels on the host. */
  readonly labels: Int32Array;
  /** Group memberships of the batch rows. */
  readonly groups: GroupAssignment;
}

/** The batch's per-group averaging, built on the host. */
export interface ExcessMatrix {
  /** Groups present in the batch, ascending (the observed constraints O). */
  readonly observed: Int32Array;
  /** Members of each observed group in the batch. */
  readonly counts: Float64Array;
  /**
   * Row-major [B, |O|]: M[i, j] = [i ∈ O_j]/n_j − 1/B, so that ℓᵀM = (L̂_g − L̂)_{g∈O} for per-example
   * losses ℓ: the group-vs-overall loss gaps of the whole batch in one matMul (no per-group ops, and
   * no segment-sum kernel, whose gradient wasm lacks).
   */
  readonly matrix: Float32Array;
}

/** Builds the {@link ExcessMatrix} of a batch. */
export function excessMatrix(batch: GroupAssignment): ExcessMatrix {
  const B = batch.count;
  const counts = new Float64Array(batch.numGroups);
  for (const layer of batch.memberships) for (let i = 0; i < B; i++) counts[layer[i]!]!++;
  const column = new Int32Array(batch.numGroups).fill(-1);
  let m = 0;
  for (let g = 0; g < counts.length; g++) if (counts[g]! > 0) column[g] = m++;
  const observed = new Int32Array(m);
  const observedCounts = new Float64Array(m);
  for (let g = 0; g < counts.length; g++)
    if (column[g]! >= 0) {
      observed[column[g]!] = g;
      observedCounts[column[g]!] = counts[g]!;
    }
  const matrix = new Float32Array(B * m).fill(-1 / B);
  for (const layer of batch.memberships)
    for (let i = 0; i < B; i++) {
      const j = column[layer[i]!]!;
      matrix[i * m + j]! += 1 / observedCounts[j]!;
    }
  return { observed, counts: observedCounts, matrix };
}

/**
 * Logits and per-example losses of a training step. Pruned weights are exactly 0 in the variables
 * (the `MaskedOptimizer` re-masks them after every step and zeroes their gradients), so the forward
 * pass reads the variables as they are.
 */
export function trainingForward(
  model: ResolvedClassifier,
  batch: TrainingBatch,
): { logits: tf.Tensor; losses: tf.Tensor1D } {
  const logits = model.logits(batch.x, true);
  return { logits, losses: softmaxCrossEntropy(logits, batch.y, 'none') as tf.Tensor1D };
}

/**
 * (L̂_g − L̂)_{g∈O} − offsets on the device from per-example losses and the batch's {@link ExcessMatrix}
 * (`offsets`, e.g. CEAG's dense loss gaps, default none): nupi's `linearViolation` with M, one taped
 * op whose backward is the matMul autodiff would take. CEAG's primal side does not build it (it hands
 * nupi the linear form); it is the tensor for problems that need the gaps themselves (equalized loss).
 */
export function lossGaps(losses: tf.Tensor1D, em: ExcessMatrix, offsets?: Float32Array): tf.Tensor1D {
  return linearViolation(losses, em.matrix, offsets);
}
