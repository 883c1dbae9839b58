import { Adam, initBackend, Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdditiveDecoder, Autoencoder, cartesianIdentityResidual, type Partition } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const BLOCKS: Partition = [
  [0, 1],
  [2, 3],
];
/** 8×8 images with 2 channels from a 2×2×3 map: two ×2 transposed convolutions (3 → 4 → 2 channels). */
const HEAD = { image: [8, 8, 2] as const, channels: [3, 4] };

function latents(rng: Rng, n: number, d: number): tf.Tensor2D {
  return tf.tensor2d(rng.fillUniform(new Float32Array(n * d), -1, 1), [n, d]);
}

function deconvDecoder(seed: number, partition: Partition = BLOCKS): AdditiveDecoder {
  return AdditiveDecoder.init(Rng.fromSeed(seed), {
    partition,
    outputDim: 128,
    hidden: [6],
    deconv: HEAD,
    activation: 'tanh',
  });
}

describe('AdditiveDecoder with a transposed-convolution head', () => {
  it('has one head per block: MLP → 2×2×3 map → 4×4×4 → 8×8×2', () => {
    const dec = deconvDecoder(1);
    const shape = (n: string) => dec.params.get(n).shape;
    // The block MLPs output their maps side by side (block-diagonal last layer).
    expect(shape('dec.fc1.weight')).toEqual([12, 24]);
    expect(shape('dec.fc1.bias')).toEqual([24]);
    for (const b of [0, 1]) {
      expect(shape(`dec.deconv0.b${b}.kernel`)).toEqual([4, 4, 4, 3]);
      expect(shape(`dec.deconv1.b${b}.kernel`)).toEqual([4, 4, 2, 4]);
      expect(shape(`dec.deconv1.b${b}.bias`)).toEqual([2]);
    }
    dec.dispose();
  });

  it.each([
    ['two 2-D blocks', BLOCKS],
    ['non-additive', [[0, 1, 2, 3]]],
  ] as const)('output equals the sum of renderBlock over blocks, leak-free (%s)', async (_, partition) => {
    const dec = deconvDecoder(2, partition as Partition);
    const z = latents(Rng.fromSeed(3), 5, 4);
    const [full, sum] = await expectNoLeak(async () => {
      const y = dec.apply(z);
      const parts = dec.renderBlocks(z);
      const s = tf.sum(parts, 0);
      const out = [await y.data(), await s.data()] as const;
      tf.dispose([y, parts, s]);
      return out;
    });
    expect(full).toHaveLength(5 * 128);
    expectAllClose(full, sum, { atol: 1e-5 });
    z.dispose();
    dec.dispose();
  });

  it('is additive: f(a,b) + f(a′,b′) = f(a,b′) + f(a′,b) across the blocks', async () => {
    const dec = deconvDecoder(4);
    const r = Rng.fromSeed(5);
    const z = r.fillUniform(new Float64Array(4), -1, 1);
    const z2 = r.fillUniform(new Float64Array(4), -1, 1);
    expect(await cartesianIdentityResidual(dec, z, z2, [2, 3])).toBeLessThan(1e-5);
    dec.dispose();
  });

  it('applyWith on parameters stacked along a leading axis runs each copy (MLP and deconv decoders)', async () => {
    for (const make of [
      (s: number) =>
        AdditiveDecoder.init(Rng.fromSeed(s), { partition: BLOCKS, outputDim: 128, hidden: [6, 8] }),
      (s: number) => deconvDecoder(s),
    ]) {
      const a = make(6);
      const b = make(7);
      const za = latents(Rng.fromSeed(8), 3, 4);
      const zb = latents(Rng.fromSeed(9), 3, 4);
      const stackedParams = Object.fromEntries(
        Object.keys(a.params.tensors()).map((n) => [n, tf.stack([a.params.get(n), b.params.get(n)])]),
      );
      const y = a.applyWith(stackedParams, tf.stack([za, zb]) as tf.Tensor3D);
      expect(y.shape).toEqual([2, 3, 128]);
      const [ya, yb] = tf.unstack(y);
      expectAllClose(await ya!.data(), await a.apply(za).data(), { atol: 1e-5 });
      expectAllClose(await yb!.data(), await b.apply(zb).data(), { atol: 1e-5 });
      tf.dispose([y, ya!, yb!, za, zb, ...Object.values(stackedParams)]);
      a.dispose();
      b.dispose();
    }
  });

  it('trains inside an autoencoder (gradients reach every head) and clones with its head', async () => {
    const rng = Rng.fromSeed(10);
    const model = Autoencoder.init(rng, {
      inputDim: 128,
      latentDim: 4,
      decoder: BLOCKS,
      encoderHidden: [16],
      decoderHidden: [6],
      decoderDeconv: HEAD,
    });
    const x = tf.tensor2d(rng.stream('x').fillUniform(new Float32Array(16 * 128)), [16, 128]);
    const opt = new Adam({ lr: 1e-2 });
    const vars = model.variables();
    const before = (await model.loss(x).data())[0]!;
    // A copy: the cpu backend's data() can share the buffer an in-place optimizer update writes to.
    const kernel0 = Array.from(await vars['dec.deconv0.b1.kernel']!.data());
    for (let i = 0; i < 30; i++) tf.dispose(opt.minimize(() => model.loss(x), vars));
    expect((await model.loss(x).data())[0]!).toBeLessThan(before);
    expect(Array.from(await vars['dec.deconv0.b1.kernel']!.data())).not.toEqual(kernel0);
    const copy = model.clone();
    expect(copy.decoder.config().deconv).toEqual({ image: [8, 8, 2], channels: [3, 4] });
    expectAllClose(await copy.reconstruct(x).data(), await model.reconstruct(x).data(), { atol: 0 });
    tf.dispose(x);
    opt.dispose();
    copy.dispose();
    model.dispose();
  });

  it('rejects heads that do not fit the image, naming the field', () => {
    const base = { partition: BLOCKS, outputDim: 128, hidden: [6] };
    const init = (deconv: unknown) => () =>
      AdditiveDecoder.init(Rng.fromSeed(0), { ...base, deconv: deconv as never });
    expect(init({ image: [8, 8, 1], channels: [3] })).toThrow(
      /deconv.image must be an image of outputDim = 128 entries \(h·w·channels\)/,
    );
    expect(init({ image: [4, 16, 2], channels: [3, 4, 5] })).toThrow(
      /deconv.image must be height and width divisible by 2\^3 = 8/,
    );
    expect(init({ image: [8, 8, 2], channels: [] })).toThrow(/deconv.channels must be a non-empty array/);
    expect(init({ image: [8, 8, 2], channels: [3, 0] })).toThrow(
      /deconv.channels\[1\] must be an integer >= 1/,
    );
    expect(init({ image: [8, 8], channels: [3] })).toThrow(
      /deconv.image must be an array \[height, width, channels\]/,
    );
    expect(init(7)).toThrow(/deconv must be a head/);
  });
});
