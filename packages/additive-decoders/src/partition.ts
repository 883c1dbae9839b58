import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * A partition ℬ of the latent indices 0..d−1 into blocks: `[[0, 1], [2, 3]]` is two 2-D blocks,
 * `[[0], [1]]` two scalar blocks, `[[0, 1, 2, 3]]` one block (a non-additive decoder). Blocks are
 * ordered; indices inside a block keep the order given.
 */
export type Partition = readonly (readonly number[])[];

/**
 * Checks that `partition` covers 0..latentDim−1 exactly once with non-empty blocks of integer
 * indices, and returns a frozen copy. Errors name the parameter, the offending index or block, and
 * what is allowed.
 */
export function checkPartition(parameter: string, partition: Partition, latentDim: number): Partition {
  checkInteger('latentDim', latentDim, 1);
  if (!Array.isArray(partition) || partition.length === 0)
    throw new PaperkitInputError(
      parameter,
      partition,
      'a non-empty array of blocks (arrays of latent indices)',
    );
  const seen = new Int32Array(latentDim).fill(-1);
  const out: number[][] = [];
  partition.forEach((block, b) => {
    if (!Array.isArray(block) || block.length === 0)
      throw new PaperkitInputError(`${parameter}[${b}]`, block, 'a non-empty array of latent indices');
    const copy: number[] = [];
    block.forEach((i, k) => {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= latentDim)
        throw new PaperkitInputError(`${parameter}[${b}][${k}]`, i, `a latent index in 0..${latentDim - 1}`);
      if (seen[i]! >= 0)
        throw new PaperkitInputError(
          parameter,
          partition,
          `blocks that do not overlap (latent ${i} is in blocks ${seen[i]} and ${b})`,
        );
      seen[i] = b;
      copy.push(i);
    });
    out.push(copy);
  });
  const missing: number[] = [];
  for (let i = 0; i < latentDim; i++) if (seen[i]! < 0) missing.push(i);
  if (missing.length > 0)
    throw new PaperkitInputError(
      parameter,
      partition,
      `blocks that cover every latent 0..${latentDim - 1} (missing ${missing.join(', ')})`,
    );
  return Object.freeze(out.map((b) => Object.freeze(b)));
}

/** The number of latents a partition covers (the sum of its block sizes). */
export function partitionSize(partition: Partition): number {
  return partition.reduce((s, b) => s + b.length, 0);
}

/** `d` scalar blocks `[[0], [1], …, [d−1]]` (the ScalarLatents setting of the paper). */
export function scalarPartition(latentDim: number): Partition {
  checkInteger('latentDim', latentDim, 1);
  return Array.from({ length: latentDim }, (_, i) => [i]);
}

/**
 * Consecutive blocks of the given sizes: `contiguousPartition([2, 2])` is `[[0, 1], [2, 3]]` (the
 * BlockLatents setting: one block of (x, y) per ball).
 */
export function contiguousPartition(blockSizes: readonly number[]): Partition {
  if (!Array.isArray(blockSizes) || blockSizes.length === 0)
    throw new PaperkitInputError('blockSizes', blockSizes, 'a non-empty array of block sizes');
  let next = 0;
  return blockSizes.map((s, b) => {
    checkInteger(`blockSizes[${b}]`, s, 1);
    const block = Array.from({ length: s }, (_, k) => next + k);
    next += s;
    return block;
  });
}

/** The block index of every latent (`blockOf[i] = b` when latent i is in block b). */
export function blockIndexOf(partition: Partition, latentDim: number): Int32Array {
  const p = checkPartition('partition', partition, latentDim);
  const out = new Int32Array(latentDim);
  p.forEach((block, b) => {
    for (const i of block) out[i] = b;
  });
  return out;
}

/**
 * Every partition of 0..d−1 (d = the sum of `blockSizes`) into blocks with the given sizes, where
 * blocks of equal size are interchangeable: each partition is listed once, blocks in the order of
 * `blockSizes`, equal-size blocks sorted by their smallest index, indices ascending. For sizes [2, 2]
 * these are the three pairings {01|23, 02|13, 03|12} that the reference code (`eval_identification`)
 * searches over for a non-additive model.
 */
export function partitionsWithBlockSizes(blockSizes: readonly number[]): Partition[] {
  const sizes = contiguousPartition(blockSizes).map((b) => b.length);
  const d = sizes.reduce((a, b) => a + b, 0);
  if (d > 12) throw new PaperkitInputError('blockSizes', blockSizes, 'sizes summing to at most 12 latents');
  const out: Partition[] = [];
  const used = new Uint8Array(d);
  const blocks: number[][] = [];
  // The last earlier block of the same size, which block b must start after (−1 when none).
  const prevSame = sizes.map((s, b) => sizes.slice(0, b).lastIndexOf(s));
  const choose = (b: number, left: number, from: number, acc: number[]): void => {
    if (left === 0) {
      blocks.push(acc);
      next(b + 1);
      blocks.pop();
      return;
    }
    for (let i = from; i < d; i++) {
      if (used[i]) continue;
      // A block's smallest index comes first; a block after an equal-size one starts after that one's start
      // (so interchangeable blocks appear in one order only).
      if (acc.length === 0 && prevSame[b]! >= 0 && i < blocks[prevSame[b]!]![0]!) continue;
      used[i] = 1;
      choose(b, left - 1, i + 1, [...acc, i]);
      used[i] = 0;
    }
  };
  const next = (b: number): void => {
    if (b === sizes.length) out.push(blocks.map((x) => [...x]));
    else choose(b, sizes[b]!, 0, []);
  };
  next(0);
  return out;
}
