import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  boxSupport,
  cartesianProductExtension,
  checkSupport,
  independentNoOcclusionSupport,
  lShapedSupport,
  outOfSupport,
  type Support,
  scmLinearSupport,
} from '../src/index.js';

function rows(z: Float64Array, d: number): number[][] {
  return Array.from({ length: z.length / d }, (_, i) => Array.from(z.subarray(i * d, (i + 1) * d)));
}

describe('L-shaped support (ScalarLatents)', () => {
  const L = lShapedSupport(); // [1, 4]², minus (2.5, 4]²

  it('never emits y₁ > mid ∧ y₂ > mid, stays in [lo, hi]², and is uniform on the L', () => {
    const z = rows(L.sample(Rng.fromSeed(1), 6000), 2);
    let a = 0;
    let b = 0;
    let c = 0;
    for (const [y1, y2] of z) {
      expect(y1! > 2.5 && y2! > 2.5).toBe(false);
      expect(y1).toBeGreaterThanOrEqual(1);
      expect(y2).toBeLessThanOrEqual(4);
      expect(L.contains([y1!, y2!])).toBe(true);
      if (y1! <= 2.5 && y2! <= 2.5) a++;
      else if (y1! <= 2.5) b++;
      else c++;
    }
    // Three equal squares: 1/3 each (±3.5 standard deviations of a binomial proportion at n = 6000).
    for (const k of [a, b, c]) expect(Math.abs(k / 6000 - 1 / 3)).toBeLessThan(0.021);
  });

  it('sequential sampling (balls_dataset.py) puts half the mass at y₁ < mid, with y₂ < mid there', () => {
    const S = lShapedSupport({ sampling: 'sequential' });
    const z = rows(S.sample(Rng.fromSeed(2), 6000), 2);
    const left = z.filter(([y1]) => y1! < 2.5).length / 6000;
    expect(Math.abs(left - 0.5)).toBeLessThan(0.023);
    for (const [y1, y2] of z) if (y1! >= 2.5) expect(y2).toBeLessThanOrEqual(2.5);
  });

  it('its out-of-support set only emits the missing square and fills it', () => {
    const O = outOfSupport(L);
    const z = rows(O.sample(Rng.fromSeed(3), 3000), 2);
    let lowLeft = 0;
    for (const [y1, y2] of z) {
      expect(y1! > 2.5 && y2! > 2.5).toBe(true);
      expect(Math.max(y1!, y2!)).toBeLessThanOrEqual(4);
      expect(O.contains([y1!, y2!])).toBe(true);
      expect(L.contains([y1!, y2!])).toBe(false);
      if (y1! < 3.25 && y2! < 3.25) lowLeft++;
    }
    expect(Math.abs(lowLeft / 3000 - 0.25)).toBeLessThan(0.03);
  });

  it('has CPE(L) = the full square: its projections cover [lo, hi] and every corner is in the CPE', () => {
    const cpe = cartesianProductExtension(L);
    expect(cpe.projections).toEqual([[{ lo: [1], hi: [4] }], [{ lo: [1], hi: [4] }]]);
    for (const corner of [
      [1, 1],
      [4, 4],
      [1, 4],
      [4, 1],
      [3.5, 3.5],
    ])
      expect(cpe.contains(corner)).toBe(true);
    expect(cpe.contains([4.1, 2])).toBe(false);
    // The sample projections of L cover [lo, hi] too (the sample CPE is the square).
    const z = rows(L.sample(Rng.fromSeed(4), 4000), 2);
    for (const k of [0, 1]) {
      const v = z.map((r) => r[k]!);
      expect(Math.min(...v)).toBeLessThan(1.01);
      expect(Math.max(...v)).toBeGreaterThan(3.99);
    }
    // CPE draws reach the missing square (about a quarter of them).
    const inSquare = rows(cpe.sample(Rng.fromSeed(5), 4000), 2).filter(
      ([a, b]) => a! > 2.5 && b! > 2.5,
    ).length;
    expect(Math.abs(inSquare / 4000 - 0.25)).toBeLessThan(0.025);
  });
});

