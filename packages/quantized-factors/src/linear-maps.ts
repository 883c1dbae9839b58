import {
  abortPoint,
  checkMatrix,
  checkOneOf,
  checkPositive,
  checkSquare,
  identity,
  type Matrix,
  type MatrixLike,
  matmul,
  PaperkitInputError,
  svd,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { alphaWeights } from './alpha.js';
import { axisAlignmentLoss } from './criterion.js';
import { columnMoments, TINY } from './standardize.js';
import { whiten } from './whiten.js';

/**
 * Linear unmixing maps z' = W·x and their loss: the shared pieces of the recovery methods
 * (preprocessing, batched loss evaluation, the rank check the reference lacks).
 */

/** How observations are mapped before a search over unmixing matrices. */
export type Preprocess = 'whiten' | 'standardize' | 'none';

/** Every {@link Preprocess}. */
export const PREPROCESS: readonly Preprocess[] = ['whiten', 'standardize', 'none'];

/** The preprocessing map y = P·x (centring drops out: the criterion standardises every batch). */
export function preprocessMatrix(x: MatrixLike, preprocess: Preprocess): Matrix {
  checkOneOf('preprocess', preprocess, PREPROCESS);
  checkMatrix('x', x);
  const d = x.cols;
  if (preprocess === 'none') return identity(d);
  if (preprocess === 'whiten') return whiten(x).matrix;
  const { std } = columnMoments(x);
  const p = identity(d);
  for (let a = 0; a < d; a++) p.data[a * d + a] = 1 / (std[a]! + TINY);
  return p;
}

/** Ratio of the smallest to the largest singular value of `w` (0 for a rank-deficient map). */
export function conditionRatio(w: MatrixLike): number {
  checkSquare('w', w);
  if (!Array.from(w.data).every(Number.isFinite)) return 0;
  const s = svd(w).s;
  const hi = Math.max(...s);
  return hi > 0 ? Math.min(...s) / hi : 0;
}

/** Smallest singular-value ratio below which a linear map counts as rank deficient. */
export const RANK_TOLERANCE = 1e-6;

/** Throws unless `w` is square, finite and of full rank (σ_min/σ_max ≥ {@link RANK_TOLERANCE}). */
export function checkFullRank(parameter: string, w: MatrixLike): void {
  checkSquare(parameter, w);
  const ratio = conditionRatio(w);
  if (!(ratio >= RANK_TOLERANCE))
    throw new PaperkitInputError(
      parameter,
      `a map with σ_min/σ_max = ${ratio.toExponential(2)}`,
      `a full-rank matrix (σ_min/σ_max ≥ ${RANK_TOLERANCE}): a rank-deficient map collapses the latents and the criterion is undefined (NaN)`,
    );
}

/** Options of {@link linearMapLosses}. */
export interface LinearMapLossOptions {
  /** Parzen σ; default 0.1. */
  readonly sigma?: number;
  /** Point weights (length n); default {@link alphaWeights} of the observations (the paper's). */
  readonly alpha?: ArrayLike<number>;
  /** Query rows per kernel block; default `defaultChunkSize(n)`. */
  readonly chunkSize?: number;
  /** Candidates evaluated between host reads (and abort points); default 32. */
  readonly batch?: number;
  /** Stops between batches of candidates. */
  readonly signal?: AbortSignal;
}

/**
 * The paper's loss −Σ α_i ‖v̂_i‖_∞ of z' = W·x for each candidate W (d×d), on the whole dataset `x`
 * (n×d). Losses are read back once per batch of candidates. A rank-deficient candidate gets NaN
 * instead of being evaluated.
 */
export async function linearMapLosses(
  x: MatrixLike,
  maps: readonly MatrixLike[],
  options: LinearMapLossOptions = {},
): Promise<Float64Array> {
  checkMatrix('x', x);
  const d = x.cols;
  maps.forEach((w, i) => {
    if (checkSquare(`maps[${i}]`, w) !== d)
      throw new PaperkitInputError(`maps[${i}]`, w, `a ${d}×${d} matrix`);
  });
  const sigma = checkPositive('sigma', options.sigma ?? 0.1);
  const alpha = options.alpha ?? (await alphaWeights(x, { sigma, ...chunkOption(options) })).alpha;
  if (alpha.length !== x.rows)
    throw new PaperkitInputError('alpha', alpha, `an array of ${x.rows} weights (one per observation)`);
  const batch = Math.max(1, Math.floor(options.batch ?? 32));
  const xT = tf.tensor2d(Float32Array.from(x.data), [x.rows, d]);
  const alphaT = tf.tensor1d(Float32Array.from(alpha));
  const out = new Float64Array(maps.length).fill(Number.NaN);
  try {
    for (let start = 0; start < maps.length; start += batch) {
      if (options.signal) await abortPoint(options.signal);
      const idx: number[] = [];
      const losses: tf.Scalar[] = [];
      for (let i = start; i < Math.min(maps.length, start + batch); i++) {
        const w = maps[i]!;
        if (conditionRatio(w) < RANK_TOLERANCE) continue;
        idx.push(i);
        losses.push(
          tf.tidy(() => {
            const wT = tf.tensor2d(Float32Array.from(w.data), [d, d]);
            const z = tf.matMul(xT, wT, false, true) as tf.Tensor2D;
            return axisAlignmentLoss(z, { sigma, alpha: alphaT, ...chunkOption(options) });
          }),
        );
      }
      if (losses.length === 0) continue;
      const stacked = tf.stack(losses);
      const values = await stacked.data();
      tf.dispose([stacked, ...losses]);
      idx.forEach((i, j) => {
        out[i] = values[j]!;
      });
    }
  } finally {
    tf.dispose([xT, alphaT]);
  }
  return out;
}

function chunkOption(o: { readonly chunkSize?: number }): { chunkSize?: number } {
  return o.chunkSize === undefined ? {} : { chunkSize: o.chunkSize };
}

/** W·P: a map found on preprocessed data expressed on the raw observations. */
export function composeMaps(w: MatrixLike, p: MatrixLike): Matrix {
  return matmul(w, p);
}
