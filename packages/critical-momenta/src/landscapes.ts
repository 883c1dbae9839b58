/**
 * The paper's toy landscapes, with exact gradients, in Float64: a sharp and a flat well in 1-D (Toy 1)
 * and the Goldstein–Price and Ackley test functions (Fig. 1).
 */
import { checkPositive } from '@paperkit/tensor-core';

/** Width of the flat well of Toy 1. */
const FLAT_WIDTH = 0.7;
/** Centre of the sharp well of Toy 1. */
export const SHARP_CENTRE = -1;
/** Centre of the flat well of Toy 1. */
export const FLAT_CENTRE = 1.5;

/**
 * Toy 1, a 1-D landscape with a sharp and a flat well:
 * f(x) = −exp(−(x+1)²/(2w_s²)) − exp(−(x−1.5)²/(2·0.7²)) + 0.02x², with w_s = 1/κ_sharp.
 */
export function sharpFlat(x: number, kappaSharp: number): number {
  checkPositive('kappaSharp', kappaSharp);
  const ws = 1 / kappaSharp;
  const a = x - SHARP_CENTRE;
  const b = x - FLAT_CENTRE;
  return (
    -Math.exp((-a * a) / (2 * ws * ws)) - Math.exp((-b * b) / (2 * FLAT_WIDTH * FLAT_WIDTH)) + 0.02 * x * x
  );
}

/** d/dx of {@link sharpFlat}. */
export function sharpFlatGrad(x: number, kappaSharp: number): number {
  checkPositive('kappaSharp', kappaSharp);
  const ws2 = 1 / (kappaSharp * kappaSharp);
  const a = x - SHARP_CENTRE;
  const b = x - FLAT_CENTRE;
  const wf2 = FLAT_WIDTH * FLAT_WIDTH;
  return (Math.exp((-a * a) / (2 * ws2)) * a) / ws2 + (Math.exp((-b * b) / (2 * wf2)) * b) / wf2 + 0.04 * x;
}

/** A 2-D test function with its gradient and where its global minimum lies. */
export interface TestFunction2D {
  /** Name. */
  readonly name: 'goldstein-price' | 'ackley';
  /** Value. */
  f(x: number, y: number): number;
  /** Gradient [∂f/∂x, ∂f/∂y]. */
  grad(x: number, y: number): [number, number];
  /** Global minimiser. */
  readonly minimiser: readonly [number, number];
  /** Minimum value. */
  readonly minimum: number;
  /** Plot and start domain [lo, hi] on both axes. */
  readonly domain: readonly [number, number];
  /** Distance from the minimiser within which a run counts as having reached the global basin. */
  readonly basinRadius: number;
}

/**
 * Goldstein–Price on [−2, 2]²: global minimum 3 at (0, −1); local minima 30, 84, 840. The basin radius
 * 0.25 separates the global minimum from the nearest local one at (−0.6, −0.4).
 */
export const goldsteinPrice: TestFunction2D = {
  name: 'goldstein-price',
  f(x, y) {
    const s = x + y + 1;
    const d = 2 * x - 3 * y;
    const p = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y;
    const q = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y;
    return (1 + s * s * p) * (30 + d * d * q);
  },
  grad(x, y) {
    const s = x + y + 1;
    const d = 2 * x - 3 * y;
    const p = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y;
    const q = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y;
    const a = 1 + s * s * p;
    const b = 30 + d * d * q;
    // ∂p/∂x = ∂p/∂y = −14 + 6x + 6y, so ∂a/∂x = ∂a/∂y.
    const da = 2 * s * p + s * s * (-14 + 6 * x + 6 * y);
    const dbx = 4 * d * q + d * d * (-32 + 24 * x - 36 * y);
    const dby = -6 * d * q + d * d * (48 - 36 * x + 54 * y);
    return [da * b + a * dbx, da * b + a * dby];
  },
  minimiser: [0, -1],
  minimum: 3,
  domain: [-2, 2],
  basinRadius: 0.25,
};

/**
 * Ackley: −20·exp(−0.2·√(0.5(x²+y²))) − exp(0.5(cos 2πx + cos 2πy)) + e + 20, minimum 0 at the
 * origin, local minima near every integer point. Basin radius 0.5 (half the lattice spacing).
 */
export const ackley: TestFunction2D = {
  name: 'ackley',
  f(x, y) {
    const r = Math.sqrt(0.5 * (x * x + y * y));
    return (
      -20 * Math.exp(-0.2 * r) -
      Math.exp(0.5 * (Math.cos(2 * Math.PI * x) + Math.cos(2 * Math.PI * y))) +
      Math.E +
      20
    );
  },
  grad(x, y) {
    const r = Math.sqrt(0.5 * (x * x + y * y));
    const e1 = Math.exp(-0.2 * r);
    const e2 = Math.exp(0.5 * (Math.cos(2 * Math.PI * x) + Math.cos(2 * Math.PI * y)));
    // The cone term is not differentiable at the origin; use its zero subgradient there.
    const c = r > 0 ? (2 * e1) / r : 0;
    return [
      c * x + Math.PI * Math.sin(2 * Math.PI * x) * e2,
      c * y + Math.PI * Math.sin(2 * Math.PI * y) * e2,
    ];
  },
  minimiser: [0, 0],
  minimum: 0,
  domain: [-4, 4],
  basinRadius: 0.5,
};
