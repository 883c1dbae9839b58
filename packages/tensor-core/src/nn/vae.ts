import * as tf from '@tensorflow/tfjs-core';
import { ParamMap } from '../params/param-map.js';
import type { Rng } from '../random/rng.js';
import { randomNormal } from '../random/tensors.js';
import { checkInteger, PaperkitInputError } from '../validate/errors.js';
import { type Activation, checkActivation } from './activations.js';
import { addDense, checkWeightInit, type WeightInit } from './init.js';
import { dense, type ParamTensors } from './layers.js';
import { binaryCrossEntropyWithLogits, type Reduction } from './losses.js';
import { applyMlp, initMlp } from './mlp.js';

/** Configuration of a Gaussian encoder q(z|x) = N(μ(x), diag exp(logvar(x))). */
export interface GaussianEncoderConfig {
  /** Input width. */
  readonly inputDim: number;
  /** Hidden widths of the trunk (may be empty). */
  readonly hidden: readonly number[];
  /** Latent width. */
  readonly latentDim: number;
  /** Trunk activation; default `relu`. */
  readonly activation?: Activation;
  /** Weight initialisation; default `torch`. */
  readonly init?: WeightInit;
  /** Name prefix; default `'enc.'` (trunk `enc.fc{i}`, heads `enc.mean`, `enc.logvar`). */
  readonly prefix?: string;
}

/** Configuration of a decoder MLP p(x|z). */
export interface DecoderConfig {
  /** Latent width. */
  readonly latentDim: number;
  /** Hidden widths (may be empty). */
  readonly hidden: readonly number[];
  /** Output width. */
  readonly outputDim: number;
  /** Hidden activation; default `relu`. */
  readonly activation?: Activation;
  /**
   * Output activation; default `identity`, i.e. Bernoulli logits (use {@link bernoulliLogLikelihood})
   * or a Gaussian mean (use {@link gaussianLogLikelihood}).
   */
  readonly outputActivation?: Activation;
  /** Weight initialisation; default `torch`. */
  readonly init?: WeightInit;
  /** Name prefix; default `'dec.'` (layers `dec.fc{i}`). */
  readonly prefix?: string;
}

function trunkSizes(c: GaussianEncoderConfig): number[] {
  checkInteger('inputDim', c.inputDim, 1);
  checkInteger('latentDim', c.latentDim, 1);
  return [c.inputDim, ...c.hidden];
}

/**
 * Initialises the encoder: trunk `${prefix}fc{i}` (as {@link initMlp}, activation after every
 * layer) and two linear heads `${prefix}mean` and `${prefix}logvar` [last hidden, latentDim].
 */
export function initGaussianEncoder(
  rng: Rng,
  config: GaussianEncoderConfig,
  into: ParamMap = new ParamMap(),
): ParamMap {
  const sizes = trunkSizes(config);
  const prefix = config.prefix ?? 'enc.';
  const init = checkWeightInit('init', config.init ?? 'torch');
  const act = checkActivation('activation', config.activation ?? 'relu');
  if (sizes.length > 1)
    initMlp(rng, { sizes, activation: sizes.slice(1).map(() => act), init, prefix }, into);
  const last = sizes.at(-1)!;
  addDense(into, rng, `${prefix}mean`, last, config.latentDim, { init });
  addDense(into, rng, `${prefix}logvar`, last, config.latentDim, { init });
  return into;
}

/** Encoder forward pass: `x` [B, inputDim] → `{ mean, logvar }`, each [B, latentDim]. */
export function applyGaussianEncoder(
  params: ParamTensors,
  x: tf.Tensor,
  config: GaussianEncoderConfig,
): { mean: tf.Tensor2D; logvar: tf.Tensor2D } {
  const sizes = trunkSizes(config);
  const prefix = config.prefix ?? 'enc.';
  const act = checkActivation('activation', config.activation ?? 'relu');
  return tf.tidy(() => {
    const h =
      sizes.length > 1
        ? applyMlp(params, x, { sizes, activation: sizes.slice(1).map(() => act), prefix })
        : x;
    return {
      mean: dense(params, `${prefix}mean`, h) as tf.Tensor2D,
      logvar: dense(params, `${prefix}logvar`, h) as tf.Tensor2D,
    };
  });
}

