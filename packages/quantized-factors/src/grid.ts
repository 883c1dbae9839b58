import {
  checkAllFinite,
  checkInteger,
  checkPositive,
  type Matrix,
  PaperkitInputError,
  type Rng,
} from '@paperkit/tensor-core';

/**
 * Piecewise-uniform densities on an axis-aligned grid: the latent densities of the paper, whose
 * discontinuities lie on hyperplanes {z_k = c_{k,m}} spanning the whole support (reference
 * `testdistr.py`, `ManhattanUniform`).
 */

/** How far the priors may be from summing to 1 before they are rejected. */
export const PRIOR_SUM_TOLERANCE = 1e-6;

/** Options of {@link ManhattanUniform.random}. Defaults are the reference datasets'. */
export interface ManhattanUniformOptions {
  /** Cells per axis, each ≥ 2; default [4, 4] (both datasets of the paper). */
  readonly gridDims?: readonly number[];
  /** Smallest spacing between consecutive separators; default 0.3. */
  readonly minSpacing?: number;
  /** Largest spacing; default 2.5. */
  readonly maxSpacing?: number;
  /** First separator of each axis; default 0 on every axis. */
  readonly corner?: readonly number[];
  /**
   * Cell probabilities in flat order (first axis fastest: k = c₀ + g₀·c₁ + …), non-negative, summing
   * to 1. Default softmax of standard normal draws, as the reference.
   */
  readonly priors?: ArrayLike<number>;
}

/** Points drawn from a {@link ManhattanUniform}. */
export interface GridSample {
  /** The points, n×d row-major. */
  readonly z: Matrix;
  /** Flat index of each point's cell. */
  readonly cells: Int32Array;
}

/**
 * A density that is uniform inside each cell of an axis-aligned grid, with cell probabilities
 * `priors`: the separators of axis k are `separators[k][0] < … < separators[k][g_k]`, so axis k has
 * g_k cells and the support is the box between the outer separators. Every separator is a
 * discontinuity that crosses the whole support (the paper's "independent discontinuities"), while the
 * coordinates themselves need not be independent: the priors need not factorise, and cells may have
 * zero mass.
 */
export class ManhattanUniform {
  /** Number of axes d. */
  readonly d: number;
  /** Cells per axis g_k. */
  readonly gridDims: readonly number[];
  /** Separators per axis, g_k + 1 strictly increasing positions each. */
  readonly separators: readonly (readonly number[])[];
  /** Cell probabilities in flat order (first axis fastest). */
  readonly priors: Float64Array;
  /** Total number of cells Π g_k. */
  readonly cellCount: number;
  private readonly cdf: Float64Array;

  /**
   * A grid with the given separators (per axis, strictly increasing, at least 3 positions: 2 cells)
   * and flat-order priors (non-negative, summing to 1 within {@link PRIOR_SUM_TOLERANCE}).
   */
  constructor(separators: readonly (readonly number[])[], priors: ArrayLike<number>) {
    if (!Array.isArray(separators) || separators.length < 1)
      throw new PaperkitInputError('separators', separators, 'an array with one separator list per axis');
    const dims: number[] = [];
    separators.forEach((axis, k) => {
      if (!Array.isArray(axis) || axis.length < 3)
        throw new PaperkitInputError(
          `separators[${k}]`,
          axis,
          'at least 3 increasing positions (2 cells per axis; a single cell has no inner discontinuity)',
        );
      checkAllFinite(`separators[${k}]`, axis);
      for (let m = 1; m < axis.length; m++)
        if (!(axis[m]! > axis[m - 1]!))
          throw new PaperkitInputError(
            `separators[${k}][${m}]`,
            axis[m],
            `a number > ${axis[m - 1]} (strictly increasing)`,
          );
      dims.push(axis.length - 1);
    });
    this.d = dims.length;
    this.gridDims = dims;
    this.cellCount = dims.reduce((a, b) => a * b, 1);
    this.separators = separators.map((a) => [...a]);
    this.priors = checkPriors(priors, this.cellCount);
    this.cdf = new Float64Array(this.cellCount);
    let acc = 0;
    for (let k = 0; k < this.cellCount; k++) this.cdf[k] = acc += this.priors[k]!;
  }

  /**
   * A grid with random spacings, p₀ = corner, p_{m+1} = p_m + U(minSpacing, maxSpacing) on each axis,
   * and (unless given) priors softmax(N(0, 1) draws), all from `rng`: the reference `ManhattanUniform`.
   */
  static random(rng: Rng, options: ManhattanUniformOptions = {}): ManhattanUniform {
    const dims = options.gridDims ?? [4, 4];
    if (!Array.isArray(dims) || dims.length < 1)
      throw new PaperkitInputError('gridDims', dims, 'a non-empty array of cells per axis');
    dims.forEach((g, k) => {
      if (!Number.isInteger(g) || g < 2)
        throw new PaperkitInputError(`gridDims[${k}]`, g, 'an integer ≥ 2 (at least 2 cells per axis)');
    });
    const lo = checkPositive('minSpacing', options.minSpacing ?? 0.3);
    const hi = checkPositive('maxSpacing', options.maxSpacing ?? 2.5);
    if (hi < lo) throw new PaperkitInputError('maxSpacing', hi, `a number ≥ minSpacing (${lo})`);
    const corner = options.corner ?? dims.map(() => 0);
    if (corner.length !== dims.length)
      throw new PaperkitInputError('corner', corner, `an array of ${dims.length} numbers (one per axis)`);
    checkAllFinite('corner', corner);
    const gridRng = rng.stream('separators');
    const separators = dims.map((g, k) => {
      const pos = [corner[k]!];
      for (let m = 0; m < g; m++) pos.push(pos[m]! + gridRng.uniform(lo, hi));
      return pos;
    });
    const cells = dims.reduce((a, b) => a * b, 1);
    const priors = options.priors ?? softmax(rng.stream('priors').fillNormal(new Float64Array(cells)));
    return new ManhattanUniform(separators, priors);
  }

