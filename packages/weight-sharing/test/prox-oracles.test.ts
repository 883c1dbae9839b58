import { Rng } from '@paperkit/tensor-core';
import { maxAbsDiff } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { kktCheck, PROX_ALGORITHMS, proxR } from '../src/index.js';
import { tiedGaussian } from './helpers.js';
import { bruteForceProx } from './reference.js';

const prox = (w: number[], lambda: number, opts = {}) =>
  Array.from(proxR(Float64Array.from(w), lambda, opts).x);

describe('hand-worked prox values (spec §I.9 oracle 2), every algorithm', () => {
  for (const algorithm of PROX_ALGORITHMS) {
    it(`${algorithm}: w = (0, 1, 5) at λ = 0.5, 1, 2, 3; unsorted (5, 0, 1); w = (3, −1)`, () => {
      expect(prox([0, 1, 5], 0.5, { algorithm })).toEqual([0.5, 1, 4.5]);
      expect(prox([0, 1, 5], 1, { algorithm })).toEqual([1, 1, 4]);
      expect(prox([0, 1, 5], 2, { algorithm })).toEqual([1.5, 1.5, 3]);
      expect(prox([0, 1, 5], 3, { algorithm })).toEqual([2, 2, 2]);
      expect(prox([5, 0, 1], 2, { algorithm })).toEqual([3, 1.5, 1.5]);
      expect(prox([3, -1], 1, { algorithm })).toEqual([2, 0]);
      expect(prox([3, -1], 2, { algorithm })).toEqual([1, 1]);
    });
  }

  it('two elements: the mean when |w1 − w2| ≤ 2λ, otherwise each moves λ towards the other', () => {
    const rng = Rng.fromSeed(21);
    for (let t = 0; t < 200; t++) {
      const a = rng.normal();
      const b = rng.normal();
      const lambda = rng.uniform(0, 1.5);
      const [x1, x2] = prox([a, b], lambda);
      if (Math.abs(a - b) <= 2 * lambda) {
        expect(x1).toBe(x2);
        expect(x1).toBeCloseTo((a + b) / 2, 14);
      } else {
        expect(x1).toBeCloseTo(a + Math.sign(b - a) * lambda, 14);
        expect(x2).toBeCloseTo(b + Math.sign(a - b) * lambda, 14);
      }
    }
  });

  it('returns cluster ids in value order, the cluster count and the input type', () => {
    const r = proxR(new Float32Array([5, 0, 1]), 2, { returnClusters: true });
    expect(r.x).toBeInstanceOf(Float32Array);
    expect(Array.from(r.clusters)).toEqual([1, 0, 0]);
    expect(r.clusterCount).toBe(2);
    expect(proxR(new Float64Array([0, 1, 5]), 2).clusters).toBeUndefined();
  });
});

describe('identity, fixed points and float32 (spec §I.9 oracle 3)', () => {
  it('λ = 0 returns w exactly (signed zeros included), for both array types', () => {
    const rng = Rng.fromSeed(22);
    const w = tiedGaussian(rng, 300);
    w[3] = -0;
    const x = proxR(w, 0).x;
    for (let i = 0; i < w.length; i++) expect(Object.is(x[i], w[i])).toBe(true);
    const w32 = Float32Array.from(w);
    expect(Array.from(proxR(w32, 0).x)).toEqual(Array.from(w32));
  });

  it('a constant vector is unchanged, exactly, for every λ', () => {
    for (const c of [0.1, -3.7, 1e-300, 12345.678])
      for (const lambda of [1e-3, 1, 1e6]) {
        const x = proxR(new Float64Array(37).fill(c), lambda).x;
        expect(x.every((v) => v === c)).toBe(true);
      }
  });

  it('Float32 input accumulates in float64: the result is the float64 prox rounded once', () => {
    const rng = Rng.fromSeed(23);
    const w32 = rng.fillNormal(new Float32Array(5000), 0, 0.05);
    const x32 = proxR(w32, 1e-3).x;
    const x64 = proxR(Float64Array.from(w32), 1e-3).x;
    for (let i = 0; i < w32.length; i++) expect(x32[i]).toBe(Math.fround(x64[i]!));
  });

  it('d ≤ 1 has no pairs: identity (ℓ1 still applies), for every algorithm', () => {
    for (const algorithm of PROX_ALGORITHMS) {
      expect(proxR(new Float64Array(0), 1, { algorithm }).x).toHaveLength(0);
      expect(Array.from(proxR(new Float64Array([2.5]), 7, { algorithm }).x)).toEqual([2.5]);
      expect(Array.from(proxR(new Float64Array([2.5]), 7, { algorithm, l1: 1 }).x)).toEqual([1.5]);
    }
  });

  it('writes in place when `out` is the input', () => {
    const w = new Float64Array([5, 0, 1]);
    const r = proxR(w, 2, { out: w });
    expect(r.x).toBe(w);
    expect(Array.from(w)).toEqual([3, 1.5, 1.5]);
  });
});

