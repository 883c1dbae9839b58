import {
  checkInteger,
  PaperkitInputError,
  ParamMap,
  type ParamTensors,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { checkPartition, type Partition, partitionSize } from '../partition.js';
import {
  activateHidden,
  applyBlockAlone,
  applyBlockMlp,
  type BlockMlpSpec,
  blockMasks,
  checkWidths,
  type HiddenActivation,
  initBlockMlp,
  resolveActivation,
} from './block-mlp.js';
import { applyDeconv, checkDeconv, type DeconvConfig, type DeconvSpec, initDeconv } from './deconv.js';

/** Hidden widths of each block decoder by default: the validated CPU-scale decoder latent→32→128→image. */
export const DEFAULT_DECODER_HIDDEN: readonly number[] = [32, 128];

/** Configuration of an {@link AdditiveDecoder}. */
export interface DecoderConfig extends HiddenActivation {
  /**
   * Blocks of the latent vector; each block gets its own decoder and the outputs are summed. One block
   * holding every latent is the non-additive baseline (see {@link nonAdditiveDecoder}).
   */
  readonly partition: Partition;
  /**
   * Number of latents d_z; the partition must cover 0..d_z−1 exactly once. Default: the number of
   * indices in the partition.
   */
  readonly latentDim?: number;
  /** Output size (pixels × channels of a flattened image). */
  readonly outputDim: number;
  /**
   * Hidden widths of every block decoder; default {@link DEFAULT_DECODER_HIDDEN}. The reference uses
   * 5×512 + 1024 dense layers and four transposed convolutions at 64×64 (GPU scale).
   */
  readonly hidden?: readonly number[];
  /**
   * A transposed-convolution head per block (the reference's decoders end in four): each block's MLP
   * then outputs a small feature map that stride-2 transposed convolutions upsample to the image. For
   * objects at arbitrary 2-D positions (BlockLatents). Without it the MLP outputs the image directly.
   */
  readonly deconv?: DeconvConfig;
}

const PREFIX = 'dec.';

/**
 * The additive decoder of the paper (`models/additive_decoder.py`): f(z) = Σ_B f^(B)(z_B), one MLP per
 * block of the partition ℬ (optionally followed by a transposed-convolution head per block), outputs
 * summed, no output nonlinearity. The block MLPs are stored as one MLP with block-diagonal weights
 * (see `BlockMlpSpec`), so the forward and backward passes are one dense matMul per layer for all
 * blocks together: the additive decoder costs about what a non-additive decoder with the same total
 * width costs.
 */
export class AdditiveDecoder {
  /** The latent partition (validated, frozen). */
  readonly partition: Partition;
  /** Number of latents d_z. */
  readonly latentDim: number;
  /** Output size. */
  readonly outputDim: number;
  /** Hidden widths of each block decoder. */
  readonly hidden: readonly number[];
  /** Hidden activation settings. */
  readonly activation: Required<HiddenActivation>;
  /** The transposed-convolution head of every block, if any. */
  readonly deconv: DeconvSpec | null;
  /**
   * The parameters: `dec.fc{i}.weight` (block-diagonal [in, out]), `dec.fc{i}.bias` ([out] for hidden
   * layers, [blocks, outputDim] for the last layer of an MLP decoder: one bias per block), and with a
   * head `dec.deconv{l}.b{block}.kernel` [4, 4, out, in] and `.bias` [out].
   */
  readonly params: ParamMap;
  private readonly spec: BlockMlpSpec;
  private readonly masks: (tf.Tensor2D | null)[] | null;

  private constructor(config: DecoderConfig, params: ParamMap) {
    if (config === null || typeof config !== 'object')
      throw new PaperkitInputError('config', config, 'a decoder config { partition, outputDim, … }');
    const guess = Array.isArray(config.partition) ? partitionSize(config.partition.filter(Array.isArray)) : 1;
    this.latentDim =
      config.latentDim !== undefined ? checkInteger('latentDim', config.latentDim, 1) : Math.max(1, guess);
    this.partition = checkPartition('partition', config.partition, this.latentDim);
    this.outputDim = checkInteger('outputDim', config.outputDim, 1);
    this.hidden = checkWidths('hidden', config.hidden ?? DEFAULT_DECODER_HIDDEN);
    this.activation = resolveActivation(config);
    this.deconv = config.deconv === undefined ? null : checkDeconv(config.deconv, this.outputDim);
    this.params = params;
    this.spec = {
      partition: this.partition,
      inputDim: this.latentDim,
      hidden: this.hidden,
      // With a head, each block's MLP outputs its first feature map, kept apart per block.
      outputDim: this.deconv ? this.deconv.seedSize : this.outputDim,
      separateOutputs: this.deconv !== null,
      prefix: PREFIX,
      act: this.activation,
    };
    this.masks = blockMasks(this.spec);
  }

  /**
   * A new decoder with freshly drawn parameters (PyTorch `nn.Linear` initialisation per block). Block b
   * is drawn from its own stream, so its initial weights do not depend on the other blocks.
   */
  static init(rng: Rng, config: DecoderConfig): AdditiveDecoder {
    const d = new AdditiveDecoder(config, new ParamMap());
    try {
      initBlockMlp(rng, d.spec, d.params);
      if (d.deconv)
        for (let b = 0; b < d.blocks; b++) initDeconv(rng.stream(`b${b}`), d.deconv, PREFIX, b, d.params);
    } catch (e) {
      d.dispose();
      throw e;
    }
    return d;
  }

  /** Number of blocks. */
  get blocks(): number {
    return this.partition.length;
  }

  /** Whether this decoder has more than one block (one block is the non-additive baseline). */
  get isAdditive(): boolean {
    return this.partition.length > 1;
  }

  /** Decodes latents z [N, d_z] → images [N, outputDim]. */
  apply(z: tf.Tensor): tf.Tensor2D {
    this.checkLatents(z);
    return this.forward(this.params.tensors(), z as tf.Tensor2D);
  }

  /**
   * This decoder's function with other parameters of the same names: `params` shaped like
   * {@link AdditiveDecoder.params} and z [N, d_z] → [N, outputDim], or K copies stacked along a
   * leading axis (every parameter [K, …]) and z [K, N, d_z] → [K, N, outputDim], run at once with
   * batched matMuls (how `trainAutoencoder` screens restarts together; a transposed-convolution head
   * runs copy by copy).
   */
  applyWith(params: ParamTensors, z: tf.Tensor2D | tf.Tensor3D): tf.Tensor {
    if (!(z instanceof tf.Tensor) || (z.rank !== 2 && z.rank !== 3) || z.shape[z.rank - 1] !== this.latentDim)
      throw new PaperkitInputError(
        'z',
        z,
        `latents [N, ${this.latentDim}] or stacked [K, N, ${this.latentDim}]`,
      );
    if (z.rank === 2 || !this.deconv) return this.forward(params, z);
    return tf.tidy(() => {
      const copies = z.shape[0];
      const slice = (k: number) =>
        Object.fromEntries(Object.entries(params).map(([n, t]) => [n, tf.squeeze(tf.slice(t, k, 1), [0])]));
      return tf.stack(
        Array.from({ length: copies }, (_, k) =>
          this.forward(slice(k), tf.squeeze(tf.slice(z, k, 1), [0]) as tf.Tensor2D),
        ),
      );
    });
  }

  /**
   * One block's image f^(B)(z_B) [N, outputDim] (the reference's `render_block`), computed by that
   * block's decoder alone on the columns of block `block` of z [N, d_z]; {@link AdditiveDecoder.apply}
   * equals the sum over blocks.
   */
  renderBlock(z: tf.Tensor, block: number): tf.Tensor2D {
    this.checkLatents(z);
    if (!Number.isInteger(block) || block < 0 || block >= this.blocks)
      throw new PaperkitInputError('block', block, `a block index in 0..${this.blocks - 1}`);
    return tf.tidy(() => {
      const params = this.params.tensors();
      const zb = tf.gather(z, tf.tensor1d([...this.partition[block]!], 'int32'), 1) as tf.Tensor2D;
      const h = applyBlockAlone(params, zb, this.spec, block);
      return this.deconv ? this.head(params, activateHidden(h, this.activation), block) : h;
    });
  }

  /** Every block's image, stacked: [blocks, N, outputDim]. */
  renderBlocks(z: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => tf.stack(this.partition.map((_, b) => this.renderBlock(z, b))) as tf.Tensor3D);
  }

  /** A copy with new variables holding the same values. */
  clone(): AdditiveDecoder {
    return new AdditiveDecoder(this.config(), this.params.clone());
  }

  /** The configuration this decoder was built from (validated). */
  config(): DecoderConfig {
    return {
      partition: this.partition,
      latentDim: this.latentDim,
      outputDim: this.outputDim,
      hidden: this.hidden,
      activation: this.activation.activation,
      leakySlope: this.activation.leakySlope,
      ...(this.deconv ? { deconv: { image: this.deconv.image, channels: this.deconv.channels } } : {}),
    };
  }

  /** Releases the parameters and the masks. */
  dispose(): void {
    this.params.dispose();
    if (this.masks) tf.dispose(this.masks.filter((m): m is tf.Tensor2D => m !== null));
  }

  /** The whole decoder on z [N, d_z] (or a stacked MLP decoder on [K, N, d_z]). */
  private forward(params: ParamTensors, z: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
    const d = this.deconv;
    if (!d) return applyBlockMlp(params, z, this.spec, this.masks) as tf.Tensor2D;
    return tf.tidy(() => {
      const h = activateHidden(
        applyBlockMlp(params, z, this.spec, this.masks),
        this.activation,
      ) as tf.Tensor2D;
      const n = h.shape[0];
      const images = this.partition.map((_, b) =>
        this.head(params, this.blocks === 1 ? h : tf.slice(h, [0, b * d.seedSize], [n, d.seedSize]), b),
      );
      return (images.length === 1 ? images[0]! : tf.addN(images)) as tf.Tensor2D;
    });
  }

  private head(params: ParamTensors, h: tf.Tensor2D, block: number): tf.Tensor2D {
    return applyDeconv(params, h, this.deconv!, PREFIX, block, (x) => activateHidden(x, this.activation));
  }

  private checkLatents(z: tf.Tensor): void {
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== this.latentDim)
      throw new PaperkitInputError('z', z, `a tensor of latents [N, ${this.latentDim}]`);
  }
}

/**
 * The non-additive baseline: one decoder of the whole latent vector with the same architecture as one
 * block decoder (the reference's `BaseDecoder`), i.e. an {@link AdditiveDecoder} with a single block.
 */
export function nonAdditiveDecoder(
  rng: Rng,
  config: Omit<DecoderConfig, 'partition' | 'latentDim'> & { readonly latentDim: number },
): AdditiveDecoder {
  const d = checkInteger('latentDim', config.latentDim, 1);
  return AdditiveDecoder.init(rng, { ...config, partition: [Array.from({ length: d }, (_, i) => i)] });
}
