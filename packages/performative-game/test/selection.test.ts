import { describe, expect, it } from 'vitest';
import { bestEpoch, bestFront, type EpochRecord, mgdaWeight, paretoFront, paretoMask } from '../src/index.js';

const rec = (welfare: number, accuracy: number, cooperation = 0): EpochRecord => ({
  welfare,
  accuracy,
  cooperation,
  loss: 0,
});

describe('Pareto and MGDA (§II.10 #9, #10)', () => {
  it('efficient mask of the reference example is [T, F, F, T, T]', () => {
    expect(
      paretoMask([
        [0.2, 0.7],
        [0.2, 0.6],
        [0.15, 0.6],
        [0.3, 0.1],
        [0.25, 0.15],
      ]),
    ).toEqual([true, false, false, true, true]);
    // Duplicates: only the first copy is kept, as is_pareto_efficient does.
    expect(
      paretoMask([
        [0.5, 0.5],
        [0.5, 0.5],
      ]),
    ).toEqual([true, false]);
  });

  it('MGDA weights: orthogonal → 0.5; equal → 1; g0 = (2,0), g1 = (1,0) → 0', () => {
    expect(mgdaWeight([1, 0], [0, 1])).toBeCloseTo(0.5, 15);
    expect(mgdaWeight([0.3, -2], [0.3, -2])).toBe(1);
    expect(mgdaWeight([2, 0], [1, 0])).toBe(0);
    // Interior γ minimises ‖γ g0 + (1 − γ) g1‖.
    const g0 = [1, 2, -1];
    const g1 = [-1, 0.5, 2];
    const gamma = mgdaWeight(g0, g1);
    const norm = (c: number) => g0.reduce((s, _, i) => s + (c * g0[i]! + (1 - c) * g1[i]!) ** 2, 0);
    for (const d of [-1e-3, 1e-3]) expect(norm(gamma + d)).toBeGreaterThan(norm(gamma));
    expect(() => mgdaWeight([1], [1, 2])).toThrow(/g1 must be a non-empty gradient of the same length as g0/);
  });
});

describe('epoch selection (reference FullStats)', () => {
  it('best epoch: most welfare, ties by accuracy (and the reverse for accuracy); earliest on full ties', () => {
    const h = [rec(0.2, 0.5), rec(0.4, 0.6), rec(0.4, 0.7), rec(0.1, 0.9), rec(0.4, 0.7)];
    expect(bestEpoch(h, 'welfare')).toBe(2);
    expect(bestEpoch(h, 'accuracy')).toBe(3);
    expect(bestEpoch([rec(0, 0.5, 0.3), rec(0, 0.6, 0.3), rec(0, 0.1, 0.2)], 'cooperation')).toBe(1);
  });

  it('front dedups, keeps efficient points sorted by welfare; the best front maximises welfare·accuracy', () => {
    const h = [rec(0.2, 0.9), rec(0.5, 0.6), rec(0.5, 0.6), rec(0.3, 0.5), rec(0.8, 0.3)];
    expect(paretoFront(h)).toEqual([
      [0.2, 0.9],
      [0.5, 0.6],
      [0.8, 0.3],
    ]);
    expect(
      bestFront([
        [[0.2, 0.9]],
        [
          [0.5, 0.6],
          [0.9, 0.1],
        ],
      ]),
    ).toBe(1);
  });
});
