import { Rng } from '@paperkit/tensor-core';
import { maxAbsDiff } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { adversarialInput, kktCheck, PROX_ALGORITHMS, proxR } from '../src/index.js';
import { dyadicInput, tiedGaussian } from './helpers.js';

const OTHERS = PROX_ALGORITHMS.filter((a) => a !== 'pav');

describe('algorithm equivalence A ≡ B ≡ C ≡ D (spec §I.9 oracle 8)', () => {
  it('bit-identical outputs and identical partitions on tied dyadic inputs (integer w, λ = (d−1)/4)', () => {
    const rng = Rng.fromSeed(31);
    for (let t = 0; t < 300; t++) {
      const d = 2 + rng.int(63);
      const { w, lambda } = dyadicInput(rng, d);
      const scale = [0.25, 0.5, 1, 2][rng.int(4)]!;
      const ref = proxR(w, lambda * scale, { returnClusters: true });
      for (const algorithm of OTHERS) {
        const r = proxR(w, lambda * scale, { algorithm, returnClusters: true });
        expect(r.clusterCount).toBe(ref.clusterCount);
        expect(Array.from(r.clusters)).toEqual(Array.from(ref.clusters));
        for (let i = 0; i < d; i++) expect(Object.is(r.x[i], ref.x[i])).toBe(true);
      }
    }
  });

  it('the same maximal partition on random Gaussian and tied inputs, d = 2..64', () => {
    const rng = Rng.fromSeed(32);
    for (let t = 0; t < 300; t++) {
      const d = 2 + rng.int(63);
      const w = tiedGaussian(rng, d);
      const lambda = rng.uniform(0, 2);
      const ref = proxR(w, lambda, { returnClusters: true });
      expect(kktCheck(w, ref.x, lambda, 1e-12).ok).toBe(true);
      for (const algorithm of OTHERS) {
        const r = proxR(w, lambda, { algorithm, returnClusters: true });
        expect(Array.from(r.clusters)).toEqual(Array.from(ref.clusters));
        expect(maxAbsDiff(r.x, ref.x)).toBeLessThanOrEqual(1e-12 * Math.max(...Array.from(w, Math.abs)));
      }
    }
  });

  it('maximal blocks: adjacent clusters of the result have strictly increasing values', () => {
    const rng = Rng.fromSeed(33);
    for (let t = 0; t < 100; t++) {
      const { w, lambda } = dyadicInput(rng, 2 + rng.int(40), 2);
      for (const algorithm of PROX_ALGORITHMS) {
        const r = proxR(w, lambda * 0.5, { algorithm, returnClusters: true });
        const values = new Float64Array(r.clusterCount);
        for (let i = 0; i < w.length; i++) values[r.clusters[i]!] = r.x[i]!;
        for (let c = 1; c < r.clusterCount; c++) expect(values[c]!).toBeGreaterThan(values[c - 1]!);
      }
    }
  });

  it('agree within 1e-12·max|w| on Gaussian weights at d = 1e4 and 1e5', () => {
    const rng = Rng.fromSeed(34);
    for (const d of [1e4, 1e5]) {
      const w = rng.fillNormal(new Float64Array(d));
      const ref = proxR(w, 0.01, { returnClusters: true });
      const tol = 1e-12 * Math.max(...Array.from(w, Math.abs));
      for (const algorithm of OTHERS) {
        if (algorithm === 'end' && d > 1e4) continue; // O(K·d) work: 1e10 at d = 1e5
        const r = proxR(w, 0.01, { algorithm, returnClusters: true });
        expect(r.clusterCount).toBe(ref.clusterCount);
        expect(maxAbsDiff(r.clusters, ref.clusters)).toBe(0);
        expect(maxAbsDiff(r.x, ref.x)).toBeLessThanOrEqual(tol);
      }
    }
  });
});

describe('round and step counts (spec §I.9 oracle 9)', () => {
  it('the adversarial input needs exactly d − 1 imminent-collision rounds; search uses ⌈log2 d⌉ levels', () => {
    for (const d of [100, 1000, 5000]) {
      const w = adversarialInput(d, 1);
      for (let i = 1; i < d; i++) expect(w[i]!).toBeGreaterThan(w[i - 1]!);
      const c = proxR(w, 1, { algorithm: 'imminent' });
      const s = proxR(w, 1, { algorithm: 'search' });
      expect(c.rounds).toBe(d - 1);
      expect(s.rounds).toBe(Math.ceil(Math.log2(d)));
      // Search collisions' PRAM depth stays below log2(d)³ while imminent's grows like d log d.
      expect(s.depth).toBeLessThanOrEqual(Math.log2(d) ** 3);
      expect(c.depth).toBeGreaterThanOrEqual(d - 1);
      expect(maxAbsDiff(c.x, s.x)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('Gaussian input, d = 1e4, λ = 0.01: at most 3 imminent rounds', () => {
    const w = Rng.fromSeed(35).fillNormal(new Float64Array(1e4));
    const r = proxR(w, 0.01, { algorithm: 'imminent' });
    expect(r.rounds).toBeGreaterThanOrEqual(1);
    expect(r.rounds).toBeLessThanOrEqual(3);
  });

  it('PAV is one sequential pass, end collisions one iteration per multi-element step', () => {
    const w = new Float64Array([0, 1, 5]);
    expect(proxR(w, 2).rounds).toBe(1);
    expect(proxR(w, 2).depth).toBe(3);
    expect(proxR(w, 2, { algorithm: 'end' }).rounds).toBe(1);
    expect(proxR(w, 0.5, { algorithm: 'end' }).rounds).toBe(2);
    expect(proxR(w, 2, { algorithm: 'search' }).rounds).toBe(2);
  });
});
