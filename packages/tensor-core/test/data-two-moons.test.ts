import { describe, expect, it } from 'vitest';
import { Rng, twoMoons } from '../src/index.js';

describe('twoMoons', () => {
  it('two moons: labels flipped exactly as asked, points on the two half circles', () => {
    const d = twoMoons(Rng.fromSeed(1), { count: 200, noise: 0, labelNoise: 0.1 });
    expect(d.flipped.length).toBe(20);
    for (let i = 0; i < 200; i++) {
      const [x, y] = [d.features[2 * i]!, d.features[2 * i + 1]!];
      const moon = i < 100 ? 0 : 1;
      const r = moon === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(r).toBeCloseTo(1, 5);
      const flipped = d.flipped.includes(i);
      expect(d.labels[i]).toBe(flipped ? 1 - moon : moon);
    }
  });

  it('rejects bad sizes and noise levels', () => {
    expect(() => twoMoons(Rng.fromSeed(1), { count: 1 })).toThrow(/count must be an integer >= 2; got 1/);
    expect(() => twoMoons(Rng.fromSeed(1), { count: 10, labelNoise: 2 })).toThrow(
      /labelNoise must be a number in \[0, 1\]/,
    );
  });
});
