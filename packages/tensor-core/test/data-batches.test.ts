import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  avgPool2x2,
  BatchCursor,
  batchCount,
  batches,
  featureStats,
  gatherBatch,
  gatherRows,
  type LabeledArrays,
  languageModelBatch,
  oneHot,
  standardize,
} from '../src/data/index.js';
import { Rng } from '../src/random/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('batches', () => {
  it('one epoch visits every index exactly once, in batches of the requested size', () => {
    const all = [...batches(10, 3, Rng.fromSeed(1))];
    expect(all.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(all.flatMap((b) => Array.from(b)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const dropped = [...batches(10, 3, Rng.fromSeed(1), { dropLast: true })];
    expect(dropped.map((b) => b.length)).toEqual([3, 3, 3]);
    // dropLast drops only the tail: the same permutation underlies both.
    expect(dropped).toEqual(all.slice(0, 3));
    expect(batchCount(10, 3)).toBe(4);
    expect(batchCount(10, 3, true)).toBe(3);
    expect([...batches(0, 4, Rng.fromSeed(1))]).toEqual([]);
  });

  it('same seed, same order; the next epoch from the same stream differs', () => {
    const r1 = Rng.fromSeed(5);
    const r2 = Rng.fromSeed(5);
    const e1 = [...batches(50, 8, r1)];
    expect([...batches(50, 8, r2)]).toEqual(e1);
    expect([...batches(50, 8, r1)]).not.toEqual(e1);
  });

  it('the permutation is drawn at call time, however far the caller iterates', () => {
    const r1 = Rng.fromSeed(6);
    const r2 = Rng.fromSeed(6);
    const it1 = batches(20, 4, r1);
    it1.next();
    batches(20, 4, r2);
    expect(r1.getState()).toEqual(r2.getState());
  });

  it('shuffle: false yields 0..n−1 in order and draws nothing', () => {
    const rng = Rng.fromSeed(7);
    const before = rng.getState();
    expect([...batches(5, 2, rng, { shuffle: false })].map((b) => Array.from(b))).toEqual([
      [0, 1],
      [2, 3],
      [4],
    ]);
    expect(rng.getState()).toEqual(before);
  });

  it('every index is equally likely first (Fisher–Yates is uniform)', () => {
    const rng = Rng.fromSeed(8);
    const counts = new Array(5).fill(0);
    const epochs = 5000;
    for (let e = 0; e < epochs; e++) counts[batches(5, 5, rng).next().value![0]!]++;
    // Binomial(5000, 0.2): sd ≈ 28; 5 sd margin.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(140);
  });

  it('rejects bad sizes', () => {
    expect(() => batches(10, 0, Rng.fromSeed(1))).toThrow(/batchSize must be an integer >= 1/);
    expect(() => batches(-1, 2, Rng.fromSeed(1))).toThrow(/n must be an integer >= 0/);
  });
});

describe('BatchCursor', () => {
  it('yields the batches of one batches() call per epoch, in order, across epoch ends', () => {
    const cursor = new BatchCursor(10, 3, Rng.fromSeed(5));
    const got = Array.from({ length: 9 }, () => Array.from(cursor.next()));
    const rng = Rng.fromSeed(5);
    const want = [...batches(10, 3, rng), ...batches(10, 3, rng), ...batches(10, 3, rng)].map((b) =>
      Array.from(b),
    );
    expect(got).toEqual(want.slice(0, 9));
    expect(got.map((b) => b.length)).toEqual([3, 3, 3, 1, 3, 3, 3, 1, 3]);
    expect(cursor.epochsStarted).toBe(3);
  });

  it('draws an epoch only when the previous one is used up (dropLast skips the tail)', () => {
    const rng = Rng.fromSeed(8);
    const cursor = new BatchCursor(7, 2, rng, { dropLast: true });
    expect(cursor.epochsStarted).toBe(0);
    const first = [cursor.next(), cursor.next(), cursor.next()].map((b) => Array.from(b));
    const check = Rng.fromSeed(8);
    expect(first).toEqual([...batches(7, 2, check, { dropLast: true })].map((b) => Array.from(b)));
    // Nothing more drawn yet: the stream's next value is the check stream's next value.
    expect(rng.nextUint32()).toBe(check.nextUint32());
    expect(cursor.next().length).toBe(2);
    expect(cursor.epochsStarted).toBe(2);
  });

  it('shuffle: false cycles 0..n−1', () => {
    const cursor = new BatchCursor(4, 3, Rng.fromSeed(1), { shuffle: false });
    expect([cursor.next(), cursor.next(), cursor.next()].map((b) => Array.from(b))).toEqual([
      [0, 1, 2],
      [3],
      [0, 1, 2],
    ]);
  });

  it('rejects a batch size with no batch per epoch, naming it', () => {
    expect(() => new BatchCursor(3, 4, Rng.fromSeed(1), { dropLast: true })).toThrow(
      /batchSize must be at most n \(3\) when dropLast is set; got 4/,
    );
    expect(() => new BatchCursor(0, 4, Rng.fromSeed(1))).toThrow(/batchSize/);
    expect(() => new BatchCursor(5, 0, Rng.fromSeed(1))).toThrow(/batchSize/);
  });
});

describe('gatherRows / gatherBatch', () => {
  const data: LabeledArrays = {
    features: Float32Array.from({ length: 12 }, (_, i) => i),
    labels: Int32Array.from([7, 8, 9, 10]),
    featureShape: [3],
    count: 4,
  };

  it('copies the requested rows in order', () => {
    expect(Array.from(gatherRows(data.features, 3, [2, 0, 2]))).toEqual([6, 7, 8, 0, 1, 2, 6, 7, 8]);
    expect(gatherRows(data.labels, 1, [3, 1])).toEqual(Int32Array.from([10, 8]));
    expect(() => gatherRows(data.features, 3, [4])).toThrow(
      /indices\[0\] must be an integer row index in \[0, 4\)/,
    );
    expect(() => gatherRows(data.features, 5, [0])).toThrow(/divisible by rowSize/);
  });

  it('builds exactly two tensors with the batch values', async () => {
    const before = tf.memory().numTensors;
    const { x, y } = gatherBatch({ ...data, featureShape: [1, 3] }, Int32Array.from([3, 1]));
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(x.shape).toEqual([2, 1, 3]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(await x.data())).toEqual([9, 10, 11, 3, 4, 5]);
    expect(Array.from(await y.data())).toEqual([10, 8]);
    tf.dispose([x, y]);
  });
});

describe('languageModelBatch', () => {
  it('shifts each selected sequence by one token', async () => {
    const tokens = Int32Array.from([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    const before = tf.memory().numTensors;
    const { inputs, targets } = languageModelBatch(tokens, 4, [2, 0]);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(inputs.shape).toEqual([2, 3]);
    expect(inputs.dtype).toBe('int32');
    expect(Array.from(await inputs.data())).toEqual([20, 21, 22, 0, 1, 2]);
    expect(Array.from(await targets.data())).toEqual([21, 22, 23, 1, 2, 3]);
    tf.dispose([inputs, targets]);
  });
});

describe('transforms', () => {
  it('oneHot', () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([3], 3)).toThrow(/labels\[0\] must be an integer in \[0, 3\)/);
  });

  it('featureStats / standardize give zero mean, unit std, and 0 for constant columns', () => {
    // The third column has a large mean: Welford's update keeps its variance exact.
    const f = Float32Array.from([1, 5, 1e6 + 10, 3, 5, 1e6 + 20, 5, 5, 1e6 + 30]);
    const stats = featureStats(f, 3);
    expect(Array.from(stats.mean)).toEqual([3, 5, 1e6 + 20]);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(stats.std[1]).toBe(0);
    expect(stats.std[2]).toBeCloseTo(Math.sqrt(200 / 3), 9);
    const z = standardize(f, stats);
    const col = (j: number) => [0, 1, 2].map((r) => z[r * 3 + j]!);
    expect(col(0).map((v) => Number(v.toFixed(5)))).toEqual(
      [-2, 0, 2].map((v) => Number((v / Math.sqrt(8 / 3)).toFixed(5))),
    );
    expect(col(1)).toEqual([0, 0, 0]);
  });

  it('avgPool2x2 on a hand-made image (odd sides drop the last row/column)', () => {
    // 4×4 image of 0..15 and a 3×3 image; two images in one array.
    const img = Float32Array.from([...Array.from({ length: 16 }, (_, i) => i)]);
    expect(Array.from(avgPool2x2(img, 1, 4, 4))).toEqual([
      (0 + 1 + 4 + 5) / 4,
      (2 + 3 + 6 + 7) / 4,
      (8 + 9 + 12 + 13) / 4,
      (10 + 11 + 14 + 15) / 4,
    ]);
    const two = Float32Array.from([1, 2, 9, 3, 4, 9, 9, 9, 9, 0.5, 0.25, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(avgPool2x2(two, 2, 3, 3))).toEqual([2.5, 0.1875]);
    expect(() => avgPool2x2(img, 2, 4, 4)).toThrow(/length count·height·width = 32/);
  });
});
