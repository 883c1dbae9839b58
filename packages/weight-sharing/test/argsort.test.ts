import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { radixArgsort, radixSortWithIndex } from '../src/index.js';

function expectSorted(values: ArrayLike<number>, idx: Uint32Array): void {
  expect(idx.length).toBe(values.length);
  expect(new Set(idx).size).toBe(values.length);
  let bad = 0;
  for (let k = 1; k < idx.length; k++) if (values[idx[k]!]! < values[idx[k - 1]!]!) bad++;
  expect(bad).toBe(0);
}

describe('radix argsort', () => {
  it('sorts float32 data exactly, signs, zeros, extremes and ties included', () => {
    const v = new Float32Array([3, -0, 0, -1e-40, 1e-40, -3.4e38, 3.4e38, 2, 2, -2, -7.5, 1e-7, -1e-7]);
    const { idx, sorted } = radixSortWithIndex(v);
    expectSorted(v, idx);
    for (let k = 0; k < v.length; k++) expect(sorted[k]).toBe(v[idx[k]!]);
  });

  it('matches a comparator sort on random float32 and float64 data', () => {
    const rng = Rng.fromSeed(61);
    for (const n of [0, 1, 2, 100, 5000]) {
      const f32 = rng.fillNormal(new Float32Array(n), 0, 0.05);
      expectSorted(f32, radixArgsort(f32));
      const f64 = rng.fillNormal(new Float64Array(n), 0, 1e3);
      const { idx, sorted } = radixSortWithIndex(f64);
      expectSorted(f64, idx);
      expect(Array.from(sorted)).toEqual(Array.from(f64).sort((a, b) => a - b));
    }
  });

  it('orders float64 values that share one float32 (fix-up runs, short and long)', () => {
    const rng = Rng.fromSeed(62);
    const v = new Float64Array(3000);
    for (let i = 0; i < v.length; i++) v[i] = 1 + (rng.int(100) - 50) * 1e-12 + (i % 2 ? 1e-3 : 0);
    expectSorted(v, radixArgsort(v));
    const w = Float64Array.from({ length: 40 }, (_, i) => 5 + (40 - i) * 1e-13);
    expectSorted(w, radixArgsort(w));
  });

  it('works on a subarray view (non-zero byteOffset)', () => {
    const base = new Float32Array([9, 4, 1, 3, 2]);
    const view = base.subarray(1);
    expect(Array.from(radixArgsort(view))).toEqual([1, 3, 2, 0]);
  });
});
