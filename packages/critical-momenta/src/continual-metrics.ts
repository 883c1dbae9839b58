import { PaperkitInputError } from '@paperkit/tensor-core';

/** What {@link continualMetrics} returns. */
export type ContinualMetrics = Record<'finalAccuracy' | 'forgetting' | 'learningAccuracy', number>;

/**
 * The online-learning metrics of an accuracy matrix R (R[i][j]: accuracy on task j after training on
 * task i): the mean final accuracy over all tasks, the forgetting (Chaudhry et al., ECCV 2018: for each
 * task but the last, its best accuracy before the end minus its final accuracy, averaged) and the mean
 * accuracy on each task right after learning it.
 */
export function continualMetrics(R: readonly (readonly number[])[]): ContinualMetrics {
  const K = R.length;
  if (K < 2 || R.some((r) => r.length !== K))
    throw new PaperkitInputError('R', R, 'a square accuracy matrix of at least 2 tasks');
  const last = R[K - 1]!;
  let forgetting = 0;
  for (let j = 0; j < K - 1; j++) forgetting += Math.max(...R.slice(j, K - 1).map((r) => r[j]!)) - last[j]!;
  return {
    finalAccuracy: last.reduce((a, b) => a + b, 0) / K,
    forgetting: forgetting / (K - 1),
    learningAccuracy: R.reduce((a, r, j) => a + r[j]!, 0) / K,
  };
}
