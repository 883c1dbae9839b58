import { PaperkitInputError } from '@paperkit/tensor-core';
import type { Priority } from './config.js';

/**
 * Turns the squared L2 norms of the tensors updated this step into each tensor's priority π_t.
 * Throws a clear error naming the first tensor whose gradient is not finite, since a NaN priority
 * would silently freeze the buffer and a NaN gradient would poison m, v and every stored momentum.
 */
export function priorities(
  names: readonly string[],
  squaredNorms: ArrayLike<number>,
  mode: Priority,
): Float64Array {
  const out = new Float64Array(names.length);
  let sumNorms = 0;
  let sumSq = 0;
  for (let i = 0; i < names.length; i++) {
    const sq = squaredNorms[i]!;
    if (!Number.isFinite(sq))
      throw new PaperkitInputError(
        `grads.${names[i]}`,
        sq,
        'a gradient of finite values (its squared norm is not finite: the gradient holds NaN or ±Infinity, ' +
          'or overflows float32); lower the learning rate or set clipNorm',
      );
    const n = Math.sqrt(sq);
    out[i] = n;
    sumNorms += n;
    sumSq += sq;
  }
  if (mode === 'perTensor') return out;
  const shared = mode === 'sumOfTensorNorms' ? sumNorms : Math.sqrt(sumSq);
  out.fill(shared);
  return out;
}
