import { type Matrix, meanCorrelationCoefficient, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { applyLinear, gridDataset, gridRecovery, ManhattanUniform, quantize } from '../src/index.js';
import { m, rotation } from './helpers.js';

const separators = [
  [0, 1, 2.5, 3],
  [-1, 0.5, 2],
];

function samplePoints(seed: number, n: number): Matrix {
  const g = new ManhattanUniform(separators, new Float64Array(6).fill(1 / 6));
  return g.sample(Rng.fromSeed(seed), n).z;
}

/** Separators mapped by z'_σ(k) = D_k·z_k + b (sorted increasingly). */
function mapSeparators(sigma: number[], d: number[], b: number[]): number[][] {
  const out: number[][] = [];
  sigma.forEach((target, k) => {
    out[target] = separators[k]!.map((c) => d[k]! * c + b[target]!).sort((x, y) => x - y);
  });
  return out;
}

/** z' = P·D·z + b with σ the permutation (z'_σ(k) = D_k z_k + b_σ(k)). */
function mapPoints(z: Matrix, sigma: number[], d: number[], b: number[]): Matrix {
  const out = new Float64Array(z.data.length);
  for (let i = 0; i < z.rows; i++)
    sigma.forEach((target, k) => {
      out[i * 2 + target] = d[k]! * z.data[i * 2 + k]! + b[target]!;
    });
  return { rows: z.rows, cols: 2, data: out };
}

describe('quantize', () => {
  it('counts the separators strictly below each coordinate (hand-computed)', () => {
    const z = m([
      [0.5, 0],
      [2.5, 2],
      [3.5, -2],
    ]);
    expect(Array.from(quantize(z, separators))).toEqual([1, 1, 2, 2, 4, 0]);
  });

  it('is unchanged under z′ = P·D·z + b with D > 0 and permutes codes with P', () => {
    const z = samplePoints(1, 500);
    const codes = quantize(z, separators);
    const same = quantize(mapPoints(z, [0, 1], [2, 0.5], [3, -1]), mapSeparators([0, 1], [2, 0.5], [3, -1]));
    expect(Array.from(same)).toEqual(Array.from(codes));
    const swapped = quantize(
      mapPoints(z, [1, 0], [2, 0.5], [3, -1]),
      mapSeparators([1, 0], [2, 0.5], [3, -1]),
    );
    for (let i = 0; i < z.rows; i++) {
      expect(swapped[2 * i + 1]).toBe(codes[2 * i]);
      expect(swapped[2 * i]).toBe(codes[2 * i + 1]);
    }
  });

  it('reverses the order on an axis with D < 0', () => {
    const z = samplePoints(2, 500);
    const codes = quantize(z, separators);
    const flipped = quantize(
      mapPoints(z, [0, 1], [-1.5, 1], [0, 0]),
      mapSeparators([0, 1], [-1.5, 1], [0, 0]),
    );
    for (let i = 0; i < z.rows; i++) {
      expect(flipped[2 * i]).toBe(separators[0]!.length - codes[2 * i]!);
      expect(flipped[2 * i + 1]).toBe(codes[2 * i + 1]);
    }
  });

  it('rejects separators that are not increasing or do not match the dimension', () => {
    const z = m([[0, 0]]);
    expect(() => quantize(z, [[0, 1]])).toThrow(/2 separator lists/);
    expect(() => quantize(z, [[0, 0], [1]])).toThrow(/separators\[0\]\[1\]/);
    expect(() => quantize(z, [[0], [Number.NaN]])).toThrow(PaperkitInputError);
  });
});

describe('gridRecovery (the identifiability statement)', () => {
  it('accepts a scaled permutation exactly: axis-aligned lines, σ, orientations, all codes', () => {
    const z = samplePoints(3, 1000);
    const map = m([
      [0, -3],
      [0.5, 0],
    ]);
    const r = gridRecovery(map, separators, { samples: z });
    expect(r.aligned).toBe(true);
    expect(r.maxRelativeSpread).toBeLessThan(1e-12);
    expect(Array.from(r.permutation!)).toEqual([1, 0]);
    expect(Array.from(r.orientation)).toEqual([1, -1]);
    expect(r.codeAgreement).toBe(1);
    expect(r.recoveredSeparators![1]).toEqual([0, 0.5, 1.25, 1.5]);
    // MCC(z, P·D·z) = 1.
    expect(meanCorrelationCoefficient(z, applyLinear(map, z)).mcc).toBeCloseTo(1, 12);
  });

  it('accepts a monotone element-wise diffeomorphism (values inside cells are not identified)', () => {
    const z = samplePoints(4, 1000);
    const warp = (p: Matrix): Matrix => {
      const out = new Float64Array(p.data.length);
      for (let i = 0; i < p.rows; i++) {
        out[2 * i] = Math.exp(p.data[2 * i + 1]!);
        out[2 * i + 1] = -(p.data[2 * i]! ** 3);
      }
      return { rows: p.rows, cols: 2, data: out };
    };
    const r = gridRecovery(warp, separators, { samples: z });
    expect(r.aligned).toBe(true);
    expect(Array.from(r.permutation!)).toEqual([1, 0]);
    expect(Array.from(r.orientation)).toEqual([-1, 1]);
    expect(r.codeAgreement).toBe(1);
  });

  it('rejects rotations and shears, whose mapped lines are slanted', () => {
    const r45 = gridRecovery(rotation(45), separators);
    expect(r45.aligned).toBe(false);
    expect(r45.maxRelativeSpread).toBeCloseTo(1, 12);
    const small = gridRecovery(rotation(2), separators);
    expect(small.aligned).toBe(false);
    // A 2° rotation: each line's minor spread is tan(2°)-ish of its major one.
    expect(small.maxRelativeSpread).toBeGreaterThan(0.02);
    expect(small.maxRelativeSpread).toBeLessThan(0.06);
    const shear = gridRecovery(
      m([
        [1, 0.3],
        [0, 1],
      ]),
      separators,
    );
    expect(shear.aligned).toBe(false);
    // Only the z₁-lines stay aligned under this shear (z′₂ = z₂ is untouched, z′₁ mixes in z₂).
    expect(shear.separators.filter((s) => s.axis === 1).every((s) => s.relativeSpread < 1e-12)).toBe(true);
  });

  it('recovers the grid of a dataset through W = A⁻¹ with the true separators', () => {
    const data = gridDataset(Rng.fromSeed(5), { kind: 'non-factorized', n: 2000 });
    const a = data.mixing!.data;
    const det = a[0]! * a[3]! - a[1]! * a[2]!;
    const inv = m([
      [a[3]! / det, -a[1]! / det],
      [-a[2]! / det, a[0]! / det],
    ]);
    const zHat = applyLinear(inv, data.x);
    const r = gridRecovery(
      (p: Matrix) => applyLinear(inv, applyLinear(data.mixing!, p)),
      data.grid.separators,
      {
        samples: data.z,
      },
    );
    expect(r.aligned).toBe(true);
    expect(r.maxRelativeSpread).toBeLessThan(1e-3);
    expect(r.codeAgreement).toBeGreaterThan(0.999);
    expect(meanCorrelationCoefficient(data.z, zHat).mcc).toBeGreaterThan(1 - 1e-9);
  });

  it('rejects bad maps, separators and options', () => {
    expect(() => gridRecovery(m([[1, 0, 0]]), separators)).toThrow(PaperkitInputError);
    expect(() => gridRecovery(m([[1]]), separators)).toThrow(/2×2/);
    expect(() => gridRecovery(() => m([[1, 2]]), separators)).toThrow(/map\(points\)/);
    expect(() => gridRecovery(rotation(0), [[0], [0, 1]])).toThrow(/separators\[0\]/);
    expect(() => gridRecovery(rotation(0), separators, { tolerance: 0 })).toThrow(/tolerance/);
    expect(() => gridRecovery(rotation(0), separators, { samples: m([[1, 2, 3]]) })).toThrow(/samples/);
    const nan = (p: Matrix): Matrix => ({
      rows: p.rows,
      cols: 2,
      data: new Float64Array(p.rows * 2).fill(Number.NaN),
    });
    expect(() => gridRecovery(nan, separators)).toThrow(/finite/);
  });
});
