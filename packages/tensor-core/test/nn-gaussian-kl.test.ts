import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { diagonalGaussianKl, gaussianKl } from '../src/nn/index.js';
import { Rng } from '../src/random/index.js';
import { expectNoLeak } from '../src/testing/index.js';
import { PaperkitInputError } from '../src/validate/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

function read(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

const logN = (x: number, m: number, v: number) => -0.5 * (Math.log(2 * Math.PI * v) + (x - m) ** 2 / v);

describe('diagonalGaussianKl', () => {
  it('agrees with a Monte Carlo estimate of E_q[log q(z) − log p(z)] per coordinate', () => {
    const qm = [0.3, -1.2, 2, 0];
    const qv = [0.5, 2, 0.1, 1];
    const pm = [0, 0.5, 1.5, -0.7];
    const pv = [1, 0.3, 0.4, 2.5];
    const exact = read(
      diagonalGaussianKl(
        { mean: tf.tensor1d(qm), variance: tf.tensor1d(qv) },
        { mean: tf.tensor1d(pm), variance: tf.tensor1d(pv) },
      ),
    );
    const rng = Rng.fromSeed(11);
    const n = 200_000;
    for (let j = 0; j < 4; j++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const z = qm[j]! + Math.sqrt(qv[j]!) * rng.normal();
        const r = logN(z, qm[j]!, qv[j]!) - logN(z, pm[j]!, pv[j]!);
        s += r;
        s2 += r * r;
      }
      const mean = s / n;
      const se = Math.sqrt((s2 / n - mean * mean) / n);
      // Within 4 standard errors of the estimate, which is itself within 1% of (1 + KL): the check
      // would catch a wrong term.
      expect(Math.abs(exact[j]! - mean)).toBeLessThan(4 * se);
      expect(se).toBeLessThan(0.01 * (1 + exact[j]!));
    }
  });

  it('is 0 for equal Gaussians, positive otherwise, and asymmetric', () => {
    const a = { mean: tf.tensor1d([0.5, -2]), variance: tf.tensor1d([0.3, 4]) };
    const b = { mean: tf.tensor1d([0, -2]), variance: tf.tensor1d([0.3, 1]) };
    for (const v of read(diagonalGaussianKl(a, a))) expect(Math.abs(v)).toBeLessThan(1e-6);
    const ab = read(diagonalGaussianKl(a, b));
    const ba = read(diagonalGaussianKl(b, a));
    for (const v of [...ab, ...ba]) expect(v).toBeGreaterThan(0);
    // Hand-computed: coordinate 0 differs in mean only, (0.5)²/(2·0.3); coordinate 1 in variance only.
    expect(ab[0]).toBeCloseTo(0.25 / 0.6, 5);
    expect(ab[1]).toBeCloseTo(0.5 * Math.log(1 / 4) + 4 / 2 - 0.5, 5);
    expect(ba[1]).toBeCloseTo(0.5 * Math.log(4) + 1 / 8 - 0.5, 5);
    tf.dispose([a.mean, a.variance, b.mean, b.variance]);
  });

  it('summed over the latent axis, equals gaussianKl against N(0, I); p broadcasts over the batch', () => {
    const mean = tf.tensor2d([0.5, -1, 0, 2, 1, 1], [3, 2]);
    const logvar = tf.tensor2d([0.2, -0.5, 0, 1, -2, 0.3], [3, 2]);
    const want = read(gaussianKl(mean, logvar, 'none'));
    const got = read(
      tf.tidy(() =>
        tf.sum(
          diagonalGaussianKl(
            { mean, variance: tf.exp(logvar) },
            { mean: tf.zeros([2]), variance: tf.ones([1, 2]) },
          ),
          1,
        ),
      ),
    );
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 5);
    });
    tf.dispose([mean, logvar]);
  });

  it('has the closed-form gradients in both means and variances', () => {
    const qm = tf.tensor1d([0.4]);
    const qv = tf.tensor1d([0.7]);
    const pm = tf.tensor1d([-0.2]);
    const pv = tf.tensor1d([1.3]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.sum(diagonalGaussianKl({ mean: a, variance: b }, { mean: c, variance: d })),
    )([qm, qv, pm, pv]);
    const [dqm, dqv, dpm, dpv] = g.map((t) => read(t)[0]!);
    const delta = 0.6;
    expect(dqm).toBeCloseTo(delta / 1.3, 5); // (μq − μp)/vp
    expect(dpm).toBeCloseTo(-delta / 1.3, 5);
    expect(dqv).toBeCloseTo(-0.5 / 0.7 + 0.5 / 1.3, 5); // −1/(2vq) + 1/(2vp)
    expect(dpv).toBeCloseTo(0.5 / 1.3 - (0.7 + delta ** 2) / (2 * 1.3 ** 2), 5);
    tf.dispose([qm, qv, pm, pv]);
  });

  it('leaks nothing and names the bad input', async () => {
    const m = tf.zeros([4, 3]);
    const v = tf.ones([4, 3]);
    await expectNoLeak(() =>
      tf.dispose(diagonalGaussianKl({ mean: m, variance: v }, { mean: m, variance: v })),
    );
    expect(() => diagonalGaussianKl({ mean: m, variance: [1] as never }, { mean: m, variance: v })).toThrow(
      /^q\.variance must be a tensor/,
    );
    const wrong = tf.ones([2, 3]);
    expect(() => diagonalGaussianKl({ mean: m, variance: v }, { mean: m, variance: wrong })).toThrow(
      PaperkitInputError,
    );
    expect(() => diagonalGaussianKl({ mean: m, variance: v }, { mean: m, variance: wrong })).toThrow(
      /^p\.variance must be a tensor whose shape \[2,3\] broadcasts/,
    );
    expect(() => diagonalGaussianKl(null as never, { mean: m, variance: v })).toThrow(/^q\.mean/);
    tf.dispose([m, v, wrong]);
  });
});
