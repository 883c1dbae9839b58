import { Adam, initBackend, Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdditiveDecoder,
  Autoencoder,
  cartesianIdentityResidual,
  Encoder,
  nonAdditiveDecoder,
  type Partition,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const PARTITIONS: [string, Partition][] = [
  ['scalar', [[0], [1]]],
  [
    'two 2-D blocks',
    [
      [0, 1],
      [2, 3],
    ],
  ],
  ['unequal, permuted', [[2], [0, 3], [1]]],
];

function latents(rng: Rng, n: number, d: number): tf.Tensor2D {
  return tf.tensor2d(rng.fillUniform(new Float32Array(n * d), -1, 1), [n, d]);
}

/** Decodes host latent rows (float32) synchronously. */
function decode(dec: AdditiveDecoder, rows: number[][]): Float32Array[] {
  const out = tf.tidy(() => dec.apply(tf.tensor2d(rows)));
  const v = out.arraySync() as number[][];
  out.dispose();
  return v.map((r) => Float32Array.from(r));
}

describe('AdditiveDecoder', () => {
  it.each(PARTITIONS)('output equals the sum of renderBlock over blocks (%s)', async (_, partition) => {
    const d = partition.flat().length;
    const rng = Rng.fromSeed(1);
    const dec = AdditiveDecoder.init(rng.stream('dec'), {
      partition,
      outputDim: 20,
      hidden: [8, 16],
      activation: 'tanh',
    });
    const z = latents(rng.stream('z'), 7, d);
    const full = await expectNoLeak(async () => {
      const t = dec.apply(z);
      const v = await t.data();
      t.dispose();
      return v;
    });
    const sum = new Float32Array(full.length);
    for (let b = 0; b < dec.blocks; b++) {
      const t = dec.renderBlock(z, b);
      const v = await t.data();
      t.dispose();
      v.forEach((x, i) => {
        sum[i]! += x;
      });
    }
    expectAllClose(full, sum, { atol: 1e-5 });
    // renderBlocks stacks the same images.
    const stacked = dec.renderBlocks(z);
    expect(stacked.shape).toEqual([dec.blocks, 7, 20]);
    expectAllClose(await tf.sum(stacked, 0).data(), full, { atol: 1e-5 });
    tf.dispose([stacked, z]);
    dec.dispose();
  });

  it('a block image depends only on its block: perturbing another block leaves it unchanged', async () => {
    const partition = [
      [0, 1],
      [2, 3],
    ];
    const rng = Rng.fromSeed(2);
    const dec = AdditiveDecoder.init(rng, { partition, outputDim: 12, hidden: [6, 10] });
    const z = [0.3, -0.2, 0.5, 0.1];
    const moved = [0.3, -0.2, -0.7, 0.9];
    const render = async (row: number[], b: number) => {
      const t = tf.tidy(() => dec.renderBlock(tf.tensor2d([row]), b));
      const v = await t.data();
      t.dispose();
      return v;
    };
    expect(Array.from(await render(moved, 0))).toEqual(Array.from(await render(z, 0)));
    expect(Array.from(await render(moved, 1))).not.toEqual(Array.from(await render(z, 1)));
    dec.dispose();
  });

  it('cross second derivatives between blocks vanish (central differences), not so for a non-additive decoder', () => {
    const rng = Rng.fromSeed(3);
    const config = { outputDim: 16, hidden: [8, 8], activation: 'tanh' as const };
    const add = AdditiveDecoder.init(rng.stream('a'), { ...config, partition: [[0], [1]] });
    const non = nonAdditiveDecoder(rng.stream('n'), { ...config, latentDim: 2 });
    const h = 0.05;
    const cross = (dec: AdditiveDecoder, z1: number, z2: number) => {
      const [pp, pm, mp, mm] = decode(dec, [
        [z1 + h, z2 + h],
        [z1 + h, z2 - h],
        [z1 - h, z2 + h],
        [z1 - h, z2 - h],
      ]) as [Float32Array, Float32Array, Float32Array, Float32Array];
      return Math.max(...pp.map((v, i) => Math.abs((v - pm[i]! - mp[i]! + mm[i]!) / (4 * h * h))));
    };
    for (const [z1, z2] of [
      [0.1, -0.4],
      [0.7, 0.2],
      [-0.5, 0.9],
    ] as const) {
      expect(cross(add, z1, z2)).toBeLessThan(1e-3);
      expect(cross(non, z1, z2)).toBeGreaterThan(1e-2);
    }
    add.dispose();
    non.dispose();
  });

  it('satisfies the Cartesian-product identity f(a,b) + f(a′,b′) = f(a,b′) + f(a′,b); a non-additive decoder does not', async () => {
    const rng = Rng.fromSeed(4);
    const partition = [
      [0, 1],
      [2, 3],
    ];
    const add = AdditiveDecoder.init(rng.stream('a'), { partition, outputDim: 30 });
    const non = nonAdditiveDecoder(rng.stream('n'), { latentDim: 4, outputDim: 30 });
    const z = [0.2, -0.3, 0.8, 0.1];
    const zPrime = [-0.6, 0.4, -0.2, 0.5];
    expect(await cartesianIdentityResidual(add, z, zPrime, [0, 1])).toBeLessThan(1e-5);
    expect(await cartesianIdentityResidual(add, z, zPrime, [2, 3])).toBeLessThan(1e-5);
    // Swapping latents that cut across a block breaks it, as it does for the non-additive decoder.
    expect(await cartesianIdentityResidual(add, z, zPrime, [0, 2])).toBeGreaterThan(1e-3);
    expect(await cartesianIdentityResidual(non, z, zPrime, [0, 1])).toBeGreaterThan(1e-3);
    add.dispose();
    non.dispose();
  });

  it('stays additive through training: off-block weights remain exactly 0 and the identity still holds', async () => {
    const rng = Rng.fromSeed(5);
    const model = Autoencoder.init(rng, {
      inputDim: 10,
      latentDim: 2,
      encoderHidden: [8],
      decoderHidden: [4, 6],
    });
    const x = tf.tensor2d(rng.stream('x').fillUniform(new Float32Array(32 * 10)), [32, 10]);
    const opt = new Adam({ lr: 1e-2, weightDecay: 1e-3 });
    const vars = model.variables();
    for (let i = 0; i < 20; i++) tf.dispose(opt.minimize(() => model.loss(x), vars));
    // Hidden layer 1 is [2·4, 2·6] block-diagonal: rows 0..3 → cols 0..5, rows 4..7 → cols 6..11.
    const w1 = (await model.decoder.params.get('dec.fc1.weight').array()) as number[][];
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 12; c++) if (Math.floor(r / 4) !== Math.floor(c / 6)) expect(w1[r]![c]).toBe(0);
    const w0 = (await model.decoder.params.get('dec.fc0.weight').array()) as number[][];
    expect(w0[0]!.slice(4)).toEqual([0, 0, 0, 0]);
    expect(w0[1]!.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(await cartesianIdentityResidual(model.decoder, [0.1, 0.2], [-0.3, 0.5], [0])).toBeLessThan(1e-5);
    opt.dispose();
    x.dispose();
    model.dispose();
  });

  it('a one-block decoder is the non-additive baseline with the same per-block architecture', () => {
    const a = nonAdditiveDecoder(Rng.fromSeed(6), { latentDim: 3, outputDim: 5, hidden: [4] });
    const b = AdditiveDecoder.init(Rng.fromSeed(6), { partition: [[0, 1, 2]], outputDim: 5, hidden: [4] });
    expect(a.isAdditive).toBe(false);
    expect(a.params.get('dec.fc0.weight').shape).toEqual([3, 4]);
    expect(Array.from(a.params.get('dec.fc0.weight').dataSync())).toEqual(
      Array.from(b.params.get('dec.fc0.weight').dataSync()),
    );
    a.dispose();
    b.dispose();
  });

  it("draws each block from its own stream: block 0's weights do not depend on the other blocks", () => {
    const two = AdditiveDecoder.init(Rng.fromSeed(7), { partition: [[0], [1]], outputDim: 4, hidden: [3] });
    const three = AdditiveDecoder.init(Rng.fromSeed(7), {
      partition: [[0], [1], [2]],
      outputDim: 4,
      hidden: [3],
    });
    const w2 = two.params.get('dec.fc1.weight').arraySync() as number[][];
    const w3 = three.params.get('dec.fc1.weight').arraySync() as number[][];
    expect(w3.slice(0, 3)).toEqual(w2.slice(0, 3));
    two.dispose();
    three.dispose();
  });

  it('clone copies values into new variables; apply and renderBlock leak nothing', async () => {
    const dec = AdditiveDecoder.init(Rng.fromSeed(8), { partition: [[0], [1]], outputDim: 6 });
    const copy = dec.clone();
    const z = tf.tensor2d([[0.1, 0.2]]);
    await expectNoLeak(async () => {
      const a = dec.apply(z);
      const b = copy.apply(z);
      const r = dec.renderBlock(z, 1);
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([a, b, r]);
    });
    copy.dispose();
    expect(dec.params.get('dec.fc0.weight').isDisposed).toBe(false);
    dec.dispose();
    z.dispose();
  });
});

describe('Encoder and Autoencoder', () => {
  it('encode, decode and reconstruct have the documented shapes', () => {
    const model = Autoencoder.init(Rng.fromSeed(9), { inputDim: 12, latentDim: 3, decoder: 'non-additive' });
    const x = tf.zeros([5, 12]);
    const z = model.encode(x);
    const r = model.reconstruct(x);
    expect(z.shape).toEqual([5, 3]);
    expect(r.shape).toEqual([5, 12]);
    expect(model.decoder.blocks).toBe(1);
    tf.dispose([x, z, r]);
    model.dispose();
  });

  it('rejects mismatched encoder and decoder', () => {
    const e = Encoder.init(Rng.fromSeed(1), { inputDim: 8, latentDim: 2 });
    const d3 = AdditiveDecoder.init(Rng.fromSeed(1), { partition: [[0], [1], [2]], outputDim: 8 });
    const d16 = AdditiveDecoder.init(Rng.fromSeed(1), { partition: [[0], [1]], outputDim: 16 });
    expect(() => new Autoencoder(e, d3)).toThrow(/decoder must be a decoder of 2 latents/);
    expect(() => new Autoencoder(e, d16)).toThrow(
      /outputDim 8 \(the encoder's inputDim: images of the same size\)/,
    );
    e.dispose();
    d3.dispose();
    d16.dispose();
  });
});
