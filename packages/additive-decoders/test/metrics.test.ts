import { type MatrixLike, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { lmsSpearman, lmsTree, RegressionTree, reconstructionRmse } from '../src/index.js';

/** Best single split by brute force: minimal summed squared error over features and cut positions. */
function bruteForceSplit(x: number[][], y: number[][]): { feature: number; threshold: number; sse: number } {
  const sse = (rows: number[][]) => {
    if (rows.length === 0) return 0;
    let s = 0;
    for (let q = 0; q < rows[0]!.length; q++) {
      const m = rows.reduce((a, r) => a + r[q]!, 0) / rows.length;
      s += rows.reduce((a, r) => a + (r[q]! - m) ** 2, 0);
    }
    return s;
  };
  let best = { feature: -1, threshold: 0, sse: Number.POSITIVE_INFINITY };
  for (let f = 0; f < x[0]!.length; f++) {
    const values = [...new Set(x.map((r) => r[f]!))].sort((a, b) => a - b);
    for (let k = 0; k + 1 < values.length; k++) {
      const t = (values[k]! + values[k + 1]!) / 2;
      const l = y.filter((_, i) => x[i]![f]! <= t);
      const r = y.filter((_, i) => x[i]![f]! > t);
      const s = sse(l) + sse(r);
      if (s < best.sse - 1e-12) best = { feature: f, threshold: t, sse: s };
    }
  }
  return best;
}

describe('RegressionTree (exact CART)', () => {
  it('finds the hand-computed split of a step function and predicts the leaf means', () => {
    // y = 1 for x ≤ 2, y = 5 for x > 2; the best cut is halfway between 2 and 3.
    const x = [0, 1, 2, 3, 4];
    const y = [1, 1, 1, 5, 5];
    const t = RegressionTree.fit(x, 1, y, 1, { maxDepth: 1 });
    expect(t.nodeCount).toBe(3);
    expect(Array.from(t.predict([2.49, 2.5, 2.51]))).toEqual([1, 1, 5]);
    // Depth 0 is the mean.
    expect(Array.from(RegressionTree.fit(x, 1, y, 1, { maxDepth: 0 }).predict([7]))).toEqual([2.6]);
  });

  it('matches a brute-force best split on random multi-output data', () => {
    const rng = Rng.fromSeed(11);
    for (let trial = 0; trial < 10; trial++) {
      const n = 25;
      const x = Array.from({ length: n }, () => [rng.uniform(), rng.uniform(), rng.int(4)]);
      const y = Array.from({ length: n }, (_, i) => [
        Math.sin(4 * x[i]![0]!) + rng.normal(0, 0.1),
        x[i]![2]! * 0.3,
      ]);
      const tree = RegressionTree.fit(x.flat(), 3, y.flat(), 2, { maxDepth: 1 });
      const bf = bruteForceSplit(x, y);
      const pred = tree.predict(x.flat());
      let sse = 0;
      for (let i = 0; i < n; i++) for (let q = 0; q < 2; q++) sse += (pred[i * 2 + q]! - y[i]![q]!) ** 2;
      expect(sse).toBeCloseTo(bf.sse, 9);
    }
  });

  it('grows until leaves are pure when the depth allows, so it interpolates its training set', () => {
    const rng = Rng.fromSeed(12);
    const n = 200;
    const x = rng.fillUniform(new Float64Array(n * 2));
    const y = Float64Array.from({ length: n }, (_, i) => x[2 * i]! * x[2 * i + 1]! + rng.normal(0, 0.01));
    const tree = RegressionTree.fit(x, 2, y, 1, { maxDepth: 20 });
    expect(Array.from(tree.predict(x))).toEqual(Array.from(y));
    expect(tree.leafCount).toBe(n);
    // Depth caps the tree.
    const shallow = RegressionTree.fit(x, 2, y, 1, { maxDepth: 3 });
    expect(shallow.depth).toBe(3);
    expect(shallow.leafCount).toBeLessThanOrEqual(8);
  });

  it('keeps a constant target or constant features in one leaf, and respects minSamplesLeaf', () => {
    expect(RegressionTree.fit([1, 2, 3, 4], 1, [7, 7, 7, 7], 1).nodeCount).toBe(1);
    expect(RegressionTree.fit([5, 5, 5, 5], 1, [1, 2, 3, 4], 1).nodeCount).toBe(1);
    const t = RegressionTree.fit([0, 1, 2, 3, 4, 5], 1, [0, 0, 0, 0, 0, 9], 1, {
      minSamplesLeaf: 2,
      maxDepth: 1,
    });
    // Cuts must leave two samples per side: 4.5 is not allowed, 3.5 (SSE 40.5) beats 2.5 (SSE 54).
    expect(Array.from(t.predict([3.4, 3.6]))).toEqual([0, 4.5]);
  });

  it('is deterministic and rejects bad input', () => {
    const x = [0.3, 0.1, 0.2, 0.9];
    const y = [1, 2, 3, 4];
    expect(Array.from(RegressionTree.fit(x, 1, y, 1).predict(x))).toEqual(
      Array.from(RegressionTree.fit(x, 1, y, 1).predict(x)),
    );
    expect(() => RegressionTree.fit([1, 2, 3], 2, [1], 1)).toThrow(
      /x must be a non-empty row-major array whose length is a multiple of 2/,
    );
    expect(() => RegressionTree.fit([1, 2], 1, [1], 1)).toThrow(
      /y must be an array of 2 values \(2 rows × 1 outputs\)/,
    );
    expect(() => RegressionTree.fit([1, Number.NaN], 1, [1, 2], 1)).toThrow(
      /x\[1\] must be a finite number; got NaN/,
    );
    expect(() => RegressionTree.fit([1, 2], 1, [1, 2], 1, { maxDepth: -1 })).toThrow(
      /maxDepth must be an integer >= 0/,
    );
    expect(() =>
      RegressionTree.fit([1, 2], 1, [1, 2], 1).predict(
        [1, 2, 3].slice(0, 2).concat([Number.POSITIVE_INFINITY]),
      ),
    ).toThrow(/x\[2\] must be a finite number/);
  });
});

function mat(rows: number, cols: number, data: ArrayLike<number>): MatrixLike {
  return { rows, cols, data };
}

/** n points of two 2-D blocks (x₁, y₁, x₂, y₂) uniform in [0.1, 0.9]⁴. */
function blockLatents(seed: number, n: number): Float64Array {
  return Rng.fromSeed(seed).fillUniform(new Float64Array(n * 4), 0.1, 0.9);
}

function mapRows(z: Float64Array, f: (r: number[]) => number[]): Float64Array {
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length / 4; i++) out.set(f(Array.from(z.subarray(4 * i, 4 * i + 4))), 4 * i);
  return out;
}

