/**
 * Radix argsort of floating-point arrays. This is a generic routine (not specific to weight sharing);
 * it lives here, in its own file, until the lead moves it into tensor-core.
 *
 * Why radix: tfjs has no argsort (only `topk(k = d)`), and a comparator argsort
 * (`idx.sort((a, b) => w[a] - w[b])`) costs 4–6× a plain `Float32Array.prototype.sort` (spec §I.10).
 * An LSD radix sort on order-preserving 32-bit keys is O(d) and beats the value-only sort.
 */

import { PaperkitInputError } from '@paperkit/tensor-core';

/** Bits per radix digit: 11 + 11 + 10 covers 32 bits in three passes with 2048-entry histograms. */
const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
const MASK = BUCKETS - 1;
const SHIFTS = [0, 11, 22] as const;

/**
 * Order-preserving unsigned key of a float32 bit pattern: flipping every bit of a negative number and
 * only the sign bit of a non-negative one makes unsigned integer order equal IEEE order (−0 sorts just
 * before +0).
 */
function fillKeys(bits: Uint32Array, keys: Uint32Array): void {
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    keys[i] = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
  }
}

/** Sorts `idx` (and the parallel keys) in place by key with three LSD passes; returns the sorted pair. */
function radixPasses(keys: Uint32Array, n: number): { idx: Uint32Array; keys: Uint32Array } {
  const counts = new Uint32Array(BUCKETS * 3);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    counts[k & MASK]!++;
    counts[BUCKETS + ((k >>> 11) & MASK)]!++;
    counts[2 * BUCKETS + (k >>> 22)]!++;
  }
  let srcKeys = keys;
  let srcIdx: Uint32Array | null = null; // null = identity permutation (first executed pass)
  let dstKeys: Uint32Array = new Uint32Array(n);
  let dstIdx: Uint32Array = new Uint32Array(n);
  for (let p = 0; p < 3; p++) {
    const base = p * BUCKETS;
    const shift = SHIFTS[p]!;
    // A digit shared by every key (common for the exponent bits of same-scale weights) needs no pass.
    if (counts[base + ((srcKeys[0]! >>> shift) & MASK)] === n) continue;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[base + b]!;
      counts[base + b] = sum;
      sum += c;
    }
    if (srcIdx === null) {
      for (let i = 0; i < n; i++) {
        const k = srcKeys[i]!;
        const pos = counts[base + ((k >>> shift) & MASK)]!++;
        dstKeys[pos] = k;
        dstIdx[pos] = i;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const k = srcKeys[i]!;
        const pos = counts[base + ((k >>> shift) & MASK)]!++;
        dstKeys[pos] = k;
        dstIdx[pos] = srcIdx[i]!;
      }
    }
    const tk = srcKeys;
    srcKeys = dstKeys;
    dstKeys = tk;
    const ti = srcIdx;
    srcIdx = dstIdx;
    dstIdx = ti ?? new Uint32Array(n);
  }
  if (srcIdx === null) {
    srcIdx = new Uint32Array(n);
    for (let i = 0; i < n; i++) srcIdx[i] = i;
  }
  return { idx: srcIdx, keys: srcKeys };
}

/** Insertion sort of `idx[lo, hi)` by `values[idx[·]]`; runs are short (values sharing one float32). */
function sortRun(idx: Uint32Array, values: Float64Array, lo: number, hi: number): void {
  if (hi - lo > 32) {
    const run = Array.from(idx.subarray(lo, hi));
    run.sort((a, b) => values[a]! - values[b]!);
    idx.set(run, lo);
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const t = idx[i]!;
    const v = values[t]!;
    let j = i - 1;
    while (j >= lo && values[idx[j]!]! > v) {
      idx[j + 1] = idx[j]!;
      j--;
    }
    idx[j + 1] = t;
  }
}

/** An argsort together with the sorted values, as float64. */
export interface SortedValues {
  /** Indices that sort the input ascending. */
  readonly idx: Uint32Array;
  /** The input values in ascending order (`values[idx[k]]`). */
  readonly sorted: Float64Array;
}

/**
 * Indices that sort `values` ascending (`values[idx[0]] ≤ values[idx[1]] ≤ …`), in O(d), plus the sorted
 * values. When every value is a float32, the sorted values are decoded from the sorted keys, a
 * sequential pass instead of a random-access gather.
 *
 * Float32 input is sorted exactly on its bit patterns. Float64 input is sorted on its float32 rounding
 * (a monotone map, so only values sharing one float32 can be out of order) and then each run of equal
 * float32 keys is re-sorted on the full value; runs are tiny unless the data spans less than a float32
 * ulp. The order of equal values is unspecified. ±Infinity sorts to the ends; NaN has no place in the
 * order, so it is rejected with a `PaperkitInputError`, as is any array other than a Float32Array or
 * Float64Array.
 */
export function radixSortWithIndex(values: Float32Array | Float64Array): SortedValues {
  if (!(values instanceof Float32Array || values instanceof Float64Array))
    throw new PaperkitInputError('values', values, 'a Float32Array or Float64Array');
  const n = values.length;
  for (let i = 0; i < n; i++)
    if (Number.isNaN(values[i]))
      throw new PaperkitInputError(
        `values[${i}]`,
        values[i],
        'a number that is not NaN (NaN has no sort order)',
      );
  const keys = new Uint32Array(n);
  let exact = true;
  if (values instanceof Float32Array) {
    fillKeys(new Uint32Array(values.buffer, values.byteOffset, n), keys);
  } else {
    const f32 = new Float32Array(n);
    f32.set(values);
    for (let i = 0; i < n; i++) {
      if (f32[i] !== values[i]) {
        exact = false;
        break;
      }
    }
    fillKeys(new Uint32Array(f32.buffer), keys);
  }
  if (n === 0) return { idx: new Uint32Array(0), sorted: new Float64Array(0) };
  const { idx, keys: k } = radixPasses(keys, n);
  const sorted = new Float64Array(n);
  if (exact) {
    // Invert the key map in place (top bit set ⇔ the float was non-negative), then read as float32.
    for (let i = 0; i < n; i++) {
      const key = k[i]!;
      k[i] = key & 0x80000000 ? key ^ 0x80000000 : ~key;
    }
    sorted.set(new Float32Array(k.buffer, k.byteOffset, n));
  } else {
    const v = values as Float64Array;
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i === n || k[i] !== k[start]) {
        if (i - start > 1) sortRun(idx, v, start, i);
        start = i;
      }
    }
    for (let i = 0; i < n; i++) sorted[i] = v[idx[i]!]!;
  }
  return { idx, sorted };
}

/** Indices that sort `values` ascending; see {@link radixSortWithIndex} for the method. */
export function radixArgsort(values: Float32Array | Float64Array): Uint32Array {
  return radixSortWithIndex(values).idx;
}
