import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bernoulliMask, dropoutMask, initBackend, Rng, randomNormal, randomUniform } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

describe('Rng', () => {
  it('same seed, same numbers; different seeds differ', () => {
    const a = Rng.fromSeed(42);
    const b = Rng.fromSeed(42);
    const c = Rng.fromSeed(43);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('named sub-streams do not depend on the parent draws and differ by name', () => {
    const a = Rng.fromSeed(7);
    const s1 = a.stream('data').next();
    for (let i = 0; i < 10; i++) a.next();
    expect(a.stream('data').next()).toBe(s1);
    expect(a.stream('init').next()).not.toBe(s1);
    expect(a.stream('data').stream('x').next()).not.toBe(a.stream('x').next());
  });

  it('uniform draws are uniform and normal draws standard (moments over 2e5 samples)', () => {
    const r = Rng.fromSeed(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let z1 = 0;
    let z2 = 0;
    let z4 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
      const z = r.normal();
      z1 += z;
      z2 += z * z;
      z4 += z ** 4;
    }
    // Standard errors: mean of U ~ 0.29/√n ≈ 6.5e-4; bounds at ~5 SE.
    expect(Math.abs(s / n - 0.5)).toBeLessThan(3.5e-3);
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(3.5e-3);
    expect(Math.abs(z1 / n)).toBeLessThan(0.012);
    expect(Math.abs(z2 / n - 1)).toBeLessThan(0.016);
    expect(Math.abs(z4 / n - 3)).toBeLessThan(0.1);
  });

  it('int is unbiased over a non-power-of-two range', () => {
    const r = Rng.fromSeed(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    // chi-square with 5 dof; 20.5 is the 0.999 quantile.
    const chi = counts.reduce((acc, c) => acc + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(20.5);
  });

  it('Fisher–Yates gives every permutation of 3 equally often', () => {
    const r = Rng.fromSeed(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const k = Array.from(r.permutation(3)).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chi = [...counts.values()].reduce((acc, c) => acc + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(20.5);
  });

  it('categorical follows its weights and rejects bad ones', () => {
    const r = Rng.fromSeed(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.categorical([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[2]! / 40_000 - 0.75)).toBeLessThan(0.012);
    expect(() => r.categorical([0, 0])).toThrow(/weights must be weights with a positive sum/);
    expect(() => r.categorical([1, -1])).toThrow(/weights\[1\] must be a finite number >= 0; got -1/);
  });

  it('state round trip continues the same sequence (including the cached normal)', () => {
    const r = Rng.fromSeed(11);
    r.normal();
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const next = [r.normal(), r.next(), r.normal()];
    const r2 = Rng.fromState(saved);
    expect([r2.normal(), r2.next(), r2.normal()]).toEqual(next);
  });

  it('fromState rejects a state it cannot continue, naming the field', () => {
    const ok = Rng.fromSeed(3).stream('a').getState();
    const cases: [unknown, RegExp][] = [
      [null, /^state must be a saved Rng state/],
      [{ ...ok, s: [1, 2, 3] }, /^state\.s must be four unsigned 32-bit integers/],
      [{ ...ok, s: [1, 2, 3, -4] }, /^state\.s must be four unsigned 32-bit integers/],
      [{ ...ok, s: [0, 0, 0, 0] }, /^state\.s must be generator words that are not all zero/],
      [{ ...ok, seed: 1.5 }, /^state\.seed must be a safe integer/],
      [{ ...ok, path: ['a', ''] }, /^state\.path must be an array of non-empty stream names/],
      [{ ...ok, spare: 'x' }, /^state\.spare must be null or a finite number/],
      [{ ...ok, spare: Number.NaN }, /^state\.spare must be null or a finite number/],
    ];
    for (const [bad, msg] of cases) expect(() => Rng.fromState(bad as never)).toThrow(msg);
    expect(() => Rng.fromState({ ...ok, s: [1, 2, 3] } as never, 'saved.rng')).toThrow(
      /^saved\.rng\.s must be/,
    );
    expect(Rng.fromState(ok).next()).toBe(Rng.fromSeed(3).stream('a').next());
  });

  it('tensor samplers reject impossible ranges', () => {
    expect(() => randomUniform(Rng.fromSeed(1), [2], 1, 0)).toThrow(/hi must be a number >= lo \(1\); got 0/);
    expect(() => bernoulliMask(Rng.fromSeed(1), [2], 2)).toThrow(/keep must be a number in \[0, 1\]; got 2/);
    expect(() => bernoulliMask(Rng.fromSeed(1), [2], Number.NaN)).toThrow(
      /keep must be a number in \[0, 1\]/,
    );
  });

  it('dropoutMask zeroes each unit with probability rate and scales the rest by 1/(1 − rate), seeded', () => {
    const mask = dropoutMask(Rng.fromSeed(4), [250, 400], 0.4);
    expect(mask.shape).toEqual([250, 400]);
    const m = mask.dataSync();
    let zeros = 0;
    for (const v of m)
      if (v === 0) zeros++;
      else expect(v).toBe(Math.fround(1 / 0.6));
    // Binomial(1e5, 0.4): σ of the zero fraction is 0.0015, so ±0.006 is four σ.
    expect(Math.abs(zeros / m.length - 0.4)).toBeLessThan(0.006);
    const again = dropoutMask(Rng.fromSeed(4), [100_000], 0.4);
    expect(Array.from(again.dataSync())).toEqual(Array.from(m));
    const none = dropoutMask(Rng.fromSeed(4), [64], 0);
    expect(Array.from(none.dataSync())).toEqual(new Array(64).fill(1));
    tf.dispose([mask, again, none]);
    expect(() => dropoutMask(Rng.fromSeed(1), [2], 1)).toThrow(/rate must be a number in \[0, 1\); got 1/);
    expect(() => dropoutMask(Rng.fromSeed(1), [2], Number.NaN)).toThrow(/rate/);
    expect(() => dropoutMask(Rng.fromSeed(1), [2, -1], 0.5)).toThrow(/shape/);
  });

  it('opSeed is a non-zero integer, and seeded tensors replay', async () => {
    const r = Rng.fromSeed(2);
    for (let i = 0; i < 1000; i++) {
      const s = r.opSeed();
      expect(Number.isInteger(s) && s > 0).toBe(true);
    }
    const a = randomNormal(Rng.fromSeed(5), [4]);
    const b = randomNormal(Rng.fromSeed(5), [4]);
    const rr = Rng.fromSeed(5);
    const c1 = randomNormal(rr, [4]);
    const c2 = randomNormal(rr, [4]);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await c1.data())).not.toEqual(Array.from(await c2.data()));
    tf.dispose([a, b, c1, c2]);
  });

  it('sampleWithoutReplacement returns k distinct indices', () => {
    const s = Rng.fromSeed(1).sampleWithoutReplacement(10, 7);
    expect(new Set(s).size).toBe(7);
    expect(() => Rng.fromSeed(1).sampleWithoutReplacement(3, 4)).toThrow(/k must be an integer <= n \(3\)/);
  });

  it('rejects non-integer seeds', () => {
    expect(() => Rng.fromSeed(1.5)).toThrow(/seed must be a safe integer; got 1.5/);
  });
});