describe('LMS', () => {
  it('LMS_Spear is 100 for strictly monotone maps of permuted latents, and lower for mixtures', () => {
    const rng = Rng.fromSeed(13);
    const n = 500;
    const z = rng.fillNormal(new Float64Array(n * 2));
    const zHat = new Float64Array(n * 2);
    const mixed = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      zHat[2 * i] = -Math.exp(z[2 * i + 1]!); // decreasing map of latent 1
      zHat[2 * i + 1] = z[2 * i]! ** 3; // increasing map of latent 0
      mixed[2 * i] = z[2 * i]! + z[2 * i + 1]!;
      mixed[2 * i + 1] = z[2 * i]! - z[2 * i + 1]!;
    }
    const r = lmsSpearman(mat(n, 2, z), mat(n, 2, zHat));
    expect(r.lms).toBeCloseTo(100, 10);
    expect(Array.from(r.assignment)).toEqual([1, 0]);
    expect(lmsSpearman(mat(n, 2, z), mat(n, 2, mixed)).lms).toBeLessThan(80);
  });

  it('LMS_Tree of z itself is 100 when scored on the training points, and near 100 on new points', () => {
    const zTr = blockLatents(14, 800);
    const zTe = blockLatents(15, 400);
    const onTrain = {
      zTrain: mat(800, 4, zTr),
      zHatTrain: mat(800, 4, zTr),
      zTest: mat(800, 4, zTr),
      zHatTest: mat(800, 4, zTr),
      truePartition: [
        [0, 1],
        [2, 3],
      ],
    };
    // Deep enough to isolate every point: exactly 100; the reference's depth 10 leaves a few pairs.
    expect(lmsTree({ ...onTrain, maxDepth: 40 }).lms).toBe(100);
    expect(lmsTree(onTrain).lms).toBeGreaterThan(99.9);
    const held = lmsTree({
      zTrain: mat(800, 4, zTr),
      zHatTrain: mat(800, 4, zTr),
      zTest: mat(400, 4, zTe),
      zHatTest: mat(400, 4, zTe),
      truePartition: [
        [0, 1],
        [2, 3],
      ],
    });
    expect(held.lms).toBeGreaterThan(97);
  });

  it('LMS_Tree is invariant to invertible maps within blocks and to swapping blocks, not to mixing blocks', () => {
    const zTr = blockLatents(16, 1500);
    const zTe = blockLatents(17, 500);
    const within = (r: number[]) => [r[2]! - r[3]!, r[2]! + r[3]!, r[0]! + r[1]!, r[0]! - r[1]!]; // blocks swapped
    const across = (r: number[]) => [r[0]! + r[2]!, r[1]!, r[0]! - r[2]!, r[3]!];
    const score = (f: (r: number[]) => number[]) =>
      lmsTree({
        zTrain: mat(1500, 4, zTr),
        zHatTrain: mat(1500, 4, mapRows(zTr, f)),
        zTest: mat(500, 4, zTe),
        zHatTest: mat(500, 4, mapRows(zTe, f)),
        truePartition: [
          [0, 1],
          [2, 3],
        ],
      });
    const w = score(within);
    expect(w.lms).toBeGreaterThan(95);
    expect(Array.from(w.assignment)).toEqual([1, 0]);
    expect(score(across).lms).toBeLessThan(75);
  });

  it('partition search returns the max over the three pairings and finds the right one', () => {
    const zTr = blockLatents(18, 1500);
    const zTe = blockLatents(19, 500);
    // Learned latents interleave the blocks: (x₁, x₂, y₁, y₂) → the right pairing is {0,2 | 1,3}.
    const f = (r: number[]) => [r[0]!, r[2]!, r[1]!, r[3]!];
    const base = {
      zTrain: mat(1500, 4, zTr),
      zHatTrain: mat(1500, 4, mapRows(zTr, f)),
      zTest: mat(500, 4, zTe),
      zHatTest: mat(500, 4, mapRows(zTe, f)),
      truePartition: [
        [0, 1],
        [2, 3],
      ],
    };
    const fixed = lmsTree(base);
    const searched = lmsTree({ ...base, learnedPartitions: 'search' });
    expect(searched.perPartition).toHaveLength(3);
    expect(searched.lms).toBe(Math.max(...searched.perPartition.map((p) => p.lms)));
    expect(searched.partition).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(searched.lms).toBeGreaterThan(97);
    expect(fixed.lms).toBeLessThan(searched.lms - 20);
    expect(searched.perPartition[0]!.lms).toBeCloseTo(fixed.lms, 10);
  });

  it('reconstructionRmse clamps predictions to [0, 1] like the reference evaluation', () => {
    expect(reconstructionRmse([0, 1], [-1, 2])).toBe(0);
    expect(reconstructionRmse([0, 1], [-1, 2], { clamp: null })).toBe(1);
    expect(reconstructionRmse([0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 1.5])).toBe(0.25);
    expect(() => reconstructionRmse([1, 2], [1])).toThrow(/xHat must be an array of 2 values/);
    expect(() => reconstructionRmse([1], [1], { clamp: [1, 0] })).toThrow(
      /clamp must be a range \[lo, hi\] with lo < hi/,
    );
  });

  it('lmsTree rejects mismatched inputs and partitions', () => {
    const z = mat(10, 4, blockLatents(1, 10));
    const base = { zTrain: z, zHatTrain: z, zTest: z, zHatTest: z };
    expect(() =>
      lmsTree({
        ...base,
        truePartition: [
          [0, 1],
          [1, 2, 3],
        ],
      }),
    ).toThrow(/truePartition must be blocks that do not overlap/);
    expect(() =>
      lmsTree({
        ...base,
        truePartition: [
          [0, 1],
          [2, 3],
        ],
        learnedPartitions: [[[0, 1, 2, 3]]],
      }),
    ).toThrow(/learnedPartitions\[0\] must be a partition into 2 blocks/);
    expect(() =>
      lmsTree({
        ...base,
        zHatTest: mat(9, 4, new Float64Array(36)),
        truePartition: [
          [0, 1],
          [2, 3],
        ],
      }),
    ).toThrow(/zHatTest must be 10 rows \(as zTest\)/);
  });
});
