import { initBackend, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedEdges, gaussianNll, hardMask, inverseSoftplus, sampleGumbelSigmoid } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const host = (t: tf.Tensor) => Float64Array.from(t.dataSync());
const softplus = (v: number) => Math.log1p(Math.exp(v));

describe('Gumbel-sigmoid masks', () => {
  it('hard-thresholded samples are on with probability σ(log α), whatever the temperature', () => {
    const logits = [-2, -0.5, 0, 1, 3];
    const n = 4000;
    const la = tf.tile(tf.tensor2d([logits]), [n, 1]);
    for (const tau of [1, 0.5]) {
      const hard = tf.tidy(() =>
        tf.mean(tf.cast(tf.greater(sampleGumbelSigmoid(la, Rng.fromSeed(3), tau), 0.5), 'float32'), 0),
      );
      const freq = host(hard);
      hard.dispose();
      logits.forEach((l, k) => {
        const p = 1 / (1 + Math.exp(-l));
        expect(Math.abs(freq[k]! - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      });
    }
    la.dispose();
  });

  it('draws one noise per edge (no batch axis: the whole minibatch shares it), seeded', () => {
    const la = tf.fill([3, 2], 0.3);
    const a = sampleGumbelSigmoid(la, Rng.fromSeed(1));
    const b = sampleGumbelSigmoid(la, Rng.fromSeed(1));
    const c = sampleGumbelSigmoid(la, Rng.fromSeed(2));
    expect(a.shape).toEqual([3, 2]);
    expect(host(a)).toEqual(host(b));
    expect(host(a)).not.toEqual(host(c));
    const v = host(a);
    expect(new Set(v).size).toBe(6);
    for (const x of v) expect(x > 0 && x < 1).toBe(true);
    const e = expectedEdges(
      tf.tensor2d([
        [0, 5],
        [-5, 1],
      ]),
    );
    expect(e.dataSync()[0]).toBeCloseTo(
      0.5 + 1 / (1 + Math.exp(-5)) + 1 / (1 + Math.exp(5)) + 1 / (1 + Math.exp(-1)),
      5,
    );
    expect(
      Array.from(
        hardMask(
          tf.tensor2d([
            [0, 5],
            [-5, 1e-3],
          ]),
        ).dataSync(),
      ),
    ).toEqual([0, 1, 0, 1]);
    tf.dispose([la, a, b, c, e]);
    expect(() => sampleGumbelSigmoid(tf.scalar(0), Rng.fromSeed(1), 0)).toThrow(PaperkitInputError);
  });
  it('straight-through samples are exactly 0/1 forward, the soft threshold, with the soft gradient', () => {
    const before = tf.memory().numTensors;
    const la = tf.tensor2d([
      [-2, -0.5, 0.2],
      [1, 3, 5],
    ]);
    const w = tf.tensor2d([
      [0.3, -1.2, 2],
      [0.7, 1.5, -0.4],
    ]);
    const soft = sampleGumbelSigmoid(la, Rng.fromSeed(4), 0.7);
    const hard = sampleGumbelSigmoid(la, Rng.fromSeed(4), 0.7, true);
    const s = host(soft);
    expect(host(hard)).toEqual(Float64Array.from(s, (v) => (v > 0.5 ? 1 : 0)));
    // d/dlogα Σ w·M: the straight-through gradient is the soft sample's, w·M(1 − M)/τ, not zero.
    const g = (st: boolean) =>
      tf.grad((l: tf.Tensor) => tf.sum(tf.mul(w, sampleGumbelSigmoid(l, Rng.fromSeed(4), 0.7, st))))(la);
    const gSoft = g(false);
    const gHard = g(true);
    const wv = host(w);
    const expected = s.map((m, k) => (wv[k]! * m * (1 - m)) / 0.7);
    host(gHard).forEach((v, k) => {
      expect(v).toBeCloseTo(expected[k]!, 5);
    });
    expect(host(gHard)).toEqual(host(gSoft));
    tf.dispose([la, w, soft, hard, gSoft, gHard]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => sampleGumbelSigmoid(tf.scalar(0), Rng.fromSeed(1), 1, 'yes' as never)).toThrow(
      /straightThrough/,
    );
  });
});

describe('Gaussian likelihood', () => {
  // The KL with a learned prior is tensor-core's diagonalGaussianKl (tested there against Monte Carlo).
  it('the NLL is ½·log 2π + log σ + (x − μ)²/(2σ²) and inverseSoftplus inverts softplus', () => {
    const nll = host(gaussianNll(tf.tensor1d([1.5]), tf.tensor1d([1]), tf.scalar(0.2)));
    expect(nll[0]).toBeCloseTo(0.5 * Math.log(2 * Math.PI) + Math.log(0.2) + 0.25 / 0.08, 5);
    expect(softplus(inverseSoftplus(1e-4))).toBeCloseTo(1e-4, 12);
  });
});
