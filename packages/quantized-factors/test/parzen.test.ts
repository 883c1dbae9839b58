import { PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  parzenLogDensity,
  parzenLogDensity64,
  parzenLogDensityGradient,
  parzenLogDensityGradient64,
  parzenScore,
} from '../src/index.js';
import { setupBackend } from './helpers.js';

beforeAll(setupBackend);

function points(
  seed: number,
  n: number,
  d = 2,
  scale = 1,
): { rows: number; cols: number; data: Float64Array } {
  return { rows: n, cols: d, data: Rng.fromSeed(seed).fillNormal(new Float64Array(n * d), 0, scale) };
}

const t2 = (p: { rows: number; cols: number; data: ArrayLike<number> }) =>
  tf.tensor2d(Float32Array.from(p.data), [p.rows, p.cols]);

describe('float64 Parzen estimates', () => {
  it('∇log p̂ equals the central finite difference of log p̂ (h = 1e-5, rtol 1e-4)', () => {
    const ref = points(1, 60, 3);
    const q = points(2, 8, 3, 1.2);
    const sigma = 0.4;
    const grad = parzenLogDensityGradient64(q, ref, sigma);
    const h = 1e-5;
    const fd = new Float64Array(q.data.length);
    for (let i = 0; i < q.data.length; i++) {
      const plus = Float64Array.from(q.data);
      const minus = Float64Array.from(q.data);
      plus[i]! += h;
      minus[i]! -= h;
      const row = Math.floor(i / 3);
      const lp = parzenLogDensity64({ rows: q.rows, cols: 3, data: plus }, ref, sigma)[row]!;
      const lm = parzenLogDensity64({ rows: q.rows, cols: 3, data: minus }, ref, sigma)[row]!;
      fd[i] = (lp - lm) / (2 * h);
    }
    expectAllClose(grad.data, fd, { rtol: 1e-4, atol: 1e-6 });
  });

  it('is exact for one reference point (its softmax row is [1]) and normalised as a Gaussian', () => {
    const r = { rows: 1, cols: 2, data: [0.5, -1] };
    const q = { rows: 2, cols: 2, data: [1.5, -1, 0.5, 1] };
    const sigma = 0.5;
    expectAllClose(parzenLogDensityGradient64(q, r, sigma).data, [-4, 0, 0, -8], { atol: 0 });
    const logp = parzenLogDensity64(q, r, sigma);
    expect(logp[0]).toBeCloseTo(-Math.log(2 * Math.PI * 0.25) - 1 / (2 * 0.25), 12);
  });

  it('is equivariant to translations (softmax rows sum to 1) and at a point mass the score is 0', () => {
    const ref = points(3, 40);
    const q = points(4, 5);
    const shift = (p: typeof ref, c: number[]) => ({ ...p, data: p.data.map((v, i) => v + c[i % 2]!) });
    const a = parzenLogDensityGradient64(q, ref, 0.3);
    const b = parzenLogDensityGradient64(shift(q, [3, -2]), shift(ref, [3, -2]), 0.3);
    expectAllClose(b.data, a.data, { atol: 1e-12 });
    const same = { rows: 3, cols: 2, data: [1, 1, 1, 1, 1, 1] };
    expect(Array.from(parzenLogDensityGradient64(same, same, 0.2).data).every((v) => v === 0)).toBe(true);
  });
});

