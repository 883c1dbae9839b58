import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { lambdaMax, proxR, R } from '../src/index.js';
import { tiedGaussian } from './helpers.js';
import { pairSumR } from './reference.js';

describe('R(w) (spec §I.9 oracle 1)', () => {
  it('R(0, 1, 5) = 5, in either input type and order', () => {
    expect(R([0, 1, 5])).toBe(5);
    expect(R(new Float32Array([5, 0, 1]))).toBe(5);
    expect(R(new Float64Array([1, 5, 0]))).toBe(5);
  });

  it('the sorted formula equals the O(d²) pair sum on random and tied inputs (tol 1e-12)', () => {
    const rng = Rng.fromSeed(11);
    for (let t = 0; t < 100; t++) {
      const w = tiedGaussian(rng, 2 + rng.int(60));
      const pair = pairSumR(w);
      expect(Math.abs(R(w) - pair)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(pair)));
    }
  });

  it('is translation invariant, 1-homogeneous, permutation invariant and 0 exactly on constants', () => {
    const rng = Rng.fromSeed(12);
    const w = tiedGaussian(rng, 50);
    const r = R(w);
    expect(R(w.map((v) => v + 3.25))).toBeCloseTo(r, 12);
    expect(R(w.map((v) => 2 * v))).toBeCloseTo(2 * r, 12);
    expect(R(rng.shuffle(w.slice()))).toBeCloseTo(r, 12);
    expect(R(new Float64Array(17).fill(0.3))).toBe(0);
    expect(r).toBeGreaterThan(0);
  });

  it('is 0 for d ≤ 1 (no pairs)', () => {
    expect(R([])).toBe(0);
    expect(R([4])).toBe(0);
  });
});

describe('lambdaMax (spec §I.9 oracle 4)', () => {
  it('λ_max(0, 1, 5) = 3', () => {
    expect(lambdaMax([0, 1, 5])).toBe(3);
  });

  it('at λ ≥ λ_max the prox is mean(w)·1; at 0.99·λ_max it is not constant', () => {
    const rng = Rng.fromSeed(13);
    for (let t = 0; t < 50; t++) {
      const w = tiedGaussian(rng, 3 + rng.int(40));
      const lm = lambdaMax(w);
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      for (const scale of [1 + 1e-12, 1.5, 10]) {
        const x = proxR(w, lm * scale).x;
        expect(new Set(x).size).toBe(1);
        expect(Math.abs(x[0]! - mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean)));
      }
      expect(new Set(proxR(w, 0.99 * lm).x).size).toBeGreaterThan(1);
    }
  });

  it('(0, 1, 5): λ = 3 collapses to 2, λ = 2.97 does not', () => {
    expect(Array.from(proxR(new Float64Array([0, 1, 5]), 3).x)).toEqual([2, 2, 2]);
    expect(new Set(proxR(new Float64Array([0, 1, 5]), 2.97).x).size).toBe(2);
  });

  it('is 0 for constants and for d ≤ 1', () => {
    expect(lambdaMax(new Float64Array(9).fill(-1.5))).toBe(0);
    expect(lambdaMax([7])).toBe(0);
  });
});