  /** Flat cell index of per-axis cell coordinates (first axis fastest). */
  flatIndex(coords: ArrayLike<number>): number {
    if (coords.length !== this.d)
      throw new PaperkitInputError('coords', coords, `${this.d} cell coordinates`);
    let k = 0;
    for (let a = this.d - 1; a >= 0; a--) {
      const c = coords[a]!;
      if (!Number.isInteger(c) || c < 0 || c >= this.gridDims[a]!)
        throw new PaperkitInputError(`coords[${a}]`, c, `an integer in [0, ${this.gridDims[a]! - 1}]`);
      k = k * this.gridDims[a]! + c;
    }
    return k;
  }

  /** Per-axis cell coordinates of a flat index. */
  cellCoords(flat: number): number[] {
    checkInteger('flat', flat, 0);
    if (flat >= this.cellCount) throw new PaperkitInputError('flat', flat, `an integer < ${this.cellCount}`);
    const out: number[] = [];
    for (let a = 0; a < this.d; a++) {
      out.push(flat % this.gridDims[a]!);
      flat = Math.floor(flat / this.gridDims[a]!);
    }
    return out;
  }

  /** Draws `n` points: a cell from the priors, then a uniform point inside it. */
  sample(rng: Rng, n: number): GridSample {
    checkInteger('n', n, 1);
    const d = this.d;
    const z = new Float64Array(n * d);
    const cells = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.drawCell(rng.next());
      cells[i] = k;
      let rest = k;
      for (let a = 0; a < d; a++) {
        const c = rest % this.gridDims[a]!;
        rest = Math.floor(rest / this.gridDims[a]!);
        const lo = this.separators[a]![c]!;
        const hi = this.separators[a]![c + 1]!;
        z[i * d + a] = lo + (hi - lo) * rng.next();
      }
    }
    return { z: { rows: n, cols: d, data: z }, cells };
  }

  /** Flat cell index of each point of `z` (n×d), or −1 for points outside the support. */
  cellOf(z: { rows: number; cols: number; data: ArrayLike<number> }): Int32Array {
    if (z.cols !== this.d) throw new PaperkitInputError('z', z, `points with ${this.d} coordinates`);
    const out = new Int32Array(z.rows);
    for (let i = 0; i < z.rows; i++) {
      let k = 0;
      let stride = 1;
      for (let a = 0; a < this.d; a++) {
        const sep = this.separators[a]!;
        const v = z.data[i * this.d + a]!;
        const c = upperBound(sep, v) - 1;
        if (c < 0 || c >= this.gridDims[a]! || v > sep[sep.length - 1]!) {
          k = -1;
          break;
        }
        k += c * stride;
        stride *= this.gridDims[a]!;
      }
      out[i] = k;
    }
    return out;
  }

  /** Density at each point: prior of its cell over the cell's volume (0 outside the support). */
  density(z: { rows: number; cols: number; data: ArrayLike<number> }): Float64Array {
    const cells = this.cellOf(z);
    const out = new Float64Array(z.rows);
    for (let i = 0; i < z.rows; i++) {
      const k = cells[i]!;
      if (k < 0) continue;
      let vol = 1;
      this.cellCoords(k).forEach((c, a) => {
        vol *= this.separators[a]![c + 1]! - this.separators[a]![c]!;
      });
      out[i] = this.priors[k]! / vol;
    }
    return out;
  }

  private drawCell(u: number): number {
    // First k with cdf[k] > u·total; zero-prior cells have cdf[k] = cdf[k−1] and are never chosen.
    const target = u * this.cdf[this.cellCount - 1]!;
    let lo = 0;
    let hi = this.cellCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Number of entries of sorted `a` that are ≤ v (so `upperBound − 1` is the cell of v). */
function upperBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Validates flat-order priors and returns a copy. */
export function checkPriors(priors: ArrayLike<number>, cells: number): Float64Array {
  if (priors == null || typeof priors !== 'object' || priors.length !== cells)
    throw new PaperkitInputError('priors', priors, `an array of ${cells} cell probabilities`);
  let sum = 0;
  for (let k = 0; k < cells; k++) {
    const p = priors[k]!;
    if (!Number.isFinite(p) || p < 0) throw new PaperkitInputError(`priors[${k}]`, p, 'a finite number ≥ 0');
    sum += p;
  }
  if (Math.abs(sum - 1) > PRIOR_SUM_TOLERANCE)
    throw new PaperkitInputError(
      'priors',
      `probabilities summing to ${sum}`,
      `probabilities summing to 1 (±${PRIOR_SUM_TOLERANCE})`,
    );
  return Float64Array.from(priors);
}

/** Numerically stable softmax of a vector. */
export function softmax(v: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]!);
  const out = new Float64Array(v.length);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += out[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) out[i]! /= sum;
  return out;
}
