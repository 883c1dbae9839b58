import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  barabasiAlbertNetworkx,
  binomialPmf,
  CRD,
  completeGraph,
  groupSuccesses,
  Population,
  payoffWelfare,
  poissonBinomialPmf,
  poissonBinomialTail,
  welfare,
} from '../src/index.js';

describe('CRD (§II.10 #1)', () => {
  it('thresholds are ceil(T·M)', () => {
    const half = new CRD({ threshold: 0.5 });
    expect([half.required(5), half.required(3), half.required(2)]).toEqual([3, 2, 1]);
    expect(new CRD({ threshold: 2 / 3 }).required(3)).toBe(2);
  });

  it('payoffs of the §II.2 example (e = 1, r = 0.4, c = 0.2, M = 5, T = 0.5)', () => {
    const g = new CRD({ e: 1, r: 0.4, c: 0.2, threshold: 0.5 });
    expect(g.defectorPayoff(3, 5)).toBe(1);
    expect(g.defectorPayoff(2, 5)).toBeCloseTo(0.6, 15);
    expect(g.cooperatorPayoff(3, 5)).toBeCloseTo(0.8, 15);
    expect(g.cooperatorPayoff(2, 5)).toBeCloseTo(0.4, 15);
  });

  it('rejects parameters outside their domains', () => {
    expect(() => new CRD({ r: 1.5 })).toThrow(/r must be a number in \[0, 1\]; got 1.5/);
    expect(() => new CRD({ threshold: 0 })).toThrow(/threshold must be a number in \(0, 1\]; got 0/);
    expect(() => new CRD({ c: -0.1 })).toThrow(/c must be a finite number >= 0; got -0.1/);
    expect(() => new CRD({ e: 0 })).toThrow(/e must be a finite number > 0; got 0/);
    // unknown keys are named, never ignored (the review's `{ risk: 2 }` ran the default game)
    expect(() => new CRD({ risk: 2 } as never)).toThrow(
      /^params\.risk must be absent: the options are e, r, c, threshold; got 2/,
    );
    expect(() => new CRD({ bogus: 1 } as never)).toThrow(/^params\.bogus must be absent/);
    expect(() => new CRD().defectorPayoff(6, 5)).toThrow(
      /cooperators must be an integer in \[0, groupSize\] = \[0, 5\]; got 6/,
    );
  });
});

describe('Poisson-binomial pmf (§II.10 #2, #3)', () => {
  it('hand-computed pmfs', () => {
    const a = poissonBinomialPmf([0.5, 0.5]);
    expect(Array.from(a)).toEqual([0.25, 0.5, 0.25]);
    const b = poissonBinomialPmf([0.2, 0.7, 1.0]);
    const want = [0, 0.24, 0.62, 0.14];
    b.forEach((v, k) => {
      expect(v).toBeCloseTo(want[k]!, 14);
    });
    expect(Array.from(poissonBinomialPmf([]))).toEqual([1]);
  });

  it('equal p reproduces the binomial and every pmf sums to 1 (1e-12)', () => {
    const rng = Rng.fromSeed(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.int(30);
      const p = rng.next();
      const pb = poissonBinomialPmf(new Array(n).fill(p));
      const bin = binomialPmf(n, p);
      pb.forEach((v, k) => {
        expect(Math.abs(v - bin[k]!)).toBeLessThan(1e-12);
      });
      const q = Array.from({ length: n }, () => rng.next());
      expect(Math.abs(poissonBinomialPmf(q).reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-12);
    }
    // n + 1 doubles: 1e9 would allocate 8 GB before failing
    expect(() => binomialPmf(1e9, 0.5)).toThrow(/^n must be an integer in \[0, 10000000\]; got 1000000000/);
  });

  it('innate pivot probabilities: g_α(M=3, K=2, α=.8) = 0.32, g_α(M=2, K=1) = 0.2', () => {
    expect(binomialPmf(2, 0.8)[1]).toBeCloseTo(0.32, 15);
    expect(binomialPmf(1, 0.8)[0]).toBeCloseTo(0.2, 15);
    const pop = new Population(barabasiAlbertNetworkx(20, 2, 0), new CRD({ threshold: 0.5 }));
    // Degree-1 agent 1 (M = 2, K = 1) and degree-2 agents (M = 3, K = 2).
    expect(pop.innatePivot[1]).toBeCloseTo(0.2, 15);
    expect(pop.innatePivot[2]).toBeCloseTo(0.32, 15);
  });

  it('tail P(S ≥ k) and padding with p = 0', () => {
    expect(poissonBinomialTail([0.5, 0.5], 1)).toBeCloseTo(0.75, 15);
    expect(Array.from(poissonBinomialPmf([0.3, 0, 0.6]).slice(0, 3))).toEqual(
      Array.from(poissonBinomialPmf([0.3, 0.6])),
    );
    expect(() => poissonBinomialPmf([0.5, 1.2])).toThrow(/p\[1\] must be a number in \[0, 1\]; got 1.2/);
  });
});

describe('welfare and accuracy (§II.10 #7)', () => {
  it('adding a cooperator never lowers the successful groups; payoff welfare moves by −c·e + r·e per flipped group', () => {
    const rng = Rng.fromSeed(11);
    const crd = new CRD({ e: 1.5, r: 0.4, c: 0.2, threshold: 0.5 });
    for (const g of [barabasiAlbertNetworkx(20, 2, 0), barabasiAlbertNetworkx(30, 3, 2), completeGraph(7)]) {
      for (let trial = 0; trial < 100; trial++) {
        const y = Uint8Array.from({ length: g.n }, () => (rng.next() < 0.5 ? 1 : 0));
        const i = rng.int(g.n);
        if (y[i]) continue;
        const before = groupSuccesses(g, crd, y);
        const z = Uint8Array.from(y);
        z[i] = 1;
        const after = groupSuccesses(g, crd, z);
        let flipped = 0;
        for (let k = 0; k < g.n; k++) {
          expect(after[k]!).toBeGreaterThanOrEqual(before[k]!);
          flipped += after[k]! - before[k]!;
        }
        const dW = payoffWelfare(g, crd, z) - payoffWelfare(g, crd, y);
        expect(dW).toBeCloseTo(-crd.c * crd.e + crd.r * crd.e * flipped, 12);
        expect(welfare(g, crd, z)).toBeGreaterThanOrEqual(welfare(g, crd, y));
      }
    }
  });

  it('accuracy is the expected 0/1 accuracy', () => {
    expect(accuracy([1, 0.25, 0.5], [1, 0, 1])).toBeCloseTo((1 + 0.75 + 0.5) / 3, 15);
    expect(() => accuracy([0.5, 0.5], [1, 2])).toThrow(
      /actions\[1\] must be 0 \(defect\) or 1 \(cooperate\); got 2/,
    );
  });
});
