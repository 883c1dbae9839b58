import { initBackend, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdditiveDecoder,
  Autoencoder,
  cartesianIdentityResidual,
  decodeRows,
  Encoder,
  encodeRows,
  lmsSpearman,
  mapRows,
  nonAdditiveDecoder,
  reconstructionMse,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('bad input gives errors naming the parameter, the value and what is allowed', () => {
  const rng = Rng.fromSeed(0);

  it('decoder partitions that overlap or do not cover the latents', () => {
    expect(() => AdditiveDecoder.init(rng, { partition: [[0, 1], [1]], outputDim: 4 })).toThrow(
      /partition must be blocks that do not overlap \(latent 1 is in blocks 0 and 1\)/,
    );
    expect(() => AdditiveDecoder.init(rng, { partition: [[0], [2]], latentDim: 3, outputDim: 4 })).toThrow(
      /partition must be blocks that cover every latent 0..2 \(missing 1\)/,
    );
    expect(() => AdditiveDecoder.init(rng, { partition: [[0], [2]], outputDim: 4 })).toThrow(
      /partition\[1\]\[0\] must be a latent index in 0..1; got 2/,
    );
    expect(() => AdditiveDecoder.init(rng, { partition: 'scalar' as never, outputDim: 4 })).toThrow(
      PaperkitInputError,
    );
    expect(() => AdditiveDecoder.init(rng, { partition: [[0]], outputDim: 0 })).toThrow(
      /outputDim must be an integer >= 1; got 0/,
    );
    expect(() => AdditiveDecoder.init(rng, { partition: [[0]], outputDim: 4, hidden: [8, 0] })).toThrow(
      /hidden\[1\] must be an integer >= 1; got 0/,
    );
    expect(() => AdditiveDecoder.init(rng, { partition: [[0]], outputDim: 4, leakySlope: 1 })).toThrow(
      /leakySlope must be a number in \[0, 1\); got 1/,
    );
    expect(() =>
      AdditiveDecoder.init(rng, { partition: [[0]], outputDim: 4, activation: 'swish' as never }),
    ).toThrow(/activation must be one of/);
    expect(() => nonAdditiveDecoder(rng, { latentDim: 0, outputDim: 4 })).toThrow(
      /latentDim must be an integer >= 1; got 0/,
    );
  });

  it('latents and images of the wrong shape', async () => {
    const dec = AdditiveDecoder.init(rng, { partition: [[0], [1]], outputDim: 16 });
    const enc = Encoder.init(rng, { inputDim: 16, latentDim: 2 });
    const z3 = tf.zeros([2, 3]);
    const x8 = tf.zeros([2, 8]);
    expect(() => dec.apply(z3)).toThrow(
      /z must be a tensor of latents \[N, 2\]; got a tensor of shape \[2,3\]/,
    );
    expect(() => dec.renderBlock(tf.zeros([1, 2]), 2)).toThrow(/block must be a block index in 0..1; got 2/);
    expect(() => dec.applyWith(dec.params.tensors(), z3 as tf.Tensor2D)).toThrow(
      /z must be latents \[N, 2\] or stacked \[K, N, 2\]/,
    );
    expect(() => enc.applyWith(enc.params.tensors(), x8 as tf.Tensor2D)).toThrow(
      /x must be images \[N, 16\] or stacked \[K, N, 16\]/,
    );
    expect(() => enc.apply(x8)).toThrow(
      /x must be a tensor of images \[N, 16\] \(flattened\); got a tensor of shape \[2,8\]/,
    );
    const model = new Autoencoder(enc, dec);
    await expect(encodeRows(model, new Float32Array(20))).rejects.toThrow(
      /data must be a non-empty array whose length is a multiple of 16 \(one row per sample\)/,
    );
    await expect(decodeRows(dec, new Float32Array(3))).rejects.toThrow(/multiple of 2/);
    await expect(reconstructionMse(model, new Float32Array(0))).rejects.toThrow(
      /x must be a non-empty array/,
    );
    await expect(mapRows(new Float32Array(4), 2, 1, (b) => b, 0)).rejects.toThrow(
      /batchSize must be an integer >= 1; got 0/,
    );
    await expect(cartesianIdentityResidual(dec, [0, 0], [1], [0])).rejects.toThrow(
      /zPrime must be a latent vector of length 2/,
    );
    await expect(cartesianIdentityResidual(dec, [0, 0], [1, 1], [5])).rejects.toThrow(
      /swap\[0\] must be a latent index in 0..1; got 5/,
    );
    expect(() => Autoencoder.init(rng, { inputDim: 16, latentDim: 2, decoder: 'mixed' as never })).toThrow(
      /decoder must be "additive-scalar", "non-additive" or a partition of the latents; got "mixed"/,
    );
    tf.dispose([z3, x8]);
    model.dispose();
  });

  it('LMS inputs of mismatched size', () => {
    expect(() =>
      lmsSpearman(
        { rows: 3, cols: 2, data: new Float64Array(6) },
        { rows: 2, cols: 2, data: new Float64Array(4) },
      ),
    ).toThrow(/zHat must be 3 rows/);
  });
});