/**
 * The reparameterised sample z = μ + exp(logvar/2)·ε with ε ~ N(0, I) drawn from `rng` (one op seed
 * per call), so z is differentiable in μ and logvar (Kingma & Welling 2014, §2.4).
 */
export function reparameterize(mean: tf.Tensor, logvar: tf.Tensor, rng: Rng): tf.Tensor {
  if (!tf.util.arraysEqual(mean.shape, logvar.shape))
    throw new PaperkitInputError('logvar', logvar, `a tensor of the mean's shape [${mean.shape}]`);
  return tf.tidy(() => tf.add(mean, tf.mul(tf.exp(tf.mul(logvar, 0.5)), randomNormal(rng, mean.shape))));
}

function decoderSizes(c: DecoderConfig): number[] {
  checkInteger('latentDim', c.latentDim, 1);
  checkInteger('outputDim', c.outputDim, 1);
  return [c.latentDim, ...c.hidden, c.outputDim];
}

function decoderActivations(c: DecoderConfig, layers: number): Activation[] {
  const act = checkActivation('activation', c.activation ?? 'relu');
  const out = checkActivation('outputActivation', c.outputActivation ?? 'identity');
  return Array.from({ length: layers }, (_, i) => (i < layers - 1 ? act : out));
}

/** Initialises the decoder MLP `${prefix}fc{i}` from latentDim through `hidden` to outputDim. */
export function initDecoder(rng: Rng, config: DecoderConfig, into: ParamMap = new ParamMap()): ParamMap {
  const sizes = decoderSizes(config);
  return initMlp(
    rng,
    {
      sizes,
      activation: decoderActivations(config, sizes.length - 1),
      init: config.init ?? 'torch',
      prefix: config.prefix ?? 'dec.',
    },
    into,
  );
}

/** Decoder forward pass: `z` [B, latentDim] → [B, outputDim]. */
export function applyDecoder(params: ParamTensors, z: tf.Tensor, config: DecoderConfig): tf.Tensor2D {
  const sizes = decoderSizes(config);
  return applyMlp(params, z, {
    sizes,
    activation: decoderActivations(config, sizes.length - 1),
    prefix: config.prefix ?? 'dec.',
  }) as tf.Tensor2D;
}

/**
 * KL(N(μ, diag e^logvar) ‖ N(0, I)) = ½ Σ_j (e^logvar_j + μ_j² − 1 − logvar_j) per example (summed
 * over the latent axis), then reduced over the batch (`mean` by default; `none` gives [B]).
 */
export function gaussianKl(mean: tf.Tensor, logvar: tf.Tensor, reduction: Reduction = 'mean'): tf.Tensor {
  if (!tf.util.arraysEqual(mean.shape, logvar.shape) || mean.rank !== 2)
    throw new PaperkitInputError(
      'logvar',
      logvar,
      `a tensor [B, latent] of the mean's shape [${mean.shape}]`,
    );
  return tf.tidy(() => {
    const perDim = tf.sub(tf.add(tf.exp(logvar), tf.square(mean)), tf.add(logvar, 1));
    return reduceBatch(tf.mul(tf.sum(perDim, -1), 0.5), reduction);
  });
}

/** A diagonal Gaussian N(mean, diag variance) given by tensors (any shapes that broadcast together). */
export interface DiagonalGaussian {
  readonly mean: tf.Tensor;
  /** Variances, > 0. */
  readonly variance: tf.Tensor;
}

