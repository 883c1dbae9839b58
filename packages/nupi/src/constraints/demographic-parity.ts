import { PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Demographic-parity violations P(ŷ = 1 | g) − P(ŷ = 1) of the listed `groups`, with the mean predicted
 * probability in place of hard decisions so that they are differentiable in `prob` (P1's fairness
 * constraint, one equality constraint per group). `groupOneHot` is the `[n, G]` one-hot of each row's
 * group; a group without rows has rate 0 (0/1, not a NaN gradient). Pass `groups` to an
 * `indexedMultiplier(G)` constraint as its `indices`.
 */
export function demographicParityGap(
  prob: tf.Tensor,
  groupOneHot: tf.Tensor,
  groups: Int32Array,
): tf.Tensor1D {
  if (prob.rank !== 1) throw new PaperkitInputError('prob', prob.shape, 'a rank-1 tensor of probabilities');
  if (groupOneHot.rank !== 2 || groupOneHot.shape[0] !== prob.size)
    throw new PaperkitInputError(
      'groupOneHot',
      groupOneHot.shape,
      `an [n, G] one-hot with n = ${prob.size} rows (one per probability)`,
    );
  const G = groupOneHot.shape[1]!;
  for (const g of groups)
    if (!(Number.isInteger(g) && g >= 0 && g < G))
      throw new PaperkitInputError('groups', g, `group indices in [0, ${G})`);
  return tf.tidy(() => {
    const counts = tf.maximum(tf.sum(groupOneHot, 0), 1);
    const perGroup = tf.div(tf.matMul(prob.reshape([1, -1]), groupOneHot).reshape([-1]), counts);
    // A selection matrix, not a gather: wasm has no UnsortedSegmentSum for the gather's gradient.
    const select = tf.oneHot(tf.tensor1d(groups, 'int32'), G).toFloat();
    return tf.sub(tf.matMul(select, perGroup.reshape([-1, 1])).reshape([-1]), tf.mean(prob)) as tf.Tensor1D;
  });
}
