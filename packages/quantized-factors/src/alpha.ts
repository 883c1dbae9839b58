import {
  checkFinite,
  checkInRange,
  checkMatrix,
  checkOneOf,
  checkPositive,
  type MatrixLike,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { checkPoints, parzenLogDensity, parzenLogDensityGradient } from './parzen.js';
import { standardizeColumns } from './standardize.js';

/**
 * The point weights α of the criterion: points where the estimated density changes fast (near a
 * discontinuity) get large weight (reference `criterion.py`, `compute_alpha`).
 */

/** How gradient magnitudes become weights (reference `alpha_mode`). */
export type AlphaMode = 'as_is' | 'softmax' | 'power' | 'quantile_threshold' | 'cdf';

/** Every {@link AlphaMode}. */
export const ALPHA_MODES: readonly AlphaMode[] = ['as_is', 'softmax', 'power', 'quantile_threshold', 'cdf'];

/** Options of {@link alphaFromNorms}. */
export interface AlphaModeOptions {
  /**
   * `as_is` (default, the paper's): α_i = ‖v_i‖/Σ‖v‖. `softmax`: softmax(γ‖v‖). `power`: ‖v‖^γ
   * normalised. `quantile_threshold`: weight 1/K on the K = ⌊|γ|·n⌋ largest magnitudes, 0 elsewhere.
   * `cdf`: the empirical CDF rank of ‖v_i‖ (0, 1/n, …), normalised.
   */
  readonly mode?: AlphaMode;
  /** γ of the `softmax`, `power` and `quantile_threshold` modes; default 1. */
  readonly gamma?: number;
}

/** Weights α (summing to 1) from gradient magnitudes, by the reference's modes. */
export function alphaFromNorms(norms: ArrayLike<number>, options: AlphaModeOptions = {}): Float64Array {
  const mode = checkOneOf('mode', options.mode ?? 'as_is', ALPHA_MODES);
  const gamma = checkFinite('gamma', options.gamma ?? 1);
  const n = norms.length;
  if (n < 1) throw new PaperkitInputError('norms', norms, 'at least one gradient magnitude');
  for (let i = 0; i < n; i++)
    if (!(norms[i]! >= 0) || !Number.isFinite(norms[i]!))
      throw new PaperkitInputError(`norms[${i}]`, norms[i], 'a finite number ≥ 0');
  const out = new Float64Array(n);
  if (mode === 'as_is' || mode === 'power') {
    for (let i = 0; i < n; i++) out[i] = mode === 'as_is' ? norms[i]! : norms[i]! ** gamma;
  } else if (mode === 'softmax') {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, gamma * norms[i]!);
    for (let i = 0; i < n; i++) out[i] = Math.exp(gamma * norms[i]! - max);
  } else {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => norms[a]! - norms[b]! || a - b);
    if (mode === 'cdf') {
      order.forEach((idx, rank) => {
        out[idx] = rank / n;
      });
    } else {
      checkInRange('gamma', Math.abs(gamma), 0, 1, '(]');
      const k = Math.floor(Math.abs(gamma) * n);
      if (k < 1) throw new PaperkitInputError('gamma', gamma, `a fraction with ⌊|γ|·n⌋ ≥ 1 point (n = ${n})`);
      const threshold = norms[order[n - k]!]!;
      for (let i = 0; i < n; i++) out[i] = norms[i]! >= threshold ? 1 / k : 0;
      return out;
    }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i]!;
  if (!(sum > 0) || !Number.isFinite(sum))
    throw new PaperkitInputError(
      'norms',
      norms,
      `magnitudes whose ${mode} weights have a positive finite sum`,
    );
  for (let i = 0; i < n; i++) out[i]! /= sum;
  return out;
}

/** Options of {@link alphaWeights}. */
export interface AlphaWeightsOptions extends AlphaModeOptions {
  /** Parzen σ; default 0.1 (the paper's). */
  readonly sigma?: number;
  /** Standardise the columns first (mean 0, unbiased std 1); default true, as the paper. */
  readonly standardize?: boolean;
  /**
   * Weight by ‖∇log p̂‖ (`log`, default: the notebooks' `use_log_density=True`) or by the density
   * gradient ‖p̂·∇log p̂‖ (`density`, the reference function's default).
   */
  readonly densityGradient?: 'log' | 'density';
  /** Query rows per kernel block (memory O(chunkSize·n)); default `defaultChunkSize(n)`. */
  readonly chunkSize?: number;
}

/** α and the gradient magnitudes it came from, one per observation. */
export interface AlphaWeights {
  readonly alpha: Float64Array;
  readonly norms: Float64Array;
}

/**
 * α of every observation, computed once on the whole (standardised) dataset as the paper does before
 * training: ‖∇log p̂(x_i)‖ with the dataset as reference set, then {@link alphaFromNorms}. Chunked,
 * so n = 50 000 needs O(chunkSize·n) memory. Training batches then take their rows of α (the
 * weights of a batch sum to its share of the dataset, ≈ batch/n, as in the paper).
 */
export async function alphaWeights(
  x: tf.Tensor2D | MatrixLike,
  options: AlphaWeightsOptions = {},
): Promise<AlphaWeights> {
  const sigma = checkPositive('sigma', options.sigma ?? 0.1);
  const mode = checkOneOf('densityGradient', options.densityGradient ?? 'log', ['log', 'density'] as const);
  const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
  const owned = !(x instanceof tf.Tensor);
  let input: tf.Tensor2D;
  if (x instanceof tf.Tensor) input = x;
  else {
    checkMatrix('x', x);
    input = tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols]);
  }
  try {
    checkPoints('x', input);
    const normsT = tf.tidy(() => {
      const s = options.standardize === false ? input : standardizeColumns(input);
      const v = parzenLogDensityGradient(s, { sigma, ...chunk });
      const norms = tf.sqrt(tf.sum(tf.square(v), 1));
      if (mode === 'log') return norms;
      return tf.mul(norms, tf.exp(parzenLogDensity(s, { sigma, ...chunk })));
    });
    const norms = Float64Array.from(await normsT.data());
    normsT.dispose();
    return { alpha: alphaFromNorms(norms, options), norms };
  } finally {
    if (owned) input.dispose();
  }
}
