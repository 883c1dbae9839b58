import { PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { PARITY_GROUPS, PARITY_LABEL_GAP, parityData } from '../src/datasets/parity.js';
import {
  GradientAscent,
  iterationsToTolerance,
  maxValue,
  rateData,
  relativeOvershoot,
  signChanges,
  simulateRateConstraint,
} from '../src/index.js';

describe('dynamics metrics', () => {
  it('hand-computed counts: numpy-style raw sign changes (0 is a sign) and dead-band crossings', () => {
    expect(signChanges([1, -1, 1, -1])).toBe(3);
    expect(signChanges([1, 0, 1])).toBe(2);
    expect(signChanges([1, 1e-9, -1e-9, 2, -3], 1e-6)).toBe(1);
    expect(signChanges([])).toBe(0);
    expect(signChanges([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(1);
    expect(iterationsToTolerance([3, 2, 0.5, 0.1], 1)).toBe(2);
    expect(iterationsToTolerance([3, 2], 1)).toBeNull();
    expect(maxValue([-3, -1, -2])).toBe(-1);
    expect(relativeOvershoot([1, 1.5, 1.2], 1.2)).toBeCloseTo(0.25, 14);
  });

  it('rejects NaN entries, empty maxima and bad parameters with a PaperkitInputError naming them', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => maxValue([]), /values must be an array of at least 1 number/],
      [() => signChanges([Number.NaN, 1, -1]), /values\[0\] must be a number \(not NaN\); got NaN/],
      [() => signChanges([1, -1], -1), /deadband must be a finite number >= 0; got -1/],
      [() => iterationsToTolerance([1, Number.NaN], 0.1), /distances\[1\] must be a number \(not NaN\)/],
      [() => iterationsToTolerance([1], -1), /tol must be a finite number >= 0; got -1/],
      [() => relativeOvershoot([1], 0), /target must be a finite non-zero number; got 0/],
      [() => signChanges('abc' as unknown as number[]), /values must be an array of numbers/],
    ];
    for (const [fn, msg] of cases) {
      expect(fn).toThrow(PaperkitInputError);
      expect(fn).toThrow(msg);
    }
  });
});

describe('rate-constraint simulation inputs', () => {
  it('rejects bad data, gains and targets, naming the parameter', () => {
    const data = rateData(Rng.fromSeed(0), 100);
    const dual = new GradientAscent({ lr: 1 });
    expect(() => rateData(Rng.fromSeed(0), 1)).toThrow(/n must be an integer >= 2; got 1/);
    expect(() => simulateRateConstraint({ data, dual, steps: 0 })).toThrow(
      /steps must be an integer >= 1; got 0/,
    );
    expect(() => simulateRateConstraint({ data, dual, steps: 5, target: 1 })).toThrow(/target/);
    expect(() => simulateRateConstraint({ data, dual, steps: 5, lr: -1 })).toThrow(/lr/);
    expect(() => simulateRateConstraint({ data, dual: {} as GradientAscent, steps: 5 })).toThrow(/dual/);
    expect(() => simulateRateConstraint({ data, dual, steps: 5, strict: 'soft' as 'hard' })).toThrow(
      /strict/,
    );
  });
});

describe('parityData, the generated stand-in for Adult', () => {
  it('draws each group at its share and positive rate (within 4 binomial standard errors)', () => {
    const n = 40_000;
    const d = parityData(Rng.fromSeed(3), { nTrain: n, nTest: 10 });
    const overall = d.train.y.reduce((a, b) => a + b, 0) / n;
    PARITY_GROUPS.forEach((g, k) => {
      const rows = d.train.group.reduce((a, x) => a + (x === k ? 1 : 0), 0);
      expect(Math.abs(rows / n - g.share)).toBeLessThan(4 * Math.sqrt((g.share * (1 - g.share)) / n));
      if (rows < 1000) return; // the tiny groups (< 2.5 % of rows) have too few rows for a rate check
      let pos = 0;
      for (let i = 0; i < n; i++) if (d.train.group[i] === k) pos += d.train.y[i]!;
      expect(Math.abs(pos / rows - g.rate)).toBeLessThan(4 * Math.sqrt((g.rate * (1 - g.rate)) / rows));
    });
    // The built-in parity gap, by hand: r(Male·White) = .306·.256/.241 = .3250, r(Female·White) =
    // .109·.256/.241 = .1158, mean rate Σ share·rate = .2409 (computed below from the table).
    const mean = PARITY_GROUPS.reduce((a, g) => a + g.share * g.rate, 0);
    expect(PARITY_GROUPS[0]!.rate).toBeCloseTo(0.325, 3);
    expect(PARITY_GROUPS[5]!.rate).toBeCloseTo(0.1158, 3);
    expect(d.labelGap[0]).toBeCloseTo(0.325 - mean, 3);
    expect(d.labelGap[5]).toBeLessThan(-0.1);
    // The largest gap (nupi/fairness's reference): Female·Other, .109·.092/.241 − .2409 = −.1993.
    expect(d.labelGap).toEqual(PARITY_LABEL_GAP);
    expect(PARITY_LABEL_GAP.map(Math.abs).indexOf(Math.max(...PARITY_LABEL_GAP.map(Math.abs)))).toBe(9);
    expect(PARITY_LABEL_GAP[9]).toBeCloseTo(0.109 * (0.092 / 0.241) - mean, 12);
    expect(PARITY_LABEL_GAP[9]).toBeCloseTo(-0.1993, 4);
    expect(Math.abs(overall - PARITY_GROUPS.reduce((a, g) => a + g.share * g.rate, 0))).toBeLessThan(0.01);
  });

  it('is a pure function of the stream, and rejects bad sizes', () => {
    const a = parityData(Rng.fromSeed(9), { nTrain: 50, nTest: 20 });
    const b = parityData(Rng.fromSeed(9), { nTrain: 50, nTest: 20 });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.test.y)).toEqual(Array.from(b.test.y));
    expect(() => parityData(Rng.fromSeed(0), { nTrain: 5 })).toThrow(
      /nTrain must be an integer >= 10; got 5/,
    );
    expect(() => parityData(Rng.fromSeed(0), { beta: 0 })).toThrow(/beta/);
    expect(() => parityData(Rng.fromSeed(0), { d: 2 })).toThrow(/d must be an integer >= 4; got 2/);
  });
});