/**
 * KL(q ‖ p) between diagonal Gaussians, element-wise over the broadcast shape of the four tensors:
 * ½·log(v_p/v_q) + (v_q + (μ_q − μ_p)²)/(2·v_p) − ½. Sum over the latent axis for the KL of the
 * multivariate Gaussians. Unlike {@link gaussianKl} (a standard-normal prior, log-variances), both
 * sides are free and given by variances, as priors with learned means and floored variances need
 * (e.g. a VAE whose prior is a transition model p(zᵗ | zᵗ⁻¹)). Differentiable in all four tensors.
 */
export function diagonalGaussianKl(q: DiagonalGaussian, p: DiagonalGaussian): tf.Tensor {
  const parts: [string, unknown][] = [
    ['q.mean', q?.mean],
    ['q.variance', q?.variance],
    ['p.mean', p?.mean],
    ['p.variance', p?.variance],
  ];
  let shape: number[] = [];
  for (const [name, t] of parts) {
    if (!(t instanceof tf.Tensor))
      throw new PaperkitInputError(name, t, 'a tensor (q and p are { mean, variance } of tensors)');
    try {
      shape = tf.broadcast_util.assertAndGetBroadcastShape(shape, t.shape);
    } catch {
      throw new PaperkitInputError(
        name,
        t,
        `a tensor whose shape [${t.shape}] broadcasts with the others ([${shape}] so far)`,
      );
    }
  }
  return tf.tidy(() =>
    tf.sub(
      tf.add(
        tf.mul(0.5, tf.log(tf.div(p.variance, q.variance))),
        tf.div(tf.add(q.variance, tf.square(tf.sub(q.mean, p.mean))), tf.mul(2, p.variance)),
      ),
      0.5,
    ),
  );
}

function reduceBatch(perExample: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'mean') return tf.mean(perExample);
  if (reduction === 'sum') return tf.sum(perExample);
  if (reduction === 'none') return perExample;
  throw new PaperkitInputError('reduction', reduction, '"mean", "sum" or "none"');
}

/**
 * Gaussian log-likelihood log N(x; μ, diag e^logvar) = −½ Σ_j (log 2π + logvar_j + (x_j − μ_j)²/e^logvar_j),
 * summed over the feature axis per example of `x` [B, D], then reduced over the batch. `logvar` is a
 * tensor broadcastable to x or a number (default 0: unit variance, i.e. −½‖x − μ‖² − (D/2)·log 2π).
 */
export function gaussianLogLikelihood(
  x: tf.Tensor,
  mean: tf.Tensor,
  logvar: tf.Tensor | number = 0,
  reduction: Reduction = 'mean',
): tf.Tensor {
  if (!tf.util.arraysEqual(x.shape, mean.shape) || x.rank !== 2)
    throw new PaperkitInputError('mean', mean, `a tensor [B, D] of x's shape [${x.shape}]`);
  return tf.tidy(() => {
    const lv = typeof logvar === 'number' ? tf.scalar(logvar) : logvar;
    const sq = tf.mul(tf.square(tf.sub(x, mean)), tf.exp(tf.neg(lv)));
    const perDim = tf.add(tf.add(sq, lv), Math.log(2 * Math.PI));
    return reduceBatch(tf.mul(tf.sum(perDim, -1), -0.5), reduction);
  });
}

/**
 * Bernoulli log-likelihood of x ∈ [0, 1] (e.g. MNIST intensities) under decoder `logits`, summed over
 * the feature axis per example of [B, D] and reduced over the batch: −Σ_j BCE(logits_j, x_j).
 */
export function bernoulliLogLikelihood(
  logits: tf.Tensor,
  x: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  if (logits.rank !== 2) throw new PaperkitInputError('logits', logits, 'a tensor [B, D]');
  return tf.tidy(() =>
    reduceBatch(tf.neg(tf.sum(binaryCrossEntropyWithLogits(logits, x, 'none'), -1)), reduction),
  );
}
