import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  barabasiAlbertNetworkx,
  binomialPmf,
  CRD,
  chainGraph,
  completeGraph,
  graphFromEdges,
  Population,
} from '../src/index.js';

/** Agent 0 with two neighbours 1 and 2 (a star), M = 3. */
const star = () =>
  graphFromEdges(3, [
    [0, 1],
    [0, 2],
  ]);

describe('trust update (§II.10 #4)', () => {
  it('τ = .5, θ = (1, 0.11), both neighbours cooperate, α = .8 → τ′ = 0.11/0.75', () => {
    const pop = new Population(star(), new CRD(), { alpha: 0.8, priorTrust: 0.5 });
    pop.updateTrust([0.5, 1, 0.11], [1, 1, 1]);
    expect(pop.trust[0]).toBeCloseTo(0.11 / 0.75, 12);
    expect(pop.trust[0]).toBeCloseTo(0.146667, 6);
  });

  it('exact predictions always raise trust: τ′ = τ/(τ + (1 − τ)L_I); τ = 0 stays 0', () => {
    const rng = Rng.fromSeed(5);
    const g = barabasiAlbertNetworkx(20, 2, 0);
    const pop = new Population(g, new CRD(), { alpha: 0.8, priorTrust: 0.3 });
    const anarchic = new Population(g, new CRD(), { alpha: 0.8, priorTrust: 0 });
    for (let round = 0; round < 10; round++) {
      const y = Uint8Array.from({ length: g.n }, () => (rng.next() < 0.5 ? 1 : 0));
      const before = Float64Array.from(pop.trust);
      pop.updateTrust(y, y);
      anarchic.updateTrust(y, y);
      for (let i = 0; i < g.n; i++) {
        let li = 1;
        for (let k = g.offsets[i]!; k < g.offsets[i + 1]!; k++) li *= y[g.neighbors[k]!] ? 0.8 : 0.2;
        const tau = before[i]!;
        expect(pop.trust[i]).toBeCloseTo(tau / (tau + (1 - tau) * li), 10);
        // Strictly, until τ rounds to 1 in double precision.
        if (tau < 0.999) expect(pop.trust[i]!).toBeGreaterThan(tau);
        expect(anarchic.trust[i]).toBe(0);
      }
    }
  });

  it('a miss under full trust is NaN as in the reference; ε keeps it finite', () => {
    const full = new Population(star(), new CRD(), { priorTrust: 1 });
    full.updateTrust([0, 1, 1], [0, 0, 1]);
    expect(Number.isNaN(full.trust[0]!)).toBe(true);
    const eps = new Population(star(), new CRD(), { priorTrust: 1, epsilon: 1e-12 });
    eps.updateTrust([0, 1, 1], [0, 0, 1]);
    expect(eps.trust[0]).toBe(0);
    // A wrong certain prediction sends trust to 0 for good.
    const half = new Population(star(), new CRD());
    half.updateTrust([0, 1, 1], [0, 0, 1]);
    expect(half.trust[0]).toBe(0);
    half.updateTrust([0, 1, 1], [0, 1, 1]);
    expect(half.trust[0]).toBe(0);
  });
});

describe('decision rule (§II.10 #5)', () => {
  it('the gain is affine in τ with slope r·e·(g_pred − g_α)', () => {
    const g = barabasiAlbertNetworkx(20, 2, 0);
    const crd = new CRD({ e: 1, r: 0.4, c: 0.2 });
    const rng = Rng.fromSeed(9);
    const theta = Array.from({ length: g.n }, () => rng.next());
    const pop = new Population(g, crd);
    const gp = pop.predictedPivot(theta);
    const at = (tau: number) => {
      pop.setTrust(new Array(g.n).fill(tau));
      return pop.expectedGains(theta);
    };
    const g0 = at(0);
    const g1 = at(1);
    const gm = at(0.37);
    for (let i = 0; i < g.n; i++) {
      expect(g1[i]! - g0[i]!).toBeCloseTo(crd.r * crd.e * (gp[i]! - pop.innatePivot[i]!), 12);
      expect(gm[i]).toBeCloseTo(g0[i]! + 0.37 * (g1[i]! - g0[i]!), 12);
    }
  });

  it('with binary θ and τ = 1 (c < r·e) an agent cooperates iff exactly K − 1 neighbours are predicted to cooperate', () => {
    const rng = Rng.fromSeed(2);
    for (const g of [barabasiAlbertNetworkx(20, 2, 1), completeGraph(6), chainGraph(5)]) {
      for (const t of [0.3, 0.5, 0.7]) {
        const crd = new CRD({ threshold: t });
        const pop = new Population(g, crd, { priorTrust: 1, updateTrust: false });
        for (let trial = 0; trial < 30; trial++) {
          const theta = Uint8Array.from({ length: g.n }, () => (rng.next() < 0.5 ? 1 : 0));
          const y = pop.bestResponse(theta);
          for (let i = 0; i < g.n; i++) {
            let predicted = 0;
            for (let k = g.offsets[i]!; k < g.offsets[i + 1]!; k++) predicted += theta[g.neighbors[k]!]!;
            expect(y[i]).toBe(predicted === pop.required[i]! - 1 ? 1 : 0);
          }
        }
      }
    }
  });

  it('the anarchic agent (τ = 0) uses the binomial pivot only', () => {
    const g = chainGraph(3);
    const pop = new Population(g, new CRD({ threshold: 2 / 3, r: 0.5, c: 0.3 }), { priorTrust: 0 });
    const gains = pop.expectedGains([1, 1, 1]);
    expect(gains[1]).toBeCloseTo(0.5 * binomialPmf(2, 0.8)[1]! - 0.3, 15);
    expect(gains[0]).toBeCloseTo(0.5 * 0.8 - 0.3, 15);
  });

  it('rejects predictions outside [0, 1] and wrong lengths', () => {
    const pop = new Population(chainGraph(3), new CRD());
    expect(() => pop.step([0.5, 1.5, 0.5])).toThrow(/theta\[1\] must be a number in \[0, 1\]; got 1.5/);
    expect(() => pop.step([0.5, 0.5])).toThrow(/theta must be an array of 3 predicted probabilities/);
    expect(() => new Population(chainGraph(3), new CRD(), { alpha: -0.1 })).toThrow(
      /alpha must be a number in \[0, 1\]; got -0.1/,
    );
    expect(() => new Population(chainGraph(3), new CRD(), { priorTrust: 2 })).toThrow(
      /priorTrust must be a number in \[0, 1\]; got 2/,
    );
    expect(() => new Population(chainGraph(3), new CRD(), { epsilon: 0 })).toThrow(
      /epsilon must be a finite number > 0; got 0/,
    );
  });
});