describe('BlockLatents supports', () => {
  const dist2 = (r: number[]) => (r[0]! - r[2]!) ** 2 + (r[1]! - r[3]!) ** 2;

  it('independent without occlusion: coordinates in [0.1, 0.9], centres at least 0.32 apart', () => {
    const S = independentNoOcclusionSupport();
    for (const r of rows(S.sample(Rng.fromSeed(6), 3000), 4)) {
      expect(dist2(r)).toBeGreaterThanOrEqual(0.32 ** 2);
      for (const v of r) expect(v >= 0.1 && v <= 0.9).toBe(true);
      expect(S.contains(r)).toBe(true);
    }
    expect(S.contains([0.5, 0.5, 0.6, 0.6])).toBe(false);
    // Its out-of-support set is the occluding configurations.
    for (const r of rows(outOfSupport(S).sample(Rng.fromSeed(7), 500), 4))
      expect(dist2(r)).toBeLessThan(0.32 ** 2);
  });

  it('scm-linear: ball 2 sits in the box chosen by x₁ + y₁ ≥ 1; the OOS set is the crossed choices and occlusions', () => {
    const S = scmLinearSupport();
    for (const r of rows(S.sample(Rng.fromSeed(8), 3000), 4)) {
      const [x1, y1, x2, y2] = r as [number, number, number, number];
      if (x1 + y1 >= 1) expect(x2 <= 0.5 && y2 >= 0.5).toBe(true);
      else expect(x2 >= 0.5 && y2 <= 0.5).toBe(true);
      expect(dist2(r)).toBeGreaterThanOrEqual(0.32 ** 2);
      expect(S.contains(r)).toBe(true);
    }
    const O = outOfSupport(S);
    let crossed = 0;
    for (const r of rows(O.sample(Rng.fromSeed(9), 1000), 4)) {
      const [x1, y1, x2, y2] = r as [number, number, number, number];
      expect(S.contains(r)).toBe(false);
      expect(cartesianProductExtension(S).contains(r)).toBe(true);
      const upper = x2 <= 0.5 && y2 >= 0.5;
      if (x1 + y1 >= 1 !== upper) crossed++;
      // What is not a crossed combination is an occluding one.
      else expect(dist2(r)).toBeLessThan(0.32 ** 2);
    }
    expect(crossed / 1000).toBeGreaterThan(0.6);
  });

  it('box supports: uniform in the box, one block per coordinate by default', () => {
    const B = boxSupport({ lo: [2.5, 2.5], hi: [4, 4] });
    expect(B.partition).toEqual([[0], [1]]);
    for (const r of rows(B.sample(Rng.fromSeed(10), 500), 2)) expect(B.contains(r)).toBe(true);
  });
});

describe('support validation', () => {
  it('rejects supports with empty projections and degenerate boxes', () => {
    expect(() => boxSupport({ lo: [0, 1], hi: [1, 1] })).toThrow(
      /box must be a box with lo < hi on every side \(side 1 is empty: \[1, 1\]\), i.e. a non-empty projection/,
    );
    const empty: Support = { ...lShapedSupport(), projections: [[{ lo: [1], hi: [4] }], []] };
    expect(() => checkSupport('support', empty)).toThrow(
      /support.projections\[1\] must be a non-empty list of boxes \(the projection of the support onto this block is empty\)/,
    );
    expect(() => cartesianProductExtension(empty)).toThrow(
      /projection of the support onto this block is empty/,
    );
    const wrongWidth: Support = {
      ...lShapedSupport(),
      projections: [[{ lo: [1, 1], hi: [4, 4] }], [{ lo: [1], hi: [4] }]],
    };
    expect(() => checkSupport('support', wrongWidth)).toThrow(/a box over the 1 latents of block 0/);
    expect(() => lShapedSupport({ lo: 1, hi: 4, mid: 5 })).toThrow(
      /mid must be a number strictly between lo \(1\) and hi \(4\); got 5/,
    );
    expect(() => independentNoOcclusionSupport({ lo: 0.9, hi: 0.1 })).toThrow(/hi must be a number > lo/);
    expect(() => lShapedSupport().sample(Rng.fromSeed(1), -1)).toThrow(/n must be an integer >= 0; got -1/);
  });

  it('a zero-measure out-of-support set fails clearly instead of looping', () => {
    // A box's CPE is the box itself: nothing is out of support.
    expect(() => outOfSupport(boxSupport({ lo: [0, 0], hi: [1, 1] })).sample(Rng.fromSeed(1), 1)).toThrow(
      /support must be a set a rejection sampler can hit/,
    );
  });
});
