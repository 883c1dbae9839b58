import { describe, expect, it } from 'vitest';
import { ranks, spearman } from '../src/index.js';

describe('ranks and Spearman', () => {
  it('ranks ties by their average position', () => {
    expect(Array.from(ranks([10, 30, 20, 30]))).toEqual([0, 2.5, 1, 2.5]);
    expect(() => ranks([1, Number.NaN])).toThrow(/xs\[1\] must be a number \(NaN has no rank\)/);
  });

  it('Spearman: ±1 for monotone relations, the hand-computed value with a tie, NaN when undefined', () => {
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [8, 4, 2, 1])).toBeCloseTo(-1, 12);
    // ranks a = (0, 1, 2, 3), b = (0, 2, 0.5... ): b = [1, 3, 2, 2] → ranks (0, 3, 1.5, 1.5);
    // centred: a (−1.5, −.5, .5, 1.5), b (−1.5, 1.5, 0, 0): Σab = 1.5, Σa² = 5, Σb² = 4.5.
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 2])).toBeCloseTo(1.5 / Math.sqrt(5 * 4.5), 12);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(spearman([1], [2])).toBeNaN();
    expect(() => spearman([1, 2], [1])).toThrow(/b must be an array of the same length as a \(2\)/);
  });
});
