import { initBackend, Rng, SGD } from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak, optimizerConformance } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BetaLassoOptimizer, ProximalOptimizer } from '../src/index.js';

const setup = () => initBackend({ prefer: 'wasm', blas: 'off' });
beforeAll(setup);

optimizerConformance('BetaLassoOptimizer(SGD)', {
  setup,
  // The ℓ1 term moves the fixed point by O(lmbda / curvature); the solutions' entries are ≥ 1 in
  // magnitude, far above the threshold β·lmbda = 1e-3.
  quadratic: {
    create: () => new BetaLassoOptimizer(new SGD({ lr: 0.15 }), { beta: 10, lmbda: 1e-4 }),
    steps: 200,
    tol: 1e-2,
  },
  rosenbrock: {
    create: () => new BetaLassoOptimizer(new SGD({ lr: 1.5e-3 }), { layers: ['x'], beta: 10, lmbda: 1e-4 }),
    steps: 6000,
    tol: 0.1,
  },
  invalid: [
    {
      create: () => new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { beta: -1, lmbda: 1e-3 }),
      message: /beta must be a finite number >= 0; got -1/,
    },
    {
      create: () => new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { beta: 50, lmbda: Number.NaN }),
      message: /lmbda must be a finite number >= 0; got NaN/,
    },
    {
      create: () => new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { layers: [], beta: 50, lmbda: 1e-3 }),
      message:
        /layers must be "all" or a non-empty array of parameter names or \{ weight, bias\? \}; got \[\]/,
    },
    {
      create: () =>
        new BetaLassoOptimizer(new SGD({ lr: 0.1 }), {
          layers: [{ weight: 'x', bias: 3 as never }],
          beta: 50,
          lmbda: 1e-3,
        }),
      message: /layers\[0\]\.bias must be a parameter name; got 3/,
    },
    {
      create: () => new BetaLassoOptimizer({} as never, { beta: 50, lmbda: 1e-3 }),
      message: /inner must be a tensor-core Optimizer/,
    },
    {
      create: () => new BetaLassoOptimizer(new SGD({ lr: 0.1 }), undefined as never),
      message: /config must be an object \{ layers\?, beta, lmbda \}/,
    },
  ],
});

const f32 = (xs: number[]) => Float32Array.from(xs);

/** One hand-checkable step: w, grad, SGD(lr), β, λ → the new w as stored. */
async function oneStep(
  w: number[],
  grad: number[],
  opt: BetaLassoOptimizer,
  extra: Record<string, tf.Variable> = {},
): Promise<Float32Array> {
  const x = tf.variable(tf.tensor1d(w));
  const g = tf.tensor1d(grad);
  opt.step({ x, ...extra }, { x: g });
  const out = (await x.data()) as Float32Array;
  tf.dispose([x, g]);
  return out;
}

