import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConstantMatrix,
  initBackend,
  permute,
  permuteTensors,
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

describe('permuteTensors', () => {
  // Oracle: concat → gather → split in stock tf ops.
  const reference = (xs: tf.Tensor[], idx: tf.Tensor1D | null, shapes: number[][]) =>
    tf.tidy(() => {
      const flat = tf.concat(xs.map((x) => tf.reshape(x, [-1])));
      const y = idx === null ? flat : tf.gather(flat, idx);
      return tf
        .split(
          y,
          shapes.map((s) => s.reduce((a, b) => a * b, 1)),
        )
        .map((p, i) => tf.reshape(p, shapes[i]!));
    });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`moves data between tensor lists like concat + gather + split on ${backend}, without leaks`, async () => {
      await initBackend({ prefer: backend, blas: 'off' });
      const rng = Rng.fromSeed(5);
      const xs = [
        randomNormal(rng, [3, 4]),
        randomNormal(rng, [7]),
        randomNormal(rng, [2, 1, 3]),
        tf.zeros([0]),
      ];
      const idx = tf.tensor1d(Int32Array.from(rng.permutation(25)), 'int32');
      const shapes = [[5, 2], [0], [15]];
      await expectNoLeak(async () => {
        for (const i of [idx, null]) {
          const got = permuteTensors(xs, i, shapes);
          const want = reference(xs, i, shapes);
          expect(got.map((t) => t.shape)).toEqual(shapes);
          for (let k = 0; k < got.length; k++)
            expect(Array.from(await got[k]!.data())).toEqual(Array.from(await want[k]!.data()));
          tf.dispose([...got, ...want]);
        }
        // Round trip through the inverse permutation restores every input exactly.
        const inv = new Int32Array(25);
        (await idx.data()).forEach((v, k) => {
          inv[v] = k;
        });
        const invT = tf.tensor1d(inv, 'int32');
        const there = permuteTensors(xs, idx, [[25]]);
        const back = permuteTensors(
          there,
          invT,
          xs.map((x) => x.shape),
        );
        for (let k = 0; k < xs.length; k++)
          expect(Array.from(await back[k]!.data())).toEqual(Array.from(await xs[k]!.data()));
        tf.dispose([invT, ...there, ...back]);
      }, 0);
      tf.dispose([...xs, idx]);
    });
  }

  it('has the gradient of concat + gather + split, repeated indices included, on wasm and cpu', async () => {
    const idxData = Int32Array.of(9, 0, 0, 4, 7, 7, 7, 2, 1, 5, 3, 6);
    const shapes = [[3, 2], [6]];
    // The same draws on each backend; the stock reference needs UnsortedSegmentSum, which wasm lacks.
    const gradients = async (backend: 'wasm' | 'cpu', ours: boolean) => {
      await initBackend({ prefer: backend, blas: 'off' });
      const rng = Rng.fromSeed(6);
      const xs = [randomNormal(rng, [2, 3]), randomNormal(rng, [4])];
      const w = [randomNormal(rng, [3, 2]), randomNormal(rng, [6])];
      const idx = tf.tensor1d(idxData, 'int32');
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const outs = ours ? permuteTensors([a, b], idx, shapes) : reference([a, b], idx, shapes);
        return tf.addN(outs.map((o, i) => tf.sum(tf.mul(o, w[i]!)))) as tf.Scalar;
      };
      let result: Float32Array[] = [];
      await expectNoLeak(async () => {
        const g = tf.grads(f)(xs);
        result = await Promise.all(g.map((t) => t.data() as Promise<Float32Array>));
        tf.dispose(g);
      }, 0);
      tf.dispose([...xs, ...w, idx]);
      return result;
    };
    const want = await gradients('cpu', false);
    for (const backend of ['wasm', 'cpu'] as const) {
      const got = await gradients(backend, true);
      for (let k = 0; k < 2; k++) expectAllClose(got[k]!, want[k]!, { atol: 1e-6, rtol: 1e-6 });
    }
  });

  it('names the bad argument', () => {
    const x = tf.zeros([4]);
    const idx = tf.tensor1d([0, 1, 2, 3], 'int32');
    expect(() => permuteTensors([], idx, [[4]])).toThrow(/xs must be a non-empty array/);
    expect(() => permuteTensors([tf.zeros([2], 'int32')], null, [[2]])).toThrow(
      /xs\[0\] must be a float32 tensor/,
    );
    expect(() => permuteTensors([x], idx, [[3]])).toThrow(/shapes must be shapes with 4 entries/);
    expect(() => permuteTensors([x], idx, [[2, -2]])).toThrow(
      /shapes\[0\] must be an array of non-negative integers/,
    );
    expect(() => permuteTensors([x], x as tf.Tensor1D, [[4]])).toThrow(
      /indices must be a 1-D int32 tensor or null/,
    );
    tf.dispose([x, idx]);
  });
});
