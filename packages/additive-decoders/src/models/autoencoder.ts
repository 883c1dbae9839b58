import { checkInteger, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Partition } from '../partition.js';
import type { HiddenActivation } from './block-mlp.js';
import { AdditiveDecoder } from './decoder.js';
import type { DeconvConfig } from './deconv.js';
import { Encoder } from './encoder.js';

/** Configuration of {@link Autoencoder.init}. */
export interface AutoencoderConfig extends HiddenActivation {
  /** Input size (a flattened image). */
  readonly inputDim: number;
  /** Number of latents d_z. */
  readonly latentDim: number;
  /**
   * Decoder blocks: `'additive-scalar'` (one block per latent, default), `'non-additive'` (one block of
   * every latent, the baseline), or an explicit partition of 0..d_z−1.
   */
  readonly decoder?: 'additive-scalar' | 'non-additive' | Partition;
  /** Encoder hidden widths (see `DEFAULT_ENCODER_HIDDEN`). */
  readonly encoderHidden?: readonly number[];
  /** Hidden widths of each block decoder (see `DEFAULT_DECODER_HIDDEN`). */
  readonly decoderHidden?: readonly number[];
  /** A transposed-convolution head per block decoder (see `DecoderConfig.deconv`). */
  readonly decoderDeconv?: DeconvConfig;
}

/** Resolves the decoder choice of an {@link AutoencoderConfig} to a partition of 0..latentDim−1. */
export function resolveDecoderPartition(choice: AutoencoderConfig['decoder'], latentDim: number): Partition {
  const d = checkInteger('latentDim', latentDim, 1);
  const c = choice ?? 'additive-scalar';
  if (c === 'additive-scalar') return Array.from({ length: d }, (_, i) => [i]);
  if (c === 'non-additive') return [Array.from({ length: d }, (_, i) => i)];
  if (Array.isArray(c)) return c;
  throw new PaperkitInputError(
    'decoder',
    c,
    '"additive-scalar", "non-additive" or a partition of the latents',
  );
}

/**
 * A deterministic autoencoder x ↦ f̂(ĝ(x)) with an MLP encoder and an {@link AdditiveDecoder} (the
 * reference's `AE` / `AE_Additive`), trained on the mean squared reconstruction error.
 */
export class Autoencoder {
  /** The encoder ĝ. */
  readonly encoder: Encoder;
  /** The decoder f̂. */
  readonly decoder: AdditiveDecoder;

  /** Pairs an encoder and a decoder with matching sizes (the autoencoder owns both). */
  constructor(encoder: Encoder, decoder: AdditiveDecoder) {
    if (!(encoder instanceof Encoder)) throw new PaperkitInputError('encoder', encoder, 'an Encoder');
    if (!(decoder instanceof AdditiveDecoder))
      throw new PaperkitInputError('decoder', decoder, 'an AdditiveDecoder');
    if (decoder.latentDim !== encoder.latentDim)
      throw new PaperkitInputError(
        'decoder',
        `a decoder of ${decoder.latentDim} latents`,
        `a decoder of ${encoder.latentDim} latents (the encoder's latentDim)`,
      );
    if (decoder.outputDim !== encoder.inputDim)
      throw new PaperkitInputError(
        'decoder',
        `a decoder with outputDim ${decoder.outputDim}`,
        `outputDim ${encoder.inputDim} (the encoder's inputDim: images of the same size)`,
      );
    this.encoder = encoder;
    this.decoder = decoder;
  }

  /** A new autoencoder; the encoder draws from `rng.stream('encoder')`, the decoder from `rng.stream('decoder')`. */
  static init(rng: Rng, config: AutoencoderConfig): Autoencoder {
    if (config === null || typeof config !== 'object')
      throw new PaperkitInputError('config', config, 'an autoencoder config { inputDim, latentDim, … }');
    const act = {
      ...(config.activation !== undefined ? { activation: config.activation } : {}),
      ...(config.leakySlope !== undefined ? { leakySlope: config.leakySlope } : {}),
    };
    const partition = resolveDecoderPartition(config.decoder, config.latentDim);
    const encoder = Encoder.init(rng.stream('encoder'), {
      inputDim: config.inputDim,
      latentDim: config.latentDim,
      ...act,
      ...(config.encoderHidden ? { hidden: config.encoderHidden } : {}),
    });
    try {
      const decoder = AdditiveDecoder.init(rng.stream('decoder'), {
        partition,
        latentDim: config.latentDim,
        outputDim: config.inputDim,
        ...act,
        ...(config.decoderHidden ? { hidden: config.decoderHidden } : {}),
        ...(config.decoderDeconv ? { deconv: config.decoderDeconv } : {}),
      });
      return new Autoencoder(encoder, decoder);
    } catch (e) {
      encoder.dispose();
      throw e;
    }
  }

  /** Every trainable variable by name (`enc.*` and `dec.*`), for an optimizer. */
  variables(): Record<string, tf.Variable> {
    return { ...this.encoder.params.tensors(), ...this.decoder.params.tensors() };
  }

  /** Encodes images x [N, D] → latents [N, d_z]. */
  encode(x: tf.Tensor): tf.Tensor2D {
    return this.encoder.apply(x);
  }

  /** Decodes latents [N, d_z] → images [N, D]. */
  decode(z: tf.Tensor): tf.Tensor2D {
    return this.decoder.apply(z);
  }

  /** f̂(ĝ(x)) [N, D]. */
  reconstruct(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.decoder.apply(this.encoder.apply(x)));
  }

  /** The training loss mean((x − f̂(ĝ(x)))²) over every entry (the reference's `compute_loss`). */
  loss(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mean(tf.square(tf.sub(this.reconstruct(x), x))) as tf.Scalar);
  }

  /** A copy with new variables holding the same values. */
  clone(): Autoencoder {
    const e = this.encoder.clone();
    try {
      return new Autoencoder(e, this.decoder.clone());
    } catch (err) {
      e.dispose();
      throw err;
    }
  }

  /** Releases every variable. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