describe('tensor Parzen estimates', () => {
  it('match float64 in value, chunked or not (float32 tolerance)', () => {
    const ref = points(5, 300, 2, 0.8);
    const q = points(6, 70, 2, 0.8);
    const want = parzenLogDensityGradient64(q, ref, 0.1);
    const wantLogp = parzenLogDensity64(q, ref, 0.1);
    for (const chunkSize of [7, 64, 1000]) {
      const g = tf.tidy(() => parzenLogDensityGradient(t2(q), { sigma: 0.1, reference: t2(ref), chunkSize }));
      const lp = tf.tidy(() => parzenLogDensity(t2(q), { sigma: 0.1, reference: t2(ref), chunkSize }));
      // Scores reach ~1/σ = 10 near isolated points: 1e-4 relative plus a small absolute slack.
      expectAllClose(g.dataSync(), want.data, { rtol: 1e-3, atol: 2e-3 });
      expectAllClose(lp.dataSync(), wantLogp, { atol: 2e-4 });
      tf.dispose([g, lp]);
    }
  });

  it('parzenScore equals the self-referenced gradient and its hand-written backward equals autodiff of the dense form', () => {
    const s = t2(points(7, 150, 2, 0.5));
    const w = t2(points(8, 150, 2));
    const sigma = 0.2;
    const dense = (x: tf.Tensor2D) => {
      const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(x, 0))), 2);
      const p = tf.softmax(tf.div(d2, -2 * sigma * sigma));
      return tf.div(tf.sub(tf.matMul(p, x), x), sigma * sigma);
    };
    const f1 = (x: tf.Tensor) =>
      tf.sum(tf.mul(tf.tanh(parzenScore(x as tf.Tensor2D, { sigma, chunkSize: 40 })), w));
    const f2 = (x: tf.Tensor) => tf.sum(tf.mul(tf.tanh(dense(x as tf.Tensor2D)), w));
    const [v1, v2, v3] = tf.tidy(() => [
      parzenScore(s, { sigma, chunkSize: 40 }),
      dense(s),
      parzenLogDensityGradient(s, { sigma }),
    ]);
    expectAllClose(v1!.dataSync(), v2!.dataSync(), { atol: 1e-4, rtol: 1e-4 });
    expectAllClose(v3!.dataSync(), v2!.dataSync(), { atol: 1e-4, rtol: 1e-4 });
    const g1 = tf.grad(f1)(s);
    const g2 = tf.grad(f2)(s);
    const scale = Math.max(...Array.from(g2.dataSync(), Math.abs));
    expectAllClose(g1.dataSync(), g2.dataSync(), { atol: 1e-4 * scale });
    tf.dispose([s, w, v1!, v2!, v3!, g1, g2]);
  });

  it('its backward agrees with float64 finite differences of a scalar of the score', () => {
    const p = points(9, 40, 2, 0.6);
    const c = points(10, 40, 2);
    const sigma = 0.3;
    // L(s) = Σ c ⊙ ∇log p̂(s; s), differentiated through both the query and the reference role.
    const loss64 = (data: Float64Array) => {
      const pts = { rows: 40, cols: 2, data };
      const v = parzenLogDensityGradient64(pts, pts, sigma);
      return v.data.reduce((acc, val, i) => acc + val * c.data[i]!, 0);
    };
    const h = 1e-6;
    const fd = p.data.map((_, i) => {
      const plus = Float64Array.from(p.data);
      const minus = Float64Array.from(p.data);
      plus[i]! += h;
      minus[i]! -= h;
      return (loss64(plus) - loss64(minus)) / (2 * h);
    });
    const ct = t2(c);
    const st = t2(p);
    const g = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(parzenScore(x as tf.Tensor2D, { sigma, chunkSize: 16 }), ct)),
    )(st);
    const scale = Math.max(...Array.from(fd, Math.abs));
    expectAllClose(g.dataSync(), fd, { atol: 2e-4 * scale });
    tf.dispose([ct, st, g]);
  });

  it('leaks no tensor in the forward pass, the gradient, or the chunked paths', async () => {
    const s = t2(points(11, 100));
    await expectNoLeak(() => {
      const g = tf.grad((x: tf.Tensor) =>
        tf.sum(parzenScore(x as tf.Tensor2D, { sigma: 0.2, chunkSize: 30 })),
      )(s);
      g.dispose();
      tf.dispose([
        parzenScore(s, { sigma: 0.2, chunkSize: 30 }),
        parzenLogDensityGradient(s, { sigma: 0.2, chunkSize: 30 }),
        parzenLogDensity(s, { sigma: 0.2, chunkSize: 30 }),
      ]);
    });
    s.dispose();
  });

  it('rejects σ ≤ 0, bad chunks, non-point tensors and mismatched dimensions', () => {
    const s = tf.zeros([4, 2]) as tf.Tensor2D;
    const s3 = tf.zeros([4, 3]) as tf.Tensor2D;
    const v = tf.zeros([4]);
    expect(() => parzenScore(s, { sigma: 0 })).toThrow(/sigma must be a finite number > 0; got 0/);
    expect(() => parzenLogDensityGradient(s, { sigma: -1 })).toThrow(/sigma/);
    expect(() => parzenLogDensity(s, { sigma: 0.1, chunkSize: 0 })).toThrow(/chunkSize/);
    expect(() => parzenScore(v as unknown as tf.Tensor2D, { sigma: 0.1 })).toThrow(
      /s must be a rank-2 tensor/,
    );
    expect(() => parzenLogDensityGradient(s, { sigma: 0.1, reference: s3 })).toThrow(/reference/);
    expect(() =>
      parzenLogDensity64({ rows: 1, cols: 2, data: [0, 0] }, { rows: 0, cols: 2, data: [] }, 1),
    ).toThrow(PaperkitInputError);
    expect(() =>
      parzenLogDensityGradient64({ rows: 1, cols: 2, data: [0, 0] }, { rows: 1, cols: 2, data: [0, 0] }, 0),
    ).toThrow(/sigma/);
    const i = tf.zeros([4, 2], 'int32') as tf.Tensor2D;
    expect(() => parzenScore(i, { sigma: 0.1 })).toThrow(/dtype/);
    tf.dispose([s, s3, v, i]);
  });
});
