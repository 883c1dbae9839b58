import { PaperkitInputError } from '@paperkit/tensor-core';
import { expectAllClose } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { BUMP_COLORS, BumpScene, bump, bumpDerivatives } from '../src/index.js';

describe('bump', () => {
  it('equals 1 at the centre, 0 on and outside the unit circle, and decays smoothly to the rim', () => {
    expect(bump(0)).toBe(1);
    expect(bump(1)).toBe(0);
    expect(bump(1.5)).toBe(0);
    expect(bump(0.5)).toBeCloseTo(Math.exp(1 - 2), 15);
    expect(bump(1 - 1e-3)).toBeLessThan(1e-300);
    for (let s = 0.05; s < 1; s += 0.05) expect(bump(s)).toBeLessThan(bump(s - 0.05));
  });

  it('has the derivatives b′ = −b/(1−s)² and b″ = b(1/(1−s)⁴ − 2/(1−s)³) (checked by differences)', () => {
    const h = 1e-5;
    for (const s of [0.1, 0.4, 0.7, 0.9]) {
      const [b, d1, d2] = bumpDerivatives(s);
      expect(b).toBe(bump(s));
      expect(d1).toBeCloseTo((bump(s + h) - bump(s - h)) / (2 * h), 6);
      expect(d2).toBeCloseTo((bump(s + h) - 2 * bump(s) + bump(s - h)) / (h * h), 3);
    }
    expect(bumpDerivatives(1.2)).toEqual([0, 0, 0]);
  });
});