describe('invariants (spec §I.9 oracle 5, tol 1e-12)', () => {
  it('mean, translation, permutation, negation, scaling, order, and the KKT certificate', () => {
    const rng = Rng.fromSeed(24);
    for (let t = 0; t < 60; t++) {
      const d = 2 + rng.int(80);
      const w = tiedGaussian(rng, d);
      const lambda = rng.uniform(0, 2);
      const x = proxR(w, lambda).x;
      const scale = Math.max(1, ...Array.from(w, Math.abs));
      const tol = 1e-12 * scale;
      const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
      expect(Math.abs(sum(x) - sum(w)) / d).toBeLessThanOrEqual(tol);
      const shift = rng.normal() * 3;
      const xs = proxR(
        w.map((v) => v + shift),
        lambda,
      ).x;
      expect(
        maxAbsDiff(
          xs,
          x.map((v) => v + shift),
        ),
      ).toBeLessThanOrEqual(1e-12 * (scale + Math.abs(shift)));
      const perm = rng.permutation(d);
      const xp = proxR(
        Float64Array.from(perm, (i) => w[i]!),
        lambda,
      ).x;
      expect(
        maxAbsDiff(
          xp,
          Float64Array.from(perm, (i) => x[i]!),
        ),
      ).toBeLessThanOrEqual(tol);
      expect(
        maxAbsDiff(
          proxR(
            w.map((v) => -v),
            lambda,
          ).x,
          x.map((v) => -v),
        ),
      ).toBeLessThanOrEqual(tol);
      const s = rng.uniform(0.5, 3);
      const scaled = proxR(
        w.map((v) => s * v),
        lambda,
      ).x;
      expect(
        maxAbsDiff(
          scaled,
          proxR(w, lambda / s).x.map((v) => s * v),
        ),
      ).toBeLessThanOrEqual(tol * s);
      let disorder = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (w[i]! < w[j]! && x[i]! > x[j]!) disorder++;
      expect(disorder).toBe(0);
      expect(kktCheck(w, x, lambda, tol).ok).toBe(true);
    }
  });
});

describe('ℓ1 and ρ (spec §I.9 oracles 6–7, reference code semantics)', () => {
  it('(0, 1, 5), λ = 2, β = 1 → (0.5, 0.5, 2)', () => {
    for (const algorithm of PROX_ALGORITHMS)
      expect(prox([0, 1, 5], 2, { l1: 1, algorithm })).toEqual([0.5, 0.5, 2]);
  });

  it('with ρ = 0 it is the prox of λR + β‖·‖₁: equal to the brute-force dual QP (tol 1e-9)', () => {
    const rng = Rng.fromSeed(25);
    for (let t = 0; t < 40; t++) {
      const d = 2 + rng.int(7);
      const w = tiedGaussian(rng, d);
      const lambda = rng.uniform(0, 2);
      const beta = rng.uniform(0, 1);
      expect(
        maxAbsDiff(proxR(w, lambda, { l1: beta }).x, bruteForceProx(w, lambda, beta)),
      ).toBeLessThanOrEqual(1e-9);
    }
  });

  it('(0, 1, 5), λ = 2, ρ = 0.5 → (1, 1, 4); ρ = 1 only snaps clusters to their mean', () => {
    expect(prox([0, 1, 5], 2, { rho: 0.5 })).toEqual([1, 1, 4]);
    expect(prox([0, 1, 5], 2, { rho: 1 })).toEqual([0.5, 0.5, 5]);
  });

  it('ρ also damps the ℓ1 step, and a cluster with |x̄ + v̄| < β is zeroed (code order)', () => {
    // Clusters {0, 1}: x̄ = 0.5, v̄ = 1; {5}: x̄ = 5, v̄ = −2.
    expect(prox([0, 1, 5], 2, { l1: 1, rho: 0.5 })).toEqual([0.5, 0.5, 3.5]);
    expect(prox([0, 1, 5], 2, { l1: 2, rho: 0.5 })).toEqual([0, 0, 3]);
    expect(prox([0.3, -0.2, 4], 0, { l1: 0.5 })).toEqual([0, 0, 3.5]);
  });
});
