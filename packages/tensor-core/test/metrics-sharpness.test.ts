import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  diag,
  eigSym,
  haarOrthogonal,
  hessianOperator,
  type Matrix,
  matmul,
  matrix,
  type ParamLoss,
  transpose,
} from '../src/linalg/index.js';
import { accuracy, accuracyFromScores, sharpness } from '../src/metrics/index.js';
import { Rng } from '../src/random/index.js';
import { expectNoLeak } from '../src/testing/leaks.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

describe('accuracy on the device', () => {
  it('agrees with the host computation for index, one-hot and host labels, without leaks', async () => {
    const scores = [2, 1, 0, 0, 3, 3, 1, 1, 1, 0.1, 0.2, 0.7];
    const labels = [0, 2, 0, 2];
    const logits = tf.tensor2d(scores, [4, 3]);
    const idx = tf.tensor1d(labels, 'int32');
    const oneHot = tf.oneHot(idx, 3);
    const host = accuracyFromScores({ rows: 4, cols: 3, data: scores }, labels);
    expect(host).toBe(0.75);
    for (const l of [idx, oneHot, labels]) {
      const acc = await expectNoLeak(() => accuracy(logits, l), 1);
      expect((await acc.data())[0]).toBeCloseTo(host, 7);
      acc.dispose();
    }
    expect(() => accuracy(logits, [0, 1])).toThrow(/labels must be an array of 4 class indices/);
    expect(() =>
      accuracy(
        tf.tidy(() => tf.zeros([4])),
        idx,
      ),
    ).toThrow(/logits must be a rank-2 tensor/);
    tf.dispose([logits, idx, oneHot]);
  });
});

/** ½ θᵀAθ over one vector parameter `theta`: the Hessian is A everywhere. */
function quadratic(a: Matrix): ParamLoss {
  const n = a.rows;
  return (p) =>
    tf.tidy(() => {
      const theta = tf.reshape(p.theta!, [n, 1]);
      return tf.mul(
        0.5,
        tf.sum(tf.mul(theta, tf.matMul(tf.tensor2d(Float32Array.from(a.data), [n, n]), theta))),
      ) as tf.Scalar;
    });
}

function withSpectrum(rng: Rng, values: number[]): Matrix {
  const q = haarOrthogonal(values.length, rng);
  return matmul(matmul(q, diag(values)), transpose(q));
}

describe('sharpness', () => {
  it('of ½θᵀAθ equals the top eigenvalue of A (1e-4 relative), without leaks', async () => {
    const rng = Rng.fromSeed(51);
    const a = withSpectrum(rng, [7, 4.5, 3, 2, 1, 0.5, 0.1, -0.3, -1, -2]);
    const top = eigSym(a, { order: 'descending' }).values[0]!;
    const params = { theta: tf.tensor1d(rng.fillNormal(new Float32Array(10))) };
    const res = await expectNoLeak(() =>
      sharpness(quadratic(a), params, { rng: rng.stream('power'), tol: 1e-7 }),
    );
    expect(res.converged).toBe(true);
    expect(Math.abs(res.eigenvalue - top) / top).toBeLessThan(1e-4);
    tf.dispose(params);
  });

  it('at a saddle: λ_max by default, the dominant negative eigenvalue with which = magnitude', async () => {
    const rng = Rng.fromSeed(52);
    // Shifted by +9 the spectrum is (13, 10, …): the second phase converges like (10/13)^k.
    const spectrum = [-9, 4, 1, 0.5, -1, 0.2];
    const a = withSpectrum(rng, spectrum);
    const params = { theta: tf.tensor1d(rng.fillNormal(new Float32Array(6))) };
    const loss = quadratic(a);
    const opts = { rng: rng.stream('power'), iters: 200, tol: 1e-8 };
    const top = await expectNoLeak(() => sharpness(loss, params, opts));
    expect(Math.abs(top.eigenvalue - 4) / 4).toBeLessThan(1e-4);
    const dominant = await sharpness(loss, params, { ...opts, which: 'magnitude' });
    expect(Math.abs(dominant.eigenvalue + 9) / 9).toBeLessThan(1e-4);
    tf.dispose(params);
  });

  it('of a tiny tanh MLP equals the top eigenvalue of the Hessian assembled from unit-vector HVPs', async () => {
    const rng = Rng.fromSeed(41);
    const init = (shape: number[], std: number) =>
      tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((x, y) => x * y, 1)), 0, std), shape);
    const params: Record<string, tf.Tensor> = {
      w1: init([2, 5], 0.8),
      b1: init([5], 0.1),
      w2: init([5, 3], 0.8),
      b2: init([3], 0.1),
    };
    const n = 16;
    const x = tf.tensor2d(rng.fillNormal(new Float32Array(n * 2)), [n, 2]);
    const y = tf.oneHot(
      tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(3)),
        'int32',
      ),
      3,
    );
    const loss: ParamLoss = (p) =>
      tf.tidy(() => {
        const h = tf.tanh(tf.add(tf.matMul(x, p.w1!), p.b1!));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, p.w2!), p.b2!)) as tf.Scalar;
      });
    const before = tf.memory().numTensors;
    const op = hessianOperator(loss, params);
    const dim = op.dim;
    expect(dim).toBe(33);
    const hess = matrix(dim, dim);
    for (let j = 0; j < dim; j++) {
      const e = new Float64Array(dim);
      e[j] = 1;
      const col = await op.apply(e);
      for (let i = 0; i < dim; i++) hess.data[i * dim + j] = col[i]!;
    }
    // A correct HVP gives a symmetric Hessian; finite differences break symmetry only at rounding level.
    let asym = 0;
    let scale = 0;
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        asym = Math.max(asym, Math.abs(hess.data[i * dim + j]! - hess.data[j * dim + i]!));
        scale = Math.max(scale, Math.abs(hess.data[i * dim + j]!));
      }
    expect(asym / scale).toBeLessThan(1e-3);
    const sym = matrix(
      dim,
      dim,
      hess.data.map((v, k) => 0.5 * (v + hess.data[(k % dim) * dim + Math.floor(k / dim)]!)),
    );
    const top = eigSym(sym, { order: 'descending' }).values[0]!;
    const res = await sharpness(loss, params, { rng: rng.stream('power'), iters: 300, tol: 1e-7 });
    expect(Math.abs(res.eigenvalue - top) / Math.abs(top)).toBeLessThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    tf.dispose(params);
  });
});
