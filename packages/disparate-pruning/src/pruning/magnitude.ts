import { checkInRange, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * Number of weights to prune out of `n` at sparsity `s`: ⌈s·n⌉ as the reference's
 * `unstructured_magnitude_prune_layer_` computes it, except that float noise in the product is rounded
 * away first (0.7·10 is 7.000000000000001 in float64, which `math.ceil` turns into 8).
 */
export function prunedCount(n: number, sparsity: number): number {
  return Math.min(n, Math.ceil(Number((sparsity * n).toPrecision(12))));
}

/**
 * Unstructured magnitude pruning of one layer (host, float64 keys): the keep-mask (1 = kept, 0 =
 * pruned) that prunes the ⌈s·n⌉ entries of smallest |w ⊙ m|. Already-pruned entries (`previous[i] = 0`)
 * are pruned first and always stay pruned, even where a kept weight is exactly 0 too; remaining ties
 * are broken by index, lowest first (stable). A sparsity below the previous mask's keeps it as is.
 * @param weights the layer's values, any layout (row-major)
 * @param sparsity fraction to prune, in [0, 1)
 * @param previous the current keep-mask of the layer, if it was pruned before
 */
export function magnitudeMask(
  weights: ArrayLike<number>,
  sparsity: number,
  previous?: Uint8Array,
): Uint8Array {
  checkInRange('sparsity', sparsity, 0, 1, '[)');
  if (weights === null || typeof weights !== 'object' || typeof weights.length !== 'number')
    throw new PaperkitInputError('weights', weights, 'an array of weights');
  const n = weights.length;
  if (previous !== undefined && (!(previous instanceof Uint8Array) || previous.length !== n))
    throw new PaperkitInputError('previous', previous, `a Uint8Array keep-mask of length ${n}`);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w)) throw new PaperkitInputError(`weights[${i}]`, w, 'a finite number');
    // −1 sorts below every magnitude: a pruned weight is always among the smallest.
    keys[i] = previous !== undefined && previous[i] === 0 ? -1 : Math.abs(w);
  }
  const mask = new Uint8Array(n).fill(1);
  const k = prunedCount(n, sparsity);
  if (k === 0) {
    if (previous) mask.set(previous);
    return mask;
  }
  // The k-th smallest key is the threshold; entries below it are pruned, and ties at it are taken
  // by index until k entries are pruned. One typed-array sort, no comparator.
  const threshold = keys.slice().sort()[k - 1]!;
  let below = 0;
  for (let i = 0; i < n; i++) if (keys[i]! < threshold) below++;
  let ties = k - below;
  for (let i = 0; i < n; i++) {
    if (keys[i]! < threshold) mask[i] = 0;
    else if (keys[i] === threshold && ties > 0) {
      mask[i] = 0;
      ties--;
    }
  }
  if (previous) for (let i = 0; i < n; i++) if (previous[i] === 0) mask[i] = 0;
  return mask;
}
