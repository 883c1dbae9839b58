import { PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  factorizedSupportPriors,
  gridDataset,
  ManhattanUniform,
  nonFactorizedSupportPriors,
  referenceLinearMap,
} from '../src/index.js';
import { chiSquarePValue, gammaQ } from './helpers.js';

describe('ManhattanUniform', () => {
  it('draws strictly increasing separators with spacings in [0.3, 2.5] from the corner', () => {
    for (let seed = 0; seed < 20; seed++) {
      const g = ManhattanUniform.random(Rng.fromSeed(seed), { gridDims: [4, 3], corner: [0, -1] });
      expect(g.gridDims).toEqual([4, 3]);
      expect(g.separators.map((s) => s.length)).toEqual([5, 4]);
      expect(g.separators[0]![0]).toBe(0);
      expect(g.separators[1]![0]).toBe(-1);
      for (const axis of g.separators)
        for (let m = 1; m < axis.length; m++) {
          const gap = axis[m]! - axis[m - 1]!;
          expect(gap).toBeGreaterThanOrEqual(0.3);
          expect(gap).toBeLessThan(2.5);
        }
    }
  });

  it('puts every sample inside its sampled cell, flat index k = c0 + g0·c1', () => {
    const g = ManhattanUniform.random(Rng.fromSeed(3));
    const { z, cells } = g.sample(Rng.fromSeed(4), 5000);
    expect(Array.from(g.cellOf(z))).toEqual(Array.from(cells));
    for (let i = 0; i < 200; i++) {
      const [c0, c1] = g.cellCoords(cells[i]!);
      expect(cells[i]).toBe(c0! + 4 * c1!);
      expect(z.data[2 * i]!).toBeGreaterThanOrEqual(g.separators[0]![c0!]!);
      expect(z.data[2 * i]!).toBeLessThan(g.separators[0]![c0! + 1]!);
      expect(z.data[2 * i + 1]!).toBeGreaterThanOrEqual(g.separators[1]![c1!]!);
      expect(z.data[2 * i + 1]!).toBeLessThan(g.separators[1]![c1! + 1]!);
    }
    expect(g.flatIndex([3, 2])).toBe(11);
    expect(g.cellCoords(11)).toEqual([3, 2]);
  });

  it('gives zero-prior cells no samples and matches the priors by a χ² test', () => {
    const priors = nonFactorizedSupportPriors(Rng.fromSeed(7));
    const g = ManhattanUniform.random(Rng.fromSeed(8), { priors });
    const n = 20000;
    const { cells } = g.sample(Rng.fromSeed(9), n);
    const counts = new Float64Array(16);
    for (const k of cells) counts[k]!++;
    for (const k of [2, 3, 8, 12, 13]) expect(counts[k]).toBe(0);
    expect(chiSquarePValue(counts, priors)).toBeGreaterThan(1e-3);
    // The test has power: the same counts against uniform priors on the support are rejected.
    const uniform = priors.map((p) => (p > 0 ? 1 / 11 : 0));
    expect(chiSquarePValue(counts, uniform)).toBeLessThan(1e-6);
  });

  it('has a density equal to prior over volume inside, 0 outside', () => {
    const g = new ManhattanUniform(
      [
        [0, 1, 3],
        [0, 2, 3],
      ],
      [0.1, 0.2, 0.3, 0.4],
    );
    const pts = { rows: 3, cols: 2, data: [0.5, 0.5, 2, 2.5, 4, 1] };
    expect(Array.from(g.density(pts))).toEqual([0.1 / 2, 0.4 / 2, 0]);
    expect(Array.from(g.cellOf(pts))).toEqual([0, 3, -1]);
  });

  it('rejects grids with fewer than 2 cells per axis, bad spacings and priors that do not sum to 1', () => {
    const rng = Rng.fromSeed(0);
    expect(() => ManhattanUniform.random(rng, { gridDims: [4, 1] })).toThrow(
      /gridDims\[1\].*at least 2 cells/,
    );
    expect(() => ManhattanUniform.random(rng, { gridDims: [] })).toThrow(PaperkitInputError);
    expect(() => ManhattanUniform.random(rng, { minSpacing: 0 })).toThrow(/minSpacing/);
    expect(() => ManhattanUniform.random(rng, { minSpacing: 2, maxSpacing: 1 })).toThrow(/maxSpacing/);
    expect(() => ManhattanUniform.random(rng, { priors: new Float64Array(16).fill(0.1) })).toThrow(
      /priors must be probabilities summing to 1 .*got "probabilities summing to 1\.6/,
    );
    expect(() => ManhattanUniform.random(rng, { priors: [0.5, 0.5] })).toThrow(
      /array of 16 cell probabilities/,
    );
    const neg = new Float64Array(16).fill(1 / 14);
    neg[0] = -1 / 14;
    neg[1] = 3 / 14;
    expect(() => ManhattanUniform.random(rng, { priors: neg })).toThrow(/priors\[0\]/);
    expect(() => new ManhattanUniform([[0, 1]], [1])).toThrow(/separators\[0\].*2 cells/);
    expect(() => new ManhattanUniform([[0, 2, 1]], [0.5, 0.5])).toThrow(/separators\[0\]\[2\]/);
    const g = ManhattanUniform.random(rng);
    expect(() => g.sample(rng, 0)).toThrow(/n must be/);
    expect(() => g.flatIndex([4, 0])).toThrow(/coords\[0\]/);
  });
});

