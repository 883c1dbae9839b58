import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  diag,
  haarOrthogonal,
  hessianVectorProduct,
  type Matrix,
  matmul,
  matvec,
  type ParamLoss,
  parameterCount,
  transpose,
  vectorNorm,
} from '../src/linalg/index.js';
import { Rng } from '../src/random/index.js';
import { expectNoLeak } from '../src/testing/leaks.js';
import { maxAbsDiff } from '../src/testing/numeric.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

/** ½ θᵀAθ over θ = concat(p.a (3), p.b (2×2, row-major)): the Hessian is exactly A. */
function quadratic(a: Matrix): ParamLoss {
  return (p) =>
    tf.tidy(() => {
      const theta = tf.concat([tf.reshape(p.a!, [-1]), tf.reshape(p.b!, [-1])]).reshape([7, 1]);
      const at = tf.matMul(tf.tensor2d(Float32Array.from(a.data), [7, 7]), theta);
      return tf.mul(0.5, tf.sum(tf.mul(theta, at))) as tf.Scalar;
    });
}

function spd(rng: Rng, spectrum: number[]): Matrix {
  const q = haarOrthogonal(spectrum.length, rng);
  return matmul(matmul(q, diag(spectrum)), transpose(q));
}

describe('hessianVectorProduct', () => {
  it('equals A·v on a quadratic over two named parameters, without leaks', async () => {
    const rng = Rng.fromSeed(31);
    const a = spd(rng, [6, 4, 3, 2, 1, 0.5, 0.25]);
    const params = {
      a: tf.tensor1d([0.3, -1.2, 0.8]),
      b: tf.tensor2d([
        [1.5, -0.4],
        [0.2, 0.9],
      ]),
    };
    expect(parameterCount(params)).toBe(7);
    const loss = quadratic(a);
    for (let t = 0; t < 3; t++) {
      const v = rng.fillNormal(new Float64Array(7));
      const hv = await expectNoLeak(() => hessianVectorProduct(loss, params, v));
      const exact = matvec(a, v);
      expect(maxAbsDiff(hv, exact) / vectorNorm(exact)).toBeLessThan(1e-4);
    }
    tf.dispose(params);
  });

  it('is homogeneous, returns zeros for v = 0, and names bad arguments', async () => {
    const params = { w: tf.tensor1d([0.5, -0.25, 1]) };
    const loss: ParamLoss = (p) => tf.sum(tf.exp(tf.mul(p.w!, tf.tensor1d([1, 2, -1])))) as tf.Scalar;
    const v = Float64Array.from([0.3, -0.7, 0.2]);
    const hv = await hessianVectorProduct(loss, params, v);
    const hv2 = await hessianVectorProduct(
      loss,
      params,
      v.map((x) => 2 * x),
    );
    expect(Array.from(hv2)).toEqual(Array.from(hv).map((x) => 2 * x));
    // H = diag(c² e^{c·w}) for L = Σ e^{c_i w_i}.
    const c = [1, 2, -1];
    const w = [0.5, -0.25, 1];
    const exact = v.map((x, i) => c[i]! ** 2 * Math.exp(c[i]! * w[i]!) * x);
    expect(maxAbsDiff(hv, exact)).toBeLessThan(2e-4 * vectorNorm(exact));
    expect(Array.from(await hessianVectorProduct(loss, params, new Float64Array(3)))).toEqual([0, 0, 0]);
    await expect(hessianVectorProduct(loss, params, new Float64Array(2))).rejects.toThrow(
      /v must be a vector of length 3/,
    );
    const vector: ParamLoss = (p) => tf.mul(p.w!, 2) as tf.Scalar;
    await expectNoLeak(() =>
      expect(hessianVectorProduct(vector, params, v)).rejects.toThrow(
        /lossFn must be a function returning a scalar/,
      ),
    );
    tf.dispose(params);
  });

  it('gives zero rows for parameters the loss ignores', async () => {
    const params = { used: tf.tensor1d([1, -2]), unused: tf.tensor2d([[3, 4]]) };
    const loss: ParamLoss = (p) => tf.sum(tf.pow(p.used!, 3)) as tf.Scalar;
    const v = Float64Array.from([1, 1, 5, -5]);
    const hv = await expectNoLeak(() => hessianVectorProduct(loss, params, v));
    // H = diag(6·used) on the used block, 0 elsewhere; the gradient 3·used² is quadratic, so the
    // central difference is exact up to float32 rounding.
    expect(maxAbsDiff(hv, [6, -12, 0, 0])).toBeLessThan(1e-3);
    expect(hv[2]).toBe(0);
    expect(hv[3]).toBe(0);
    tf.dispose(params);
  });
});
