import { describe, expect, it } from 'vitest';
import { mean, median, quantile, std, summarize, tQuantile975, variance } from '../src/index.js';

describe('stats', () => {
  it('sample moments use n − 1, median averages the middle pair, NaN propagates', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(variance([1, 2, 3, 6])).toBeCloseTo(14 / 3, 12); // Σ(x − 3)² = 4 + 1 + 0 + 9
    expect(std([2, 4])).toBeCloseTo(Math.SQRT2, 12);
    expect(std([5])).toBeNaN();
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(mean([1, Number.NaN])).toBeNaN();
    expect(median([1, Number.NaN, 3])).toBeNaN();
    expect(mean([])).toBeNaN();
    expect(() => quantile([1], 2)).toThrow(/q must be a number in \[0, 1\]; got 2/);
  });

  it('t quantiles match the tables (two-sided 95%)', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(10)).toBe(2.228);
    expect(tQuantile975(40)).toBeCloseTo(2.021, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.98, 3);
    expect(() => tQuantile975(0)).toThrow(/df must be an integer ≥ 1/);
  });

  it('summaries: unbounded interval at n = 1, a point when all values agree', () => {
    expect(summarize([3]).ci95).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect(summarize([2, 2, 2]).ci95).toEqual([2, 2]);
    const s = summarize([1, 2, 3]);
    expect(s.ci95[1] - s.mean).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 12);
  });
});
