import {
  checkFinite,
  checkInteger,
  checkOneOf,
  checkPositive,
  PaperkitInputError,
  stopGradient,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { ALPHA_MODES, type AlphaMode } from './alpha.js';
import { checkPoints, parzenScore } from './parzen.js';
import { standardizeColumns, TINY } from './standardize.js';

/**
 * The density-gradient criterion of the paper (reference `criterion.py`, `criterion`): on a batch of
 * recovered points z' (standardised per column), the Parzen score V = ∇log p̂(z') is estimated with
 * the batch as reference set and normalised to unit vectors v̂; across a density discontinuity that
 * is axis aligned, v̂ points along an axis. Terms (a weight λ < 0 skips a term, λ = 0 computes it for
 * monitoring only, as the reference):
 * - `gradAxisAlign` = −Σ_i α_i ‖v̂_i‖_∞ — the only term of the paper's experiments;
 * - `gradLocalAlign` = −Σ_ij β_ij cos(v̂_i, v̂_j), β ∝ exp(−‖s_i − s_j‖²/(2σ_n²))·α_i (·α_j);
 * - `ptsAxisAlign` = Σ_ij β_ij min_k (s_ik − s_jk)² / ‖s_i − s_j‖²;
 * - `ptsGradOrtho` = Σ_ij β_ij ⟨v̂_i, (s_i − s_j)/‖s_i − s_j‖⟩²;
 * - `reconstruction` = MSE(x, x̂) for autoencoder variants.
 */

/** Names of the criterion's terms. */
export type CriterionTerm =
  | 'gradAxisAlign'
  | 'gradLocalAlign'
  | 'ptsAxisAlign'
  | 'ptsGradOrtho'
  | 'reconstruction';

/** Every term, in the reference's order. */
export const CRITERION_TERMS: readonly CriterionTerm[] = [
  'gradAxisAlign',
  'gradLocalAlign',
  'ptsAxisAlign',
  'ptsGradOrtho',
  'reconstruction',
];

/** Weights λ of the terms; default the paper's experiments: gradAxisAlign 1, every other term skipped (−1). */
export type CriterionWeights = Partial<Record<CriterionTerm, number>>;

/** Options of {@link criterion}. */
export interface CriterionOptions {
  /** Parzen σ on the standardised batch; default 0.1 (the paper's). */
  readonly sigma?: number;
  /** σ of the neighbourhood weights β; default `sigma`. */
  readonly sigmaNeighbors?: number;
  /**
   * Per-point weights α (length n), e.g. rows of {@link alphaWeights} computed once on the dataset
   * (the paper's setting). Default: from this batch's own ‖V_i‖ by `alphaMode`, without gradient
   * (the reference's behaviour when no α is passed).
   */
  readonly alpha?: tf.Tensor1D | ArrayLike<number>;
  /** Mode of the batch α when `alpha` is absent; default `as_is`. */
  readonly alphaMode?: AlphaMode;
  /** γ of `alphaMode`; default 1. */
  readonly gamma?: number;
  /** Term weights λ. */
  readonly weights?: CriterionWeights;
  /** Standardise z' per column first; default true (the reference's `standardize_batch`). */
  readonly standardize?: boolean;
  /** Use |cos| in `gradLocalAlign`; default false. */
  readonly useAbsCosine?: boolean;
  /** `gradLocalAlign` weights pairs by α_i·α_j instead of α_i; default false (reference default). */
  readonly requireNeighborLargeGradient?: boolean;
  /**
   * Robust reweighting (reference `gamma_robust`): each term's per-point (or per-pair) values ℓ are
   * averaged with weights ∝ w·softmax(γ_r·ℓ) (no gradient through the weights). Default off.
   */
  readonly gammaRobust?: number;
  /**
   * Reproduce the reference's in-place `pow_` quirk in `ptsGradOrtho`: there the difference vectors
   * are squared before being normalised, ⟨v̂_i, (s_i − s_j)²/‖s_i − s_j‖⟩². Default false (the formula).
   */
  readonly squaredDifferencesInOrtho?: boolean;
  /** Observations and reconstructions for the `reconstruction` term. */
  readonly reconstruction?: { readonly x: tf.Tensor; readonly xHat: tf.Tensor };
  /** Query rows per Parzen kernel block; default `defaultChunkSize(n)`. */
  readonly chunkSize?: number;
  /**
   * Largest batch for the pairwise terms (`gradLocalAlign`, `pts*`), which hold n×n matrices;
   * default 4096.
   */
  readonly maxPairwisePoints?: number;
}

/** The loss and every term (0 for skipped terms); all scalars, owned by the caller. */
export interface CriterionResult {
  readonly loss: tf.Scalar;
  readonly terms: Readonly<Record<CriterionTerm, tf.Scalar>>;
}

const DEFAULT_WEIGHTS: Readonly<Record<CriterionTerm, number>> = {
  gradAxisAlign: 1,
  gradLocalAlign: -1,
  ptsAxisAlign: -1,
  ptsGradOrtho: -1,
  reconstruction: -1,
};

/**
 * Evaluates the criterion on recovered points `z` ([n, d] float32), differentiably with respect to
 * `z` (and whatever produced it). Memory: O(chunkSize·n) for the gradient terms; the pairwise terms
 * hold n×n matrices.
 */
export function criterion(z: tf.Tensor2D, options: CriterionOptions = {}): CriterionResult {
  const [n, d] = checkPoints('z', z);
  if (n < 2) throw new PaperkitInputError('z', z, 'at least 2 points');
  const sigma = checkPositive('sigma', options.sigma ?? 0.1);
  const sigmaN = checkPositive('sigmaNeighbors', options.sigmaNeighbors ?? sigma);
  const chunk =
    options.chunkSize === undefined ? {} : { chunkSize: checkInteger('chunkSize', options.chunkSize, 1) };
  const alphaMode = checkOneOf('alphaMode', options.alphaMode ?? 'as_is', ALPHA_MODES);
  const gamma = checkFinite('gamma', options.gamma ?? 1);
  const gammaRobust =
    options.gammaRobust === undefined ? null : checkFinite('gammaRobust', options.gammaRobust);
  const weights = { ...DEFAULT_WEIGHTS };
  for (const [name, value] of Object.entries(options.weights ?? {})) {
    checkOneOf('weights', name, CRITERION_TERMS);
    weights[name as CriterionTerm] = checkFinite(`weights.${name}`, value as number);
  }
  const pairwise = weights.gradLocalAlign >= 0 || weights.ptsAxisAlign >= 0 || weights.ptsGradOrtho >= 0;
  const maxPairs = checkInteger('maxPairwisePoints', options.maxPairwisePoints ?? 4096, 2);
  if (pairwise && n > maxPairs)
    throw new PaperkitInputError(
      'z',
      `a batch of ${n} points`,
      `at most maxPairwisePoints = ${maxPairs} points for the pairwise terms (n×n matrices); subsample the batch or raise maxPairwisePoints`,
    );
  if (weights.reconstruction > 0 && options.reconstruction === undefined)
    throw new PaperkitInputError('reconstruction', undefined, '{ x, xHat } when weights.reconstruction > 0');
  const alphaGiven = options.alpha === undefined ? null : checkAlpha(options.alpha, n);

  return tf.tidy(() => {
    const s = options.standardize === false ? z : standardizeColumns(z);
    const v = parzenScore(s, { sigma, ...chunk });
    // ‖V‖ with 1e-20 under the root: an isolated point has V = 0 exactly in float32 (its own kernel
    // weight rounds to 1), where the gradient of a bare sqrt is 0·∞ = NaN. The value moves by < 1e-10.
    const vNorm = tf.sqrt(tf.add(tf.sum(tf.square(v), 1), 1e-20));
    const vn = tf.div(v, tf.expandDims(tf.add(vNorm, TINY), 1)) as tf.Tensor2D;
    const alpha = alphaGiven
      ? alphaGiven instanceof tf.Tensor
        ? alphaGiven
        : tf.tensor1d(Float32Array.from(alphaGiven))
      : (stopGradient(alphaOnDevice(vNorm as tf.Tensor1D, alphaMode, gamma)) as tf.Tensor1D);
    const terms: Partial<Record<CriterionTerm, tf.Scalar>> = {};
    if (weights.gradAxisAlign >= 0) {
      const negInf = tf.neg(tf.max(tf.abs(vn), 1));
      terms.gradAxisAlign = weighted(negInf, alpha, gammaRobust);
    }
    if (pairwise) {
      // Differences per coordinate, explicitly (as the reference's n×n×d tensor, one n×n at a time):
      // the norm expansion ‖s_i‖² − 2⟨s_i, s_j⟩ + ‖s_j‖² loses close pairs to float32 cancellation.
      const diffs: tf.Tensor2D[] = [];
      for (let k = 0; k < d; k++) {
        const col = tf.squeeze(tf.slice(s, [0, k], [n, 1]), [1]);
        diffs.push(tf.sub(tf.expandDims(col, 1), tf.expandDims(col, 0)) as tf.Tensor2D);
      }
      const squares = diffs.map((t) => tf.square(t));
      const dist2 = tf.addN(squares);
      const proximity = tf.exp(tf.div(dist2, -2 * sigmaN * sigmaN));
      const a1 = tf.expandDims(alpha, 1);
      const both = tf.mul(tf.mul(proximity, a1), tf.expandDims(alpha, 0));
      const beta2 = tf.div(both, tf.add(tf.sum(both), TINY)) as tf.Tensor2D;
      if (weights.gradLocalAlign >= 0) {
        let cos: tf.Tensor = tf.matMul(vn, vn, false, true);
        if (options.useAbsCosine) cos = tf.abs(cos);
        let beta: tf.Tensor = beta2;
        if (!options.requireNeighborLargeGradient) {
          const one = tf.mul(proximity, a1);
          beta = tf.div(one, tf.add(tf.sum(one), TINY));
        }
        terms.gradLocalAlign = weighted(tf.neg(cos), beta, gammaRobust);
      }
      if (weights.ptsAxisAlign >= 0) {
        const closest = squares.reduce((a, b) => tf.minimum(a, b));
        terms.ptsAxisAlign = weighted(tf.div(closest, tf.add(dist2, TINY)), beta2, gammaRobust);
      }
      if (weights.ptsGradOrtho >= 0) {
        // sqrt(d² + 1e-12): within 1e-6 of ‖s_i − s_j‖, with a finite gradient at i = j.
        const norm = tf.add(tf.sqrt(tf.add(dist2, 1e-12)), TINY);
        const parts = options.squaredDifferencesInOrtho ? squares : diffs;
        let dots: tf.Tensor | null = null;
        for (let k = 0; k < d; k++) {
          const term = tf.mul(tf.slice(vn, [0, k], [n, 1]), parts[k]!);
          dots = dots === null ? term : tf.add(dots, term);
        }
        terms.ptsGradOrtho = weighted(tf.square(tf.div(dots!, norm)), beta2, gammaRobust);
      }
    }
    if (weights.reconstruction > 0 && options.reconstruction) {
      const { x, xHat } = options.reconstruction;
      if (!(x instanceof tf.Tensor) || !(xHat instanceof tf.Tensor) || x.shape.join() !== xHat.shape.join())
        throw new PaperkitInputError(
          'reconstruction',
          options.reconstruction,
          '{ x, xHat } tensors of equal shape',
        );
      terms.reconstruction = tf.mean(tf.square(tf.sub(x, xHat)));
    }
    let loss: tf.Scalar | null = null;
    for (const name of CRITERION_TERMS) {
      const term = terms[name];
      if (term === undefined || weights[name] === 0) continue;
      const contribution = weights[name] === 1 ? term : (tf.mul(weights[name], term) as tf.Scalar);
      loss = loss === null ? contribution : (tf.add(loss, contribution) as tf.Scalar);
    }
    const all = {} as Record<CriterionTerm, tf.Scalar>;
    for (const name of CRITERION_TERMS) all[name] = terms[name] ?? tf.scalar(0);
    // The loss is its own tensor even when it equals one term, so callers may dispose both.
    return { loss: loss === null ? tf.scalar(0) : (tf.clone(loss) as tf.Scalar), terms: all };
  });
}

/**
 * The paper's loss alone: −Σ_i α_i ‖v̂_i‖_∞ on the standardised batch `z` (the `gradAxisAlign` term
 * with weight 1), as one scalar.
 */
export function axisAlignmentLoss(
  z: tf.Tensor2D,
  options: Pick<
    CriterionOptions,
    'sigma' | 'alpha' | 'alphaMode' | 'gamma' | 'chunkSize' | 'standardize'
  > = {},
): tf.Scalar {
  const { loss, terms } = criterion(z, options);
  tf.dispose(Object.values(terms));
  return loss;
}

function checkAlpha(alpha: tf.Tensor1D | ArrayLike<number>, n: number): tf.Tensor1D | ArrayLike<number> {
  if (alpha instanceof tf.Tensor) {
    if (alpha.rank !== 1 || alpha.shape[0] !== n || alpha.dtype !== 'float32')
      throw new PaperkitInputError('alpha', alpha, `a float32 tensor of shape [${n}] (one weight per point)`);
    return alpha;
  }
  if (alpha == null || typeof alpha !== 'object' || alpha.length !== n)
    throw new PaperkitInputError('alpha', alpha, `an array of ${n} weights (one per point)`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(alpha[i]!) || alpha[i]! < 0)
      throw new PaperkitInputError(`alpha[${i}]`, alpha[i], 'a finite number ≥ 0');
  return alpha;
}

/** α from the batch's gradient magnitudes by the reference modes, on the device (no host read). */
function alphaOnDevice(norms: tf.Tensor1D, mode: AlphaMode, gamma: number): tf.Tensor1D {
  const n = norms.shape[0];
  const normalise = (t: tf.Tensor) => tf.div(t, tf.sum(t)) as tf.Tensor1D;
  switch (mode) {
    case 'as_is':
      return normalise(norms);
    case 'power':
      return normalise(tf.pow(norms, gamma));
    case 'softmax':
      return tf.softmax(tf.mul(norms, gamma)) as tf.Tensor1D;
    case 'cdf': {
      // Rank r (0 = smallest) of each entry, as the reference's cdf[sorted_indices] = arange(n)/n.
      const { indices } = tf.topk(norms, n, true);
      const ranks = tf.sub(n - 1, tf.range(0, n, 1, 'float32'));
      return normalise(tf.scatterND(tf.expandDims(indices, 1), tf.div(ranks, n), [n]));
    }
    case 'quantile_threshold': {
      const k = Math.floor(Math.abs(gamma) * n);
      if (k < 1 || Math.abs(gamma) > 1)
        throw new PaperkitInputError('gamma', gamma, `a fraction in (0, 1] with ⌊|γ|·n⌋ ≥ 1 (n = ${n})`);
      const threshold = tf.slice(tf.topk(norms, k, true).values, [k - 1], [1]);
      return tf.div(tf.cast(tf.greaterEqual(norms, threshold), 'float32'), k) as tf.Tensor1D;
    }
  }
}

/** Σ w·ℓ, or with γ_r the robust average Σ ℓ·w' with w' ∝ w·softmax(γ_r ℓ) held constant. */
function weighted(values: tf.Tensor, w: tf.Tensor, gammaRobust: number | null): tf.Scalar {
  if (gammaRobust === null) return tf.sum(tf.mul(values, w));
  const flat = tf.reshape(values, [-1]);
  const w2 = stopGradient(
    tf.tidy(() => {
      const r = tf.mul(tf.reshape(w, [-1]), tf.softmax(tf.mul(flat, gammaRobust)));
      return tf.div(r, tf.sum(r));
    }),
  );
  return tf.sum(tf.mul(flat, w2));
}
