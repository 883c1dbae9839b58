import { describe, expect, it } from 'vitest';
import { ackley, goldsteinPrice, sharpFlat, sharpFlatGrad } from '../src/index.js';

const fd = (f: (x: number) => number, x: number, h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);

describe('toy landscapes', () => {
  it('Toy 1 gradient matches central differences; wells at −1 (sharp) and near 1.5 (flat)', () => {
    for (const k of [4, 16, 32])
      for (const x of [-1.3, -1.01, -0.5, 0.25, 1.2, 1.7]) {
        const want = fd((z) => sharpFlat(z, k), x);
        expect(Math.abs(sharpFlatGrad(x, k) - want)).toBeLessThan(1e-5 * (1 + Math.abs(want)));
      }
    expect(sharpFlat(-1, 16)).toBeLessThan(sharpFlat(-0.8, 16));
    expect(sharpFlat(1.5, 16)).toBeLessThan(sharpFlat(1.2, 16));
  });

  for (const fn of [goldsteinPrice, ackley])
    it(`${fn.name}: gradient matches central differences, minimum ${fn.minimum} at the minimiser`, () => {
      const [mx, my] = fn.minimiser;
      expect(fn.f(mx, my)).toBeCloseTo(fn.minimum, 10);
      for (const [x, y] of [
        [0.3, -0.7],
        [-1.2, 0.4],
        [1.7, 1.1],
        [-0.6, -0.4],
      ] as const) {
        const [gx, gy] = fn.grad(x, y);
        const hx = fd((z) => fn.f(z, y), x);
        const hy = fd((z) => fn.f(x, z), y);
        expect(Math.abs(gx - hx)).toBeLessThan(1e-5 * (1 + Math.abs(hx)));
        expect(Math.abs(gy - hy)).toBeLessThan(1e-5 * (1 + Math.abs(hy)));
      }
    });

  it('Goldstein–Price has its local minima 30 and 84 where expected', () => {
    expect(goldsteinPrice.f(-0.6, -0.4)).toBeCloseTo(30, 6);
    expect(goldsteinPrice.f(1.8, 0.2)).toBeCloseTo(84, 6);
  });

  it('a non-positive sharpness is refused, naming kappaSharp', () => {
    expect(() => sharpFlat(0, 0)).toThrow(/kappaSharp/);
    expect(() => sharpFlatGrad(0, -1)).toThrow(/kappaSharp/);
  });
});