describe('β-lasso step (spec §I.4 steps 2 and 4)', () => {
  it('hand-computed: grad + λ·sign(w), SGD step, then |w| < β·λ → 0', async () => {
    // λ = 0.01, β = 2 → threshold 0.02; lr = 0.1 (values chosen exactly representable after rounding).
    const opt = new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { beta: 2, lmbda: 0.01 });
    expect(opt.threshold).toBe(0.02);
    const w = [0.5, -0.02, 0.003, -0.4, 0, 0.0205];
    const grad = [0.1, 0.1, -0.1, 0, 0, 0];
    // g' = [0.11, 0.09, −0.09, −0.01, 0, 0.01]; w − 0.1·g' = [0.489, −0.029, 0.012, −0.399, 0, 0.0195].
    const out = await oneStep(w, grad, opt);
    const expected = w.map((wi, i) => {
      // float32 as the device computes it: g + sign·λ, times lr, subtracted.
      const g = Math.fround(Math.fround(grad[i]!) + Math.fround(Math.sign(wi) * Math.fround(0.01)));
      const next = Math.fround(Math.fround(wi) - Math.fround(g * Math.fround(0.1)));
      return Math.abs(next) >= Math.fround(0.02) ? next : 0;
    });
    expectBitIdentical(out, f32(expected));
    // 0.003 grew to 0.012 but stays below the threshold; 0.0205 had no gradient and the sign term
    // alone pulled it to 0.0195 < 0.02; −0.02 (at the threshold) moved out to −0.029 and survives.
    expect(Array.from(out).map((v) => v === 0)).toEqual([false, false, true, false, true, true]);
    expect(out[0]).toBeCloseTo(0.489, 7);
    expect(out[1]).toBeCloseTo(-0.029, 7);
    expect(out[3]).toBeCloseTo(-0.399, 7);
    expect(opt.iterations).toBe(1);
  });

  it('λ = 0 is the inner optimizer bit for bit; β = 0 is plain ℓ1 subgradient descent (no zeroing)', async () => {
    const rng = Rng.fromSeed(7);
    const w = Array.from({ length: 50 }, () => rng.normal() * 0.05);
    const grad = Array.from({ length: 50 }, () => rng.normal());
    const plain = await oneStep(
      w,
      grad,
      new BetaLassoOptimizer(new SGD({ lr: 0.01 }), { beta: 50, lmbda: 0 }),
    );
    const x = tf.variable(tf.tensor1d(w));
    const g = tf.tensor1d(grad);
    new SGD({ lr: 0.01 }).step({ x }, { x: g });
    expectBitIdentical(plain, (await x.data()) as Float32Array);
    const l1 = await oneStep(w, grad, new BetaLassoOptimizer(new SGD({ lr: 0.01 }), { beta: 0, lmbda: 0.5 }));
    for (let i = 0; i < w.length; i++) {
      const gi = Math.fround(Math.fround(grad[i]!) + Math.fround(Math.sign(Math.fround(w[i]!)) * 0.5));
      expect(l1[i]).toBe(Math.fround(Math.fround(w[i]!) - Math.fround(gi * Math.fround(0.01))));
    }
    tf.dispose([x, g]);
  });

  it('sparsity: zeros exactly the entries below β·λ after the step, and only the regularized parameters', async () => {
    const rng = Rng.fromSeed(8);
    const d = 400;
    const w = Array.from({ length: d }, () => rng.normal() * 0.05);
    const grad = Array.from({ length: d }, () => rng.normal() * 0.1);
    const beta = 50;
    const lmbda = 4e-4; // threshold 0.02 ≈ 0.4σ
    const lr = 0.1;
    const other = tf.variable(tf.tensor1d(w));
    const opt = new BetaLassoOptimizer(new SGD({ lr }), { layers: [{ weight: 'x' }], beta, lmbda });
    const x = tf.variable(tf.tensor1d(w));
    const g = tf.tensor1d(grad);
    opt.step({ x, other }, { x: g, other: g });
    const out = (await x.data()) as Float32Array;
    // The unregularized parameter gets the plain SGD step.
    const ref = tf.variable(tf.tensor1d(w));
    new SGD({ lr }).step({ ref }, { ref: g });
    expectBitIdentical((await other.data()) as Float32Array, (await ref.data()) as Float32Array);
    let zeros = 0;
    let expectedZeros = 0;
    for (let i = 0; i < d; i++) {
      const gi = Math.fround(
        Math.fround(grad[i]!) + Math.fround(Math.sign(Math.fround(w[i]!)) * Math.fround(lmbda)),
      );
      const next = Math.fround(Math.fround(w[i]!) - Math.fround(gi * Math.fround(lr)));
      const below = Math.abs(next) < Math.fround(beta * lmbda);
      if (below) expectedZeros++;
      if (out[i] === 0) zeros++;
      // Zeroing multiplies by the mask like the reference, so negative entries become −0.
      expect(out[i]).toBe(below ? next * 0 : next);
    }
    // About P(|N(0, σ_eff)| < 0.02) of the entries: a real sparsity effect, not an edge case.
    expect(zeros).toBe(expectedZeros);
    expect(zeros / d).toBeGreaterThan(0.2);
    expect(zeros / d).toBeLessThan(0.5);
    tf.dispose([x, g, other, ref]);
  });

  it('the ℓ1 term enters the inner optimizer (momentum buffer) like PyTorch’s grad += λ·sign(w)', async () => {
    const rng = Rng.fromSeed(9);
    const w0 = Array.from({ length: 20 }, () => rng.normal());
    const grads = [0, 1, 2].map(() => Array.from({ length: 20 }, () => rng.normal()));
    const lmbda = 0.3;
    const a = tf.variable(tf.tensor1d(w0));
    const b = tf.variable(tf.tensor1d(w0));
    const wrapped = new BetaLassoOptimizer(new SGD({ lr: 0.05, momentum: 0.9 }), { beta: 0, lmbda });
    const manual = new SGD({ lr: 0.05, momentum: 0.9 });
    for (const gr of grads) {
      const g = tf.tensor1d(gr);
      wrapped.step({ x: a }, { x: g });
      const gb = tf.tidy(() => tf.add(g, tf.mul(tf.sign(b), lmbda)));
      manual.step({ x: b }, { x: gb });
      tf.dispose([g, gb]);
    }
    expectBitIdentical((await a.data()) as Float32Array, (await b.data()) as Float32Array);
    wrapped.dispose();
    manual.dispose();
    tf.dispose([a, b]);
  });

  it('composes with the weight-sharing prox and leaks nothing per step', async () => {
    const x = tf.variable(tf.tensor1d(Array.from({ length: 30 }, (_, i) => Math.sin(i))));
    const opt = new BetaLassoOptimizer(
      new ProximalOptimizer(new SGD({ lr: 0.1 }), { layers: [{ weight: 'x', wsLr: 0.1 }] }),
      { layers: 'all', beta: 20, lmbda: 1e-3 },
    );
    const loss = () => tf.sum(tf.square(tf.sub(x, 0.5))) as tf.Scalar;
    opt.minimize(loss, { x }).dispose();
    await expectNoLeak(() => {
      for (let i = 0; i < 5; i++) opt.minimize(loss, { x }).dispose();
    });
    expect(opt.iterations).toBe(6);
    const state = JSON.parse(JSON.stringify(opt.getState()));
    // One state for the whole composition: the prox's step counter sits inside the β-lasso chain.
    expect(state.transform.children.chain.children.weightSharingProx.counters).toEqual({ steps: 6 });
    expect(() => new SGD({ lr: 0.1 }).setState(state)).toThrow(/state\.optimizer must be "SGD"/);
    expect(() => new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { beta: 1, lmbda: 1 }).setState(state)).toThrow(
      /state\.transform\.children\.chain\.children\.(chain|weightSharingProx) must be absent/,
    );
    opt.dispose();
    x.dispose();
  });

  it('names an unknown parameter with the available names', () => {
    const x = tf.variable(tf.tensor1d([1, 2]));
    const g = tf.tensor1d([0, 0]);
    const opt = new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { layers: ['fc1.weight'], beta: 1, lmbda: 1 });
    expect(() => opt.step({ x }, { x: g })).toThrow(
      /layers must be parameter names among \(x\); got "fc1\.weight"/,
    );
    tf.dispose([x, g]);
  });
});
