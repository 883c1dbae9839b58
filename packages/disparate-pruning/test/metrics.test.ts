import { GradientAscent } from '@paperkit/nupi';
import { PaperkitInputError } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { disparity, encodeGroups, groupRates, proxyExcessGaps, ratesFromCounts } from '../src/index.js';

const close = (a: ArrayLike<number>, b: readonly number[], digits = 12) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => {
    expect(a[i]).toBeCloseTo(v, digits);
  });
};

describe('gap arithmetic (hand-computed 3-group example)', () => {
  // Sizes (50, 30, 20); dense correct (45, 27, 16); sparse correct (44, 24, 12).
  const dense = ratesFromCounts([50, 30, 20], [45, 27, 16]);
  const sparse = ratesFromCounts([50, 30, 20], [44, 24, 12]);

  it('group and overall accuracies', () => {
    close(dense.groups, [0.9, 0.9, 0.8]);
    expect(dense.overall).toBeCloseTo(0.88, 12);
    close(sparse.groups, [0.88, 0.8, 0.6]);
    expect(sparse.overall).toBeCloseTo(0.8, 12);
  });

  it('Δ = .08, Δ_g = (.02, .10, .20), ψ = (−.06, .02, .12), max ψ = .12, Ψ_PW = .18', () => {
    const d = disparity(dense, sparse, 0.05);
    expect(d.globalGap).toBeCloseTo(0.08, 12);
    close(d.groupGaps, [0.02, 0.1, 0.2]);
    close(d.excessGaps, [-0.06, 0.02, 0.12]);
    expect(d.maxExcessGap).toBeCloseTo(0.12, 12);
    expect(d.minExcessGap).toBeCloseTo(-0.06, 12);
    expect(d.pairwiseDisparity).toBeCloseTo(0.18, 12);
    expect(d.worstGroup).toBe(2);
  });

  it('ε = .05: constraint values (−.11, −.03, .07), only group 3 violated, infeasible', () => {
    const d = disparity(dense, sparse, 0.05);
    close(d.violations, [-0.11, -0.03, 0.07]);
    expect(Array.from(d.violations, (v) => v > 0)).toEqual([false, false, true]);
    expect(d.feasible).toBe(false);
    expect(disparity(dense, sparse, 0.121).feasible).toBe(true);
  });

  it('one GA step with η = 1 from λ = 0 gives λ = (0, 0, .07)', () => {
    const d = disparity(dense, sparse, 0.05);
    const lambda = new Float64Array(3);
    new GradientAscent({ lr: 1 }).step(lambda, d.violations, { nonNegative: true });
    close(lambda, [0, 0, 0.07]);
  });

  it('per-example bits give the same rates as counts', () => {
    const ids: number[] = [];
    const bits: number[] = [];
    [50, 30, 20].forEach((n, g) => {
      for (let i = 0; i < n; i++) {
        ids.push(g);
        bits.push(i < [44, 24, 12][g]! ? 1 : 0);
      }
    });
    const r = groupRates(bits, encodeGroups(ids));
    close(r.groups, Array.from(sparse.groups));
    expect(r.overall).toBeCloseTo(sparse.overall, 12);
    close(r.counts, [50, 30, 20]);
  });
});

describe('proxy arithmetic (hand-computed example)', () => {
  it('ψ̃ = (.02, .15, .40) − .135 = (−.115, .015, .265)', () => {
    const w = [0.5, 0.3, 0.2];
    const mean = (l: number[]) => l.reduce((s, v, g) => s + w[g]! * v, 0);
    const dl = [0.3, 0.35, 0.5];
    const sl = [0.32, 0.5, 0.9];
    const counts = Float64Array.from(w, (v) => v * 100);
    const denseLoss = { overall: mean(dl), groups: Float64Array.from(dl), counts };
    const sparseLoss = { overall: mean(sl), groups: Float64Array.from(sl), counts };
    expect(denseLoss.overall).toBeCloseTo(0.355, 12);
    expect(sparseLoss.overall).toBeCloseTo(0.49, 12);
    close(proxyExcessGaps(denseLoss, sparseLoss), [-0.115, 0.015, 0.265]);
  });
});

describe('feasibility semantics (empty groups are skipped)', () => {
  it('infeasible iff max_g(ψ_g − ε) > 0, at the boundary feasible', () => {
    const dense = ratesFromCounts([10, 10], [10, 10]);
    const sparse = ratesFromCounts([10, 10], [9, 10]);
    // Δ = .05, ψ = (.05, −.05): feasible at ε = .05 exactly, infeasible below.
    expect(disparity(dense, sparse, 0.05).feasible).toBe(true);
    expect(disparity(dense, sparse, 0.0499).feasible).toBe(false);
  });

  it('a group empty in the set is skipped (NaN), not counted as zero', () => {
    const dense = ratesFromCounts([10, 0, 10], [10, 0, 10]);
    const sparse = ratesFromCounts([10, 0, 10], [8, 0, 10]);
    const d = disparity(dense, sparse, 0);
    expect(Number.isNaN(d.excessGaps[1]!)).toBe(true);
    expect(Number.isNaN(d.violations[1]!)).toBe(true);
    // ψ = (.1, ·, −.1): the empty group would otherwise set min ψ to −Δ = −.1 … and count as 0.
    expect(d.maxExcessGap).toBeCloseTo(0.1, 12);
    expect(d.pairwiseDisparity).toBeCloseTo(0.2, 12);
    expect(d.worstGroup).toBe(0);
    // With every ψ ≤ 0 but the empty group's NaN, the set is feasible.
    const even = disparity(dense, ratesFromCounts([10, 0, 10], [9, 0, 9]), 0);
    expect(even.feasible).toBe(true);
  });

  it('no measured group: NaN metrics, feasible', () => {
    const r = { overall: 1, groups: Float64Array.of(Number.NaN), counts: Float64Array.of(0) };
    const d = disparity(r, r, 0);
    expect(Number.isNaN(d.maxExcessGap)).toBe(true);
    expect(d.feasible).toBe(true);
  });
});

describe('bad input', () => {
  it('names the parameter', () => {
    const r = ratesFromCounts([1, 1], [1, 0]);
    expect(() => disparity(r, r, -0.01)).toThrow(/epsilon must be a finite number >= 0; got -0.01/);
    expect(() => disparity(r, ratesFromCounts([1], [1]))).toThrow(PaperkitInputError);
    expect(() => ratesFromCounts([2, 3], [3, 1])).toThrow(/hits\[0\] must be a count in \[0, 2\]; got 3/);
    expect(() => ratesFromCounts([2], [1, 1])).toThrow(/hits must be/);
    expect(() => ratesFromCounts([0, 0], [0, 0])).toThrow(/sizes must be at least one non-empty group/);
    expect(() => groupRates([1, 0], encodeGroups([0, 1, 1]))).toThrow(/values must be an array of 3/);
  });
});
