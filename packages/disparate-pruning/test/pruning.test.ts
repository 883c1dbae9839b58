import { initBackend } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gmpSchedule, magnitudeMask, prunedCount } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('GMP schedule (Zhu & Gupta’s cubic, hand-computed values)', () => {
  const s = gmpSchedule({ sparsity: 0.9, end: 15 });
  it('s(0) = 0, s(15) = 0.9, s(5) = 0.9(1 − (2/3)³), s(10) = 0.9(1 − (1/3)³)', () => {
    expect(s.sparsityAt(0)).toBe(0);
    expect(s.sparsityAt(15)).toBe(0.9);
    expect(s.sparsityAt(5)).toBeCloseTo(0.9 * (1 - (2 / 3) ** 3), 14);
    expect(s.sparsityAt(5)).toBeCloseTo(0.63333, 5);
    expect(s.sparsityAt(10)).toBeCloseTo(0.86667, 5);
    expect(s.sparsityAt(40)).toBe(0.9);
  });

  it('is monotone non-decreasing and prunes every epoch 0…15, never after', () => {
    for (let e = 1; e <= 20; e++) expect(s.sparsityAt(e)).toBeGreaterThanOrEqual(s.sparsityAt(e - 1));
    expect(Array.from({ length: 20 }, (_, e) => s.prunesAt(e))).toEqual(
      Array.from({ length: 20 }, (_, e) => e <= 15),
    );
  });

  it('frequency 2 from epoch 3 to 8: 3, 5, 7 and always the last, 8', () => {
    const f = gmpSchedule({ sparsity: 0.5, start: 3, end: 8, frequency: 2, initial: 0.1 });
    expect([...Array(12).keys()].filter((e) => f.prunesAt(e))).toEqual([3, 5, 7, 8]);
    expect(f.sparsityAt(2)).toBe(0.1);
    expect(f.sparsityAt(3)).toBe(0.1);
  });

  it('one-shot: start = end with initial = sparsity', () => {
    const o = gmpSchedule({ sparsity: 0.8, initial: 0.8, start: 0, end: 0 });
    expect(o.prunesAt(0)).toBe(true);
    expect(o.prunesAt(1)).toBe(false);
    expect(o.sparsityAt(0)).toBe(0.8);
  });

  it('bad input names the parameter', () => {
    expect(() => gmpSchedule({ sparsity: 1 })).toThrow(/sparsity must be a number in \[0, 1\); got 1/);
    expect(() => gmpSchedule({ sparsity: -0.1 })).toThrow(/sparsity must be a number in \[0, 1\)/);
    expect(() => gmpSchedule({ sparsity: 0.5, initial: 0.6 })).toThrow(/pruning\.initial/);
    expect(() => gmpSchedule({ sparsity: 0.5, start: 4, end: 2 })).toThrow(
      /pruning\.end must be an integer >= 4/,
    );
    expect(() => gmpSchedule({ sparsity: 0.5, start: 2, end: 2 })).toThrow(
      /pruning\.initial must be equal to sparsity/,
    );
    expect(() => gmpSchedule({ sparsity: 0.5, frequency: 0 })).toThrow(/pruning\.frequency/);
  });
});

describe('magnitude pruning (hand-computed masks)', () => {
  const w = [0.5, -0.1, 0.3, 0.05, -0.7, 0.2, -0.02, 0.9, 0.4, -0.6];

  it('10 weights at s = 0.3: exactly the 3 smallest |w| are pruned', () => {
    const m = magnitudeMask(w, 0.3);
    expect(Array.from(m)).toEqual([1, 0, 1, 0, 1, 1, 0, 1, 1, 1]);
  });

  it('re-pruning at s = 0.5 keeps the earlier zeros and adds the next smallest', () => {
    const m3 = magnitudeMask(w, 0.3);
    const pruned = w.map((v, i) => v * m3[i]!);
    const m5 = magnitudeMask(pruned, 0.5, m3);
    expect(Array.from(m5)).toEqual([1, 0, 0, 0, 1, 0, 0, 1, 1, 1]);
    for (let i = 0; i < 10; i++) if (m3[i] === 0) expect(m5[i]).toBe(0);
  });

  it('ties are broken by index, lowest first', () => {
    expect(Array.from(magnitudeMask([1, 1, 1, 1, 1], 0.4))).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(magnitudeMask([3, -2, 2, 1, -2, 2], 0.5))).toEqual([1, 0, 0, 0, 1, 1]);
  });

  it('earlier-pruned entries come first even when a kept weight is exactly 0', () => {
    const prev = Uint8Array.from([1, 1, 0, 1]);
    // Entry 0 is a kept weight at 0, entry 2 a pruned one: s = 0.25 prunes one entry, the pruned one.
    expect(Array.from(magnitudeMask([0, 1, 0, 2], 0.25, prev))).toEqual([1, 1, 0, 1]);
    // A lower sparsity never restores a pruned weight.
    expect(Array.from(magnitudeMask([0, 1, 0, 2], 0, prev))).toEqual([1, 1, 0, 1]);
  });

  it('⌈s·n⌉ without float noise', () => {
    expect(prunedCount(10, 0.7)).toBe(7); // 0.7·10 = 7.000000000000001
    expect(prunedCount(10, 0.71)).toBe(8);
    expect(prunedCount(3, 0.5)).toBe(2);
    expect(prunedCount(1000, 0.999)).toBe(999);
  });

  it('bad input', () => {
    expect(() => magnitudeMask(w, 1)).toThrow(/sparsity must be a number in \[0, 1\); got 1/);
    expect(() => magnitudeMask([1, Number.NaN], 0.5)).toThrow(/weights\[1\] must be a finite number/);
    expect(() => magnitudeMask(w, 0.5, new Uint8Array(3))).toThrow(
      /previous must be a Uint8Array keep-mask of length 10/,
    );
  });
});