describe('the paper datasets', () => {
  it('builds the non-factorised priors: fixed diagonal, five empty cells, normalised', () => {
    const p = nonFactorizedSupportPriors(Rng.fromSeed(1));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const k of [2, 3, 8, 12, 13]) expect(p[k]).toBe(0);
    // Diagonal ratios are kept by the renormalisation: .26/.24/.27/.23.
    expect(p[0]! / p[5]!).toBeCloseTo(0.26 / 0.24, 12);
    expect(p[10]! / p[15]!).toBeCloseTo(0.27 / 0.23, 12);
  });

  it('builds the factorised priors: every cell positive, the diagonal dominant', () => {
    const p = factorizedSupportPriors(Rng.fromSeed(2));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const diag = [0, 5, 10, 15];
    for (let k = 0; k < 16; k++) {
      expect(p[k]).toBeGreaterThan(0);
      if (!diag.includes(k)) for (const j of diag) expect(p[j]).toBeGreaterThan(5 * p[k]!);
    }
    // softmax(10·p) with p_diag = .25: all diagonal cells are equal.
    expect(p[0]).toBeCloseTo(p[15]!, 14);
  });

  it('draws the reference linear map from U(±1/√2)·0.1', () => {
    const a = referenceLinearMap(Rng.fromSeed(5), 2);
    for (const v of a.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.1 / Math.SQRT2);
  });

  it('gives the same grid and mixing for any n, and the same samples as a prefix', () => {
    const small = gridDataset(Rng.fromSeed(11), { kind: 'factorized', n: 100 });
    const big = gridDataset(Rng.fromSeed(11), { kind: 'factorized', n: 300 });
    expect(big.grid.separators).toEqual(small.grid.separators);
    expect(Array.from(big.mixing!.data)).toEqual(Array.from(small.mixing!.data));
    expect(Array.from(big.z.data.slice(0, 200))).toEqual(Array.from(small.z.data));
    // x = A·z for each row.
    const a = small.mixing!.data;
    expect(small.x.data[0]).toBeCloseTo(a[0]! * small.z.data[0]! + a[1]! * small.z.data[1]!, 14);
    expect(small.x.data[1]).toBeCloseTo(a[2]! * small.z.data[0]! + a[3]! * small.z.data[1]!, 14);
    const other = gridDataset(Rng.fromSeed(12), { kind: 'factorized', n: 100 });
    expect(other.grid.separators).not.toEqual(small.grid.separators);
  });

  it('rejects bad dataset options', () => {
    const rng = Rng.fromSeed(0);
    expect(() => gridDataset(rng, { kind: 'nope' as 'factorized', n: 10 })).toThrow(/kind/);
    expect(() => gridDataset(rng, { kind: 'factorized', n: 1 })).toThrow(/n must be/);
    expect(() =>
      gridDataset(rng, {
        kind: 'factorized',
        n: 10,
        mixing: { rows: 3, cols: 3, data: new Float64Array(9) },
      }),
    ).toThrow(/mixing/);
    expect(() =>
      gridDataset(rng, {
        kind: 'factorized',
        n: 10,
        mixing: () => ({ rows: 2, cols: 2, data: [0, 0, 0, 0] }),
      }),
    ).toThrow(/mixing\(z\)/);
  });
});

it('the χ² helper matches known quantiles', () => {
  // χ²₁ at 3.841 has upper tail 0.05; χ²₁₀ at 18.307 has 0.05.
  expect(gammaQ(0.5, 3.841 / 2)).toBeCloseTo(0.05, 3);
  expect(gammaQ(5, 18.307 / 2)).toBeCloseTo(0.05, 3);
});