describe('BumpScene', () => {
  it('renders an additive image: image − background = Σ of the single-ball images (scalar and block)', () => {
    for (const scene of [
      new BumpScene({ latents: 'scalar' }),
      new BumpScene({ latents: 'block', size: 12 }),
      new BumpScene({ latents: 'scalar', channels: 'rgb', background: 'white', size: 10 }),
    ]) {
      const z =
        scene.latents === 'scalar' ? [2.2, 3.1, 1.4, 1.9] : [0.3, 0.4, 0.45, 0.55, 0.2, 0.8, 0.7, 0.3];
      const img = scene.render(z);
      const b0 = scene.renderBall(z, 0);
      const b1 = scene.renderBall(z, 1);
      const sum = img.map((_, i) => scene.backgroundValue + b0[i]! + b1[i]!);
      expectAllClose(img, sum, { atol: 1e-6 });
      // The bumps overlap in the block scene's first image; the sum is still exact (no occlusion).
      expect(img.length).toBe(2 * scene.outputDim);
    }
  });

  it('renders(y₁, y₂) − bg = (render(y₁, ·) − bg) + (render(·, y₂) − bg) across images', () => {
    const scene = new BumpScene({ latents: 'scalar' });
    const both = scene.render([2, 3]);
    const onlyFirst = scene.renderBall([2, 3], 0);
    const secondElsewhere = scene.renderBall([1, 3], 1);
    expectAllClose(
      both,
      onlyFirst.map((v, i) => v + secondElsewhere[i]!),
      { atol: 1e-6 },
    );
  });

  it('places a ball where its latent says: the peak pixel of a grid-aligned centre is its intensity', () => {
    // 16 px over [0, 5]: pixel j sits at 5j/15, so x = 1.25 is not on the grid but y = 5 − 10/3 is row 10.
    const scene = new BumpScene({ latents: 'block', size: 16 });
    const u = 5 / 15;
    const img = scene.renderBall([(3 * u) / 5, 1 - (10 * u) / 5, 0, 0], 0);
    expect(img[10 * 16 + 3]).toBeCloseTo(1, 6);
    let max = 0;
    for (const v of img) max = Math.max(max, v);
    expect(max).toBeCloseTo(1, 6);
    const second = new BumpScene({ latents: 'block', size: 16 }).renderBall(
      [0, 0, (3 * u) / 5, 1 - (10 * u) / 5],
      1,
    );
    expect(second[10 * 16 + 3]).toBeCloseTo(0.6, 6);
  });

  it('higher scalar latents move the ball up (the reference flips heights: centre y = 5 − z)', () => {
    const scene = new BumpScene({ latents: 'scalar', size: 16 });
    const rowOfPeak = (z: number) => {
      const img = scene.renderBall([z, 2], 0);
      let best = 0;
      for (let i = 1; i < img.length; i++) if (img[i]! > img[best]!) best = i;
      return Math.floor(best / 16);
    };
    expect(rowOfPeak(4)).toBeLessThan(rowOfPeak(1));
  });

  it('centred RGB is 1 − (white image)/255 of the reference rendering', () => {
    const white = new BumpScene({ latents: 'scalar', channels: 'rgb', background: 'white', size: 8 });
    const centred = new BumpScene({ latents: 'scalar', channels: 'rgb', size: 8 });
    const z = [2.4, 1.7];
    const a = white.render(z);
    const b = centred.render(z);
    expectAllClose(
      b,
      a.map((v) => 1 - v),
      { atol: 1e-6 },
    );
    // A pixel under ball 1's centre has the reference colour (69, 154, 145)/255 in the white image.
    expect(BUMP_COLORS[0]).toEqual([69, 154, 145]);
  });

  it('ballDerivatives match central differences of renderBall (first and second, scalar and block)', () => {
    // renderBall is float32: first differences with h = 1e-4, second differences with h = 2e-3.
    for (const scene of [
      new BumpScene({ latents: 'scalar', size: 12 }),
      new BumpScene({ latents: 'block', size: 12 }),
    ]) {
      const k = scene.latents === 'scalar' ? 1 : 2;
      const zb = k === 1 ? [2.3] : [0.42, 0.61];
      const full = (v: number[]) => {
        const z = new Array(scene.latentDim).fill(0.5);
        v.forEach((x, a) => {
          z[k + a] = x;
        });
        return Float64Array.from(scene.renderBall(z, 1));
      };
      const { first, second } = scene.ballDerivatives(1, zb);
      const shift = (h: number, a: number, s: number, b = -1, t = 0) =>
        full(zb.map((v, i) => v + (i === a ? s * h : 0) + (i === b ? t * h : 0)));
      let h = 1e-4;
      for (let a = 0; a < k; a++) {
        const fd = shift(h, a, 1).map((v, i) => (v - shift(h, a, -1)[i]!) / (2 * h));
        expectAllClose(first[a]!, fd, { atol: 2e-3 });
      }
      h = 2e-3;
      const centre = full(zb);
      const top = Math.max(...second[0]!.map(Math.abs));
      expect(top).toBeGreaterThan(1);
      const diag = shift(h, 0, 1).map((v, i) => (v - 2 * centre[i]! + shift(h, 0, -1)[i]!) / (h * h));
      expectAllClose(second[0]!, diag, { atol: 0.01 * top });
      if (k === 2) {
        const cross = shift(h, 0, 1, 1, 1).map(
          (v, i) =>
            (v - shift(h, 0, 1, 1, -1)[i]! - shift(h, 0, -1, 1, 1)[i]! + shift(h, 0, -1, 1, -1)[i]!) /
            (4 * h * h),
        );
        expectAllClose(second[1]!, cross, { atol: 0.01 * top });
      }
    }
  });

  it('rejects bad configurations and latents, naming the parameter', () => {
    expect(() => new BumpScene({ latents: 'polar' as never })).toThrow(
      /latents must be one of "scalar", "block"; got "polar"/,
    );
    expect(() => new BumpScene({ latents: 'scalar', size: 1 })).toThrow(
      /size must be an integer >= 2; got 1/,
    );
    expect(() => new BumpScene({ latents: 'scalar', background: 'white' })).toThrow(
      /background must be "centred" for gray/,
    );
    expect(
      () => new BumpScene({ latents: 'scalar', channels: 'rgb', colors: [[1, 2, 300]] as never }),
    ).toThrow(/colors must be an array of at least 2 RGB triples/);
    expect(
      () =>
        new BumpScene({
          latents: 'scalar',
          channels: 'rgb',
          colors: [
            [1, 2, 300],
            [0, 0, 0],
          ],
        }),
    ).toThrow(/colors\[0\] must be an RGB triple of numbers in \[0, 255\]/);
    expect(() => new BumpScene({ latents: 'scalar', intensities: [1] })).toThrow(
      /intensities must be an array of at least 2/,
    );
    const scene = new BumpScene({ latents: 'scalar' });
    expect(() => scene.render([1, 2, 3])).toThrow(
      /z must be row-major latents whose length is a multiple of 2/,
    );
    expect(() => scene.render([1, Number.NaN])).toThrow(/z\[1\] must be a finite number; got NaN/);
    expect(() => scene.renderBall([1, 2], 2)).toThrow(/ball must be a ball index in 0..1; got 2/);
    expect(() => scene.render(null as never)).toThrow(PaperkitInputError);
  });
});
