import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  barabasiAlbertNetworkx,
  CRD,
  completeGraph,
  completeGraphRrmLaw,
  rrmCooperationHistogram,
  rrmInitialPrediction,
  rrmPopulation,
  rrmSummary,
  rrmTrial,
  torusGrid,
} from '../src/index.js';

describe('RRM fixed points (§II.10 #6)', () => {
  it('every fixed point has accuracy exactly 1 and is a best response to itself', () => {
    const rng = Rng.fromSeed(1);
    for (const g of [barabasiAlbertNetworkx(20, 2, 0), barabasiAlbertNetworkx(15, 3, 1), torusGrid(4)]) {
      const pop = rrmPopulation(g, new CRD());
      for (let t = 0; t < 200; t++) {
        const r = rrmTrial(pop, rng);
        if (r.outcome !== 'fixed-point') {
          expect(r.cycleLength).toBeGreaterThanOrEqual(2);
          expect(r.accuracy).toBeLessThan(1);
          continue;
        }
        const y = r.endStates[0]!;
        expect(Array.from(pop.bestResponse(y))).toEqual(Array.from(y));
        expect(r.accuracy).toBe(1);
      }
    }
  });

  it('on the complete graph with K ≥ 2 the fixed points are exactly the |S| = K sets and ∅', () => {
    for (const [n, t] of [
      [6, 0.5],
      [7, 0.5],
      [8, 0.3],
      [9, 0.7],
    ] as const) {
      const crd = new CRD({ threshold: t });
      const k = crd.required(n);
      expect(k).toBeGreaterThanOrEqual(2);
      const pop = rrmPopulation(completeGraph(n), crd);
      for (let mask = 0; mask < 1 << n; mask++) {
        const s = Uint8Array.from({ length: n }, (_, i) => (mask >> i) & 1);
        const size = s.reduce((a, b) => a + b, 0);
        const fixed = Array.from(pop.bestResponse(s)).every((v, i) => v === s[i]);
        expect(fixed).toBe(size === k || size === 0);
      }
    }
  });

  it('complete-graph law: exact enumeration equals the closed form (1 + [N−K+1 = K])/(N+1)', () => {
    for (let n = 3; n <= 40; n++) {
      for (const t of [0.3, 0.5, 0.7]) {
        const law = completeGraphRrmLaw(n, new CRD({ threshold: t }));
        if (law.closedFormSuccess === null) continue;
        expect(law.success).toBeCloseTo(law.closedFormSuccess, 14);
        expect(law.zeroWelfare).toBeCloseTo(1 - law.closedFormSuccess, 14);
      }
    }
    expect(completeGraphRrmLaw(20, new CRD({ threshold: 0.5 })).success).toBeCloseTo(1 / 21, 15);
    expect(completeGraphRrmLaw(11, new CRD({ threshold: 0.5 })).success).toBeCloseTo(2 / 12, 15);
    expect(completeGraphRrmLaw(10, new CRD({ threshold: 0.3 })).success).toBeCloseTo(1 / 11, 15);
  });

  it('simulated end-state probabilities match §II.4 within ±0.02 over 2000 trials', () => {
    for (const [n, t, p] of [
      [20, 0.5, 1 / 21],
      [11, 0.5, 2 / 12],
      [10, 0.3, 1 / 11],
    ] as const) {
      const pop = rrmPopulation(completeGraph(n), new CRD({ threshold: t }));
      const rng = Rng.fromSeed(2024).stream(`${n}/${t}`);
      let success = 0;
      let zero = 0;
      for (let i = 0; i < 2000; i++) {
        const r = rrmTrial(pop, rng);
        if (r.outcome === 'fixed-point' && r.failedFraction === 0) success++;
        if (r.failedFraction === 1) zero++;
      }
      expect(Math.abs(success / 2000 - p)).toBeLessThanOrEqual(0.02);
      expect(Math.abs(zero / 2000 - (1 - p))).toBeLessThanOrEqual(0.02);
    }
  });

  it('end-state cooperation: on K_20 at T = 0.5 only the successful fixed points (K = 10 cooperators) have any', () => {
    const s = rrmSummary(
      rrmPopulation(completeGraph(20), new CRD({ threshold: 0.5 })),
      Rng.fromSeed(5),
      3000,
    );
    expect(s.fullWelfareFraction).toBeGreaterThan(0.02);
    expect(s.cooperation).toBeCloseTo(0.5 * s.fullWelfareFraction, 14);
    const ba = rrmSummary(rrmPopulation(barabasiAlbertNetworkx(20, 2, 0), new CRD()), Rng.fromSeed(6), 300);
    expect(ba.cooperation).toBeGreaterThan(0);
    expect(ba.cooperation).toBeLessThan(1);
  });

  it('the random start predicts k ~ Uniform{0..N} cooperators', () => {
    const rng = Rng.fromSeed(3);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 12_000; i++) counts[rrmInitialPrediction(5, rng).reduce((a, b) => a + b, 0)]!++;
    for (const c of counts) expect(Math.abs(c / 12_000 - 1 / 6)).toBeLessThan(0.015);
  });

  it('cycles are detected: the cycle states map onto each other', () => {
    const pop = rrmPopulation(barabasiAlbertNetworkx(20, 2, 0), new CRD());
    const rng = Rng.fromSeed(7);
    let seen = 0;
    for (let t = 0; t < 100; t++) {
      const r = rrmTrial(pop, rng);
      if (r.outcome !== 'cycle') continue;
      seen++;
      r.endStates.forEach((s, k) => {
        const next = r.endStates[(k + 1) % r.endStates.length]!;
        expect(Array.from(pop.bestResponse(s))).toEqual(Array.from(next));
      });
    }
    expect(seen).toBeGreaterThan(0);
    const summary = rrmSummary(pop, Rng.fromSeed(8), 200);
    expect(summary.failedFraction).toBeGreaterThanOrEqual(0.85);
  });

  it('the Fig. 12 histogram: ten non-negative shares summing to 100; bad trial counts are refused', () => {
    const pop = rrmPopulation(barabasiAlbertNetworkx(20, 2, 0), new CRD());
    const bins = rrmCooperationHistogram(pop, Rng.fromSeed(3), 50);
    expect(bins).toHaveLength(10);
    expect(Math.min(...bins)).toBeGreaterThanOrEqual(0);
    expect(bins.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 9);
    // Same stream, same shares.
    expect(rrmCooperationHistogram(pop, Rng.fromSeed(3), 50)).toEqual(bins);
    expect(() => rrmCooperationHistogram(pop, Rng.fromSeed(3), 0)).toThrow(/trials/);
  });
});
