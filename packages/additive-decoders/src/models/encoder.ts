import {
  checkInteger,
  PaperkitInputError,
  ParamMap,
  type ParamTensors,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  applyBlockMlp,
  type BlockMlpSpec,
  checkWidths,
  type HiddenActivation,
  initBlockMlp,
  resolveActivation,
} from './block-mlp.js';

/** Hidden widths of the encoder by default: the validated CPU-scale encoder image→128→32→latent. */
export const DEFAULT_ENCODER_HIDDEN: readonly number[] = [128, 32];

/** Configuration of an {@link Encoder}. */
export interface EncoderConfig extends HiddenActivation {
  /** Input size (a flattened image). */
  readonly inputDim: number;
  /** Number of latents d_z. */
  readonly latentDim: number;
  /**
   * Hidden widths; default {@link DEFAULT_ENCODER_HIDDEN}. The reference encoder is a ResNet-18 trunk
   * with a 5×512 MLP head and a BatchNorm on the latents (GPU scale).
   */
  readonly hidden?: readonly number[];
}

const PREFIX = 'enc.';

/** An MLP encoder x ↦ ẑ (PyTorch `nn.Linear` initialisation, no output nonlinearity). */
export class Encoder {
  /** Input size. */
  readonly inputDim: number;
  /** Number of latents. */
  readonly latentDim: number;
  /** Hidden widths. */
  readonly hidden: readonly number[];
  /** Hidden activation settings. */
  readonly activation: Required<HiddenActivation>;
  /** The parameters: `enc.fc{i}.weight` [in, out] and `enc.fc{i}.bias` ([out]; [1, latentDim] last). */
  readonly params: ParamMap;
  private readonly spec: BlockMlpSpec;

  private constructor(config: EncoderConfig, params: ParamMap) {
    if (config === null || typeof config !== 'object')
      throw new PaperkitInputError('config', config, 'an encoder config { inputDim, latentDim, … }');
    this.inputDim = checkInteger('inputDim', config.inputDim, 1);
    this.latentDim = checkInteger('latentDim', config.latentDim, 1);
    this.hidden = checkWidths('hidden', config.hidden ?? DEFAULT_ENCODER_HIDDEN);
    this.activation = resolveActivation(config);
    this.params = params;
    this.spec = {
      partition: [Array.from({ length: this.inputDim }, (_, i) => i)],
      inputDim: this.inputDim,
      hidden: this.hidden,
      outputDim: this.latentDim,
      prefix: PREFIX,
      act: this.activation,
    };
  }

  /** A new encoder with freshly drawn parameters. */
  static init(rng: Rng, config: EncoderConfig): Encoder {
    const e = new Encoder(config, new ParamMap());
    initBlockMlp(rng, e.spec, e.params);
    return e;
  }

  /** Encodes x [N, inputDim] → latents [N, latentDim]. */
  apply(x: tf.Tensor): tf.Tensor2D {
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[1] !== this.inputDim)
      throw new PaperkitInputError('x', x, `a tensor of images [N, ${this.inputDim}] (flattened)`);
    return applyBlockMlp(this.params.tensors(), x as tf.Tensor2D, this.spec, null) as tf.Tensor2D;
  }

  /**
   * This encoder's function with other parameters of the same names: x [N, inputDim] → [N, latentDim],
   * or K copies stacked along a leading axis (every parameter [K, …]) and x [K, N, inputDim] →
   * [K, N, latentDim] (how `trainAutoencoder` screens restarts together).
   */
  applyWith(params: ParamTensors, x: tf.Tensor2D | tf.Tensor3D): tf.Tensor {
    if (!(x instanceof tf.Tensor) || (x.rank !== 2 && x.rank !== 3) || x.shape[x.rank - 1] !== this.inputDim)
      throw new PaperkitInputError(
        'x',
        x,
        `images [N, ${this.inputDim}] or stacked [K, N, ${this.inputDim}]`,
      );
    return applyBlockMlp(params, x, this.spec, null);
  }

  /** A copy with new variables holding the same values. */
  clone(): Encoder {
    return new Encoder(this.config(), this.params.clone());
  }

  /** The configuration this encoder was built from (validated). */
  config(): EncoderConfig {
    return {
      inputDim: this.inputDim,
      latentDim: this.latentDim,
      hidden: this.hidden,
      activation: this.activation.activation,
      leakySlope: this.activation.leakySlope,
    };
  }

  /** Releases the parameters. */
  dispose(): void {
    this.params.dispose();
  }
}
