import {
  checkInteger,
  PaperkitInputError,
  type ParamMap,
  type ParamTensors,
  param,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A transposed-convolution head for each block decoder (the reference decoders end in four
 * `ConvTranspose2d(k=4, s=2, p=1)` layers): the block's MLP output is reshaped to a small feature map
 * and upsampled ×2 per layer to the image. Convolutions translate for free, which is what rendering an
 * object at an arbitrary 2-D position needs; an MLP decoder has to learn every position separately.
 */
export interface DeconvConfig {
  /** Output image [height, width, channels]; height and width must be divisible by 2^layers. */
  readonly image: readonly [number, number, number];
  /**
   * Feature-map channels from the smallest map up, one upsampling layer each: [16, 16] for a 16×16
   * image is 4×4×16 → 8×8×16 → 16×16×channels.
   */
  readonly channels: readonly number[];
}

/** A validated {@link DeconvConfig}. */
export interface DeconvSpec {
  readonly image: readonly [number, number, number];
  readonly channels: readonly number[];
  /** The first feature map [height, width, channels] (what each block's MLP outputs, flattened). */
  readonly seed: readonly [number, number, number];
  /** Entries of the first feature map. */
  readonly seedSize: number;
}

/** Kernel size and stride of every layer (the reference's k = 4, s = 2, p = 1: exact doubling). */
const KERNEL = 4;

/** Validates a head for images of `outputDim` entries. */
export function checkDeconv(config: DeconvConfig, outputDim: number): DeconvSpec {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('deconv', config, 'a head { image: [h, w, channels], channels: [...] }');
  const image = config.image;
  if (!Array.isArray(image) || image.length !== 3)
    throw new PaperkitInputError('deconv.image', image, 'an array [height, width, channels]');
  image.forEach((v, i) => {
    checkInteger(`deconv.image[${i}]`, v, 1);
  });
  if (!Array.isArray(config.channels) || config.channels.length === 0)
    throw new PaperkitInputError('deconv.channels', config.channels, 'a non-empty array of channel counts');
  config.channels.forEach((v, i) => {
    checkInteger(`deconv.channels[${i}]`, v, 1);
  });
  const [h, w, ch] = image;
  if (h * w * ch !== outputDim)
    throw new PaperkitInputError(
      'deconv.image',
      image,
      `an image of outputDim = ${outputDim} entries (h·w·channels)`,
    );
  const scale = 2 ** config.channels.length;
  if (h % scale !== 0 || w % scale !== 0)
    throw new PaperkitInputError(
      'deconv.image',
      image,
      `height and width divisible by 2^${config.channels.length} = ${scale} (one doubling per layer)`,
    );
  const seed: [number, number, number] = [h / scale, w / scale, config.channels[0]!];
  return { image: [h, w, ch], channels: [...config.channels], seed, seedSize: seed[0] * seed[1] * seed[2] };
}

/**
 * Adds block `block`'s layers to `into`: `${prefix}deconv{l}.b{block}.kernel` [4, 4, out, in] and
 * `.bias` [out], drawn as PyTorch's `ConvTranspose2d` default (U(±1/√fan) with PyTorch's fan of a
 * transposed convolution, out·k²) from the block's own stream.
 */
export function initDeconv(rng: Rng, spec: DeconvSpec, prefix: string, block: number, into: ParamMap): void {
  const outs = [...spec.channels.slice(1), spec.image[2]];
  spec.channels.forEach((cin, l) => {
    const cout = outs[l]!;
    const name = `${prefix}deconv${l}.b${block}`;
    const bound = 1 / Math.sqrt(cout * KERNEL * KERNEL);
    const k = rng
      .stream(`${name}.kernel`)
      .fillUniform(new Float32Array(KERNEL * KERNEL * cout * cin), -bound, bound);
    const b = rng.stream(`${name}.bias`).fillUniform(new Float32Array(cout), -bound, bound);
    tf.tidy(() => {
      into.add(`${name}.kernel`, {
        value: tf.tensor4d(k, [KERNEL, KERNEL, cout, cin]),
        role: 'weight',
        group: name,
      });
      into.add(`${name}.bias`, { value: tf.tensor1d(b), role: 'bias', group: name });
    });
  });
}

/**
 * Block `block`'s head on its feature vector h [N, seedSize] → its image [N, h·w·channels]: reshape to
 * the first map, then per layer a stride-2 transposed convolution ('same' padding doubles the size),
 * with the hidden activation between layers and none after the last.
 */
export function applyDeconv(
  params: ParamTensors,
  h: tf.Tensor2D,
  spec: DeconvSpec,
  prefix: string,
  block: number,
  activation: (x: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor2D {
  const n = h.shape[0];
  return tf.tidy(() => {
    let g = tf.reshape(h, [n, ...spec.seed]) as tf.Tensor4D;
    const layers = spec.channels.length;
    for (let l = 0; l < layers; l++) {
      const name = `${prefix}deconv${l}.b${block}`;
      const kernel = param(params, `${name}.kernel`) as tf.Tensor4D;
      const shape: [number, number, number, number] = [n, g.shape[1] * 2, g.shape[2] * 2, kernel.shape[2]];
      g = tf.add(
        tf.conv2dTranspose(g, kernel, shape, 2, 'same'),
        param(params, `${name}.bias`),
      ) as tf.Tensor4D;
      if (l < layers - 1) g = activation(g);
    }
    return tf.reshape(g, [n, spec.image[0] * spec.image[1] * spec.image[2]]) as tf.Tensor2D;
  });
}
