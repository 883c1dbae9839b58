import {
  checkFinite,
  checkInteger,
  checkOneOf,
  checkPositive,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import type { TransitionLayout } from './networks.js';

/** Sizes and initial values of the masked VAE; see {@link PAPER_ARCHITECTURE} for the reference's. */
export interface ArchitectureConfig {
  /** Hidden widths of the encoder MLP d_x → … → 2·d_z. */
  readonly encoderHidden: readonly number[];
  /** Hidden widths of the decoder MLP d_z → … → d_x. */
  readonly decoderHidden: readonly number[];
  /**
   * Hidden widths of each latent's transition MLP; the first entry is the width of the masked input
   * layer (the reference's `transition_hid_dim` repeated `transition_n_layer` times). At least one.
   */
  readonly transitionHidden: readonly number[];
  /** Negative slope of every leaky ReLU. */
  readonly slope: number;
  /** Initial log-variance s of the decoder's Gaussian likelihood (std exp(s/2) + 1e-4). */
  readonly decoderLogVarInit: number;
  /** Learn s (true) or keep it fixed at its initial value. */
  readonly learnDecoderVariance: boolean;
  /** Initial mask logit log α of every edge (σ(5) = 0.993: all edges on). */
  readonly maskLogitInit: number;
  /** Gumbel-sigmoid temperature τ. */
  readonly gumbelTemperature: number;
  /**
   * Straight-through mask samples (the reference's `--drawhard`, off by default there): the hard sample
   * 1[M > 0.5] in the forward pass, the soft sample's gradient in the backward pass.
   */
  readonly straightThrough: boolean;
  /** Initial variance of the transition prior N(m_i(·), v_i) (v_i = softplus(ρ_i) + 1e-6). */
  readonly priorVarianceInit: number;
  /**
   * Learn the prior variances v_i (true: the reference's default `--var_p_mode independent`) or keep them
   * at `priorVarianceInit` (`--var_p_mode fixed`).
   */
  readonly learnPriorVariance: boolean;
  /** Weight β of the KL term. */
  readonly beta: number;
  /** How the per-latent layers are multiplied (same numbers, different speed); default `auto`. */
  readonly transitionLayout: TransitionLayout;
}

/**
 * The reference's defaults (`train.py`): encoder and decoder 6×512 (`3·encoder_depth_multiplier`),
 * transition 5×512 per latent, leaky ReLU 0.2, decoder log-variance −10 (learned), mask logits 5,
 * τ = 1 with soft samples, prior variance 1e-4, β = 1. GPU-scale: use {@link SMALL_ARCHITECTURE} on a CPU.
 */
export const PAPER_ARCHITECTURE: ArchitectureConfig = Object.freeze({
  encoderHidden: Object.freeze([512, 512, 512, 512, 512, 512]),
  decoderHidden: Object.freeze([512, 512, 512, 512, 512, 512]),
  transitionHidden: Object.freeze([512, 512, 512, 512, 512]),
  slope: 0.2,
  decoderLogVarInit: -10,
  learnDecoderVariance: true,
  maskLogitInit: 5,
  gumbelTemperature: 1,
  straightThrough: false,
  priorVarianceInit: 1e-4,
  learnPriorVariance: true,
  beta: 1,
  transitionLayout: 'auto',
});

/**
 * The CPU scale of the validated small reproduction: encoder/decoder 2×64, transition 2×32 per latent
 * and a decoder variance initialised at 0.01 instead of e⁻¹⁰; everything else as the paper.
 */
export const SMALL_ARCHITECTURE: ArchitectureConfig = Object.freeze({
  ...PAPER_ARCHITECTURE,
  encoderHidden: Object.freeze([64, 64]),
  decoderHidden: Object.freeze([64, 64]),
  transitionHidden: Object.freeze([32, 32]),
  decoderLogVarInit: Math.log(0.01),
});

function widths(parameter: string, v: readonly number[], min: number): readonly number[] {
  if (!Array.isArray(v) || v.length < min)
    throw new PaperkitInputError(
      parameter,
      v,
      min > 0 ? `an array of at least ${min} layer width` : 'an array of layer widths',
    );
  v.forEach((w, i) => {
    checkInteger(`${parameter}[${i}]`, w, 1);
  });
  return [...v];
}

/** Fills `partial` with the paper's defaults and validates every field. */
export function resolveArchitecture(partial: Partial<ArchitectureConfig> = {}): ArchitectureConfig {
  if (partial === null || typeof partial !== 'object')
    throw new PaperkitInputError('architecture', partial, 'an object of architecture settings');
  const a = { ...PAPER_ARCHITECTURE, ...partial };
  const slope = checkFinite('architecture.slope', a.slope);
  if (!(slope > 0 && slope <= 1))
    throw new PaperkitInputError('architecture.slope', slope, 'a number in (0, 1]');
  if (typeof a.learnDecoderVariance !== 'boolean')
    throw new PaperkitInputError('architecture.learnDecoderVariance', a.learnDecoderVariance, 'a boolean');
  if (typeof a.straightThrough !== 'boolean')
    throw new PaperkitInputError('architecture.straightThrough', a.straightThrough, 'a boolean');
  if (typeof a.learnPriorVariance !== 'boolean')
    throw new PaperkitInputError('architecture.learnPriorVariance', a.learnPriorVariance, 'a boolean');
  return {
    encoderHidden: widths('architecture.encoderHidden', a.encoderHidden, 0),
    decoderHidden: widths('architecture.decoderHidden', a.decoderHidden, 0),
    transitionHidden: widths('architecture.transitionHidden', a.transitionHidden, 1),
    slope,
    decoderLogVarInit: checkFinite('architecture.decoderLogVarInit', a.decoderLogVarInit),
    learnDecoderVariance: a.learnDecoderVariance,
    maskLogitInit: checkFinite('architecture.maskLogitInit', a.maskLogitInit),
    gumbelTemperature: checkPositive('architecture.gumbelTemperature', a.gumbelTemperature),
    straightThrough: a.straightThrough,
    priorVarianceInit: checkPositive('architecture.priorVarianceInit', a.priorVarianceInit),
    learnPriorVariance: a.learnPriorVariance,
    beta: checkPositive('architecture.beta', a.beta),
    transitionLayout: checkOneOf('architecture.transitionLayout', a.transitionLayout, [
      'auto',
      'batched',
      'blockDiagonal',
    ] as const),
  };
}
