import {
  checkMatrix,
  checkPositive,
  type Matrix,
  type MatrixLike,
  matmul,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { whiten } from './whiten.js';

/**
 * The 2-D ICA baseline of the spec: whiten, then choose the rotation that maximises the summed
 * absolute excess kurtosis of the two outputs. Independent components are the most non-Gaussian
 * directions; when the latents are correlated (as on the grid datasets) the whitened latents are not
 * a rotation of the whitened observations, so ICA cannot recover them exactly.
 */

/** A linear ICA solution: sources s = W·(x − mean). */
export interface IcaResult {
  /** W, d×d (rows: components). */
  readonly unmixing: Matrix;
  /** Column means removed before unmixing. */
  readonly mean: Float64Array;
}

/** What {@link kurtosisIca2D} returns. */
export interface KurtosisIcaResult extends IcaResult {
  /** Rotation angle in the whitened coordinates, degrees in [0, 90). */
  readonly angleDeg: number;
  /** Σ|excess kurtosis| of the two components at that angle. */
  readonly objective: number;
}

/** Options of {@link kurtosisIca2D}. */
export interface KurtosisIcaOptions {
  /** Grid step over [0°, 90°) before a golden-section refinement; default 1. */
  readonly stepDeg?: number;
}

/**
 * 2-D ICA by whitening and a rotation search on Σ_k |E[y_k⁴] − 3|. The fourth moments of the
 * whitened data are computed once, so each angle costs O(1): E[(c·u₁ + s·u₂)⁴] = Σ_k C(4,k) c^k s^(4−k)
 * E[u₁^k u₂^(4−k)]. Rotations by 90° only permute and flip the outputs, so [0°, 90°) covers all.
 */
export function kurtosisIca2D(x: MatrixLike, options: KurtosisIcaOptions = {}): KurtosisIcaResult {
  checkMatrix('x', x);
  if (x.cols !== 2) throw new PaperkitInputError('x', x, 'observations with 2 columns');
  const step = checkPositive('stepDeg', options.stepDeg ?? 1);
  if (step > 45) throw new PaperkitInputError('stepDeg', step, 'a step in (0, 45] degrees');
  const w = whiten(x);
  const n = w.data.rows;
  const m = new Float64Array(5);
  for (let i = 0; i < n; i++) {
    const u1 = w.data.data[2 * i]!;
    const u2 = w.data.data[2 * i + 1]!;
    for (let k = 0; k <= 4; k++) m[k]! += u1 ** k * u2 ** (4 - k);
  }
  for (let k = 0; k <= 4; k++) m[k]! /= n;
  const binom = [1, 4, 6, 4, 1];
  const kurt = (t: number) => {
    const c = Math.cos(t);
    const s = Math.sin(t);
    let e4 = 0;
    for (let k = 0; k <= 4; k++) e4 += binom[k]! * c ** k * s ** (4 - k) * m[k]!;
    return e4 - 3;
  };
  const objective = (deg: number) => {
    const t = (deg * Math.PI) / 180;
    return Math.abs(kurt(t)) + Math.abs(kurt(t + Math.PI / 2));
  };
  let best = 0;
  for (let a = 0; a < 90; a += step) if (objective(a) > objective(best)) best = a;
  // Golden-section search for the maximum within one grid step on either side.
  let lo = best - step;
  let hi = best + step;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (objective(a) > objective(b)) hi = b;
    else lo = a;
  }
  const angle = ((((lo + hi) / 2) % 90) + 90) % 90;
  const t = (angle * Math.PI) / 180;
  const rotation = {
    rows: 2,
    cols: 2,
    data: Float64Array.from([Math.cos(t), Math.sin(t), -Math.sin(t), Math.cos(t)]),
  };
  return { unmixing: matmul(rotation, w.matrix), mean: w.mean, angleDeg: angle, objective: objective(angle) };
}
