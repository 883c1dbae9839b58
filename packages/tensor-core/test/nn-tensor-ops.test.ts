import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConstantMatrix,
  initBackend,
  matMulPlainGrad,
  permute,
  Rng,
  randomNormal,
  stopGradient,
} from '../src/index.js';
import { expectAllClose, expectNoLeak } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('tensor ops', () => {
  it('stopGradient is the identity forward and zero backward', () => {
    const x = tf.tensor1d([1, 2, 3]);
    // d/dv Σ(sg(v)·v + v) = sg(v) + 1
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(v), v), v)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 3, 4]);
    tf.dispose([x, g]);
  });

  it('matMulPlainGrad has the value and both gradients of tf.matMul', async () => {
    const rng = Rng.fromSeed(3);
    const a = randomNormal(rng, [5, 7]) as tf.Tensor2D;
    const b = randomNormal(rng, [7, 4]) as tf.Tensor2D;
    const w = randomNormal(rng, [5, 4]);
    const loss = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), w));
    await expectNoLeak(async () => {
      const [ga, gb] = tf.grads(loss(matMulPlainGrad))([a, b]);
      const [ra, rb] = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
      expectAllClose(await ga!.data(), await ra!.data(), { atol: 1e-5, rtol: 1e-5 });
      expectAllClose(await gb!.data(), await rb!.data(), { atol: 1e-5, rtol: 1e-5 });
      tf.dispose([ga!, gb!, ra!, rb!]);
    });
    tf.dispose([a, b, w]);
  });

  it('ConstantMatrix applies A·x with gradient Aᵀ·dy and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const m = new ConstantMatrix(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
    const x = tf.tensor2d([[1], [0], [-1]]);
    const y = m.apply(x);
    expect(Array.from(await y.data())).toEqual([-2, -2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(m.apply(v as tf.Tensor2D)))(x);
    expect(Array.from(await g.data())).toEqual([5, 7, 9]);
    tf.dispose([x, y, g]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('permute', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`equals tf.gather for a random permutation and repeated indices on ${backend}, without leaks`, async () => {
      await initBackend({ prefer: backend, blas: 'off' });
      const rng = Rng.fromSeed(4);
      const x = randomNormal(rng, [1000]) as tf.Tensor1D;
      const idx = tf.tensor1d(Int32Array.from(rng.permutation(1000)), 'int32');
      const rep = tf.tensor1d(Int32Array.of(3, 3, 0, 999), 'int32');
      await expectNoLeak(async () => {
        const a = permute(x, idx);
        const b = tf.gather(x, idx);
        expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
        const c = permute(x, rep);
        const d = tf.gather(x, rep);
        expect(Array.from(await c.data())).toEqual(Array.from(await d.data()));
        tf.dispose([a, b, c, d]);
      }, 0);
      expect(() => permute(tf.zeros([2, 2]) as unknown as tf.Tensor1D, idx)).toThrow(
        /x must be a 1-D float32 tensor/,
      );
      tf.dispose([x, idx, rep]);
    });
  }
});
