import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { AdditiveDecoder } from '../models/decoder.js';
import { checkPartition, type Partition, partitionSize } from '../partition.js';

/**
 * Every combination of per-block values: block b takes each row of `blockValues[b]` (row-major
 * n_b × |B|), giving Π_b n_b latent vectors (row-major, the last block varying fastest). On samples
 * of a support this is the sample version of CPE(Z) = Π_B proj_B(Z); on per-axis grids it is the
 * grid over the full product (the extrapolation figure).
 */
export function cartesianProduct(
  partition: Partition,
  blockValues: readonly ArrayLike<number>[],
): Float64Array {
  const d = partitionSize(partition);
  const p = checkPartition('partition', partition, d);
  if (!Array.isArray(blockValues) || blockValues.length !== p.length)
    throw new PaperkitInputError('blockValues', blockValues, `one array of values per block (${p.length})`);
  const counts = p.map((block, b) => {
    const v = blockValues[b]!;
    const n = v.length / block.length;
    if (!Number.isInteger(n) || n < 1)
      throw new PaperkitInputError(
        `blockValues[${b}]`,
        v,
        `a non-empty row-major array of ${block.length}-vectors (a block's projection cannot be empty)`,
      );
    return n;
  });
  const total = counts.reduce((a, b) => a * b, 1);
  if (total > 1e7) throw new PaperkitInputError('blockValues', counts, 'at most 1e7 combinations in all');
  const out = new Float64Array(total * d);
  const pick = new Array<number>(p.length).fill(0);
  for (let r = 0; r < total; r++) {
    let rest = r;
    for (let b = p.length - 1; b >= 0; b--) {
      pick[b] = rest % counts[b]!;
      rest = Math.floor(rest / counts[b]!);
    }
    p.forEach((block, b) => {
      block.forEach((i, k) => {
        out[r * d + i] = blockValues[b]![pick[b]! * block.length + k]!;
      });
    });
  }
  return out;
}

/**
 * The Cartesian-product identity of additive functions: for two latent points and a set S of latents
 * that is a union of blocks, with z̃ = z whose latents S are taken from z′ and z̃′ = z′ whose latents S
 * are taken from z, f(z) + f(z′) − f(z̃) − f(z̃′) = 0 (for two blocks: f(a,b) + f(a′,b′) = f(a,b′) +
 * f(a′,b)). Returns the largest absolute entry of that residual, decoded in one batch: float32
 * rounding for an additive decoder whose blocks S respects, O(1) in general for a non-additive one.
 * @param swap the latents S to exchange, e.g. one block of the true partition.
 */
export async function cartesianIdentityResidual(
  decoder: AdditiveDecoder,
  z: ArrayLike<number>,
  zPrime: ArrayLike<number>,
  swap: readonly number[],
): Promise<number> {
  if (!(decoder instanceof AdditiveDecoder))
    throw new PaperkitInputError('decoder', decoder, 'an AdditiveDecoder');
  const d = decoder.latentDim;
  for (const [name, v] of [
    ['z', z],
    ['zPrime', zPrime],
  ] as const)
    if (v === null || typeof v !== 'object' || v.length !== d)
      throw new PaperkitInputError(name, v, `a latent vector of length ${d}`);
  if (!Array.isArray(swap) || swap.length === 0)
    throw new PaperkitInputError('swap', swap, 'a non-empty array of latent indices');
  swap.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= d)
      throw new PaperkitInputError(`swap[${k}]`, i, `a latent index in 0..${d - 1}`);
  });
  const swapped = Float32Array.from(z);
  const swappedPrime = Float32Array.from(zPrime);
  for (const i of swap) {
    swapped[i] = zPrime[i]!;
    swappedPrime[i] = z[i]!;
  }
  const rows = new Float32Array(4 * d);
  rows.set(Float32Array.from(z), 0);
  rows.set(Float32Array.from(zPrime), d);
  rows.set(swapped, 2 * d);
  rows.set(swappedPrime, 3 * d);
  const out = tf.tidy(() => {
    const x = decoder.apply(tf.tensor2d(rows, [4, d]));
    const [a, b, c, e] = tf.unstack(x);
    return tf.max(tf.abs(tf.sub(tf.add(a!, b!), tf.add(c!, e!))));
  });
  try {
    return (await out.data())[0]!;
  } finally {
    out.dispose();
  }
}

/** `k` evenly spaced values from lo to hi inclusive (one axis of a latent grid). */
export function linspace(lo: number, hi: number, k: number): Float64Array {
  checkInteger('k', k, 1);
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new PaperkitInputError('lo', [lo, hi], 'finite bounds');
  if (k === 1) return Float64Array.of(lo);
  return Float64Array.from({ length: k }, (_, i) => lo + ((hi - lo) * i) / (k - 1));
}
