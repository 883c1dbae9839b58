import { initBackend, Momentum, ParamMap, Rng, randomNormal, SGD } from '@paperkit/tensor-core';
import { expectAllClose, maxAbsDiff } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Nesterov, NuPI, NuPIOptimizer, PolyakMomentum } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

// f = ½xᵀAx − bᵀx with A ≻ 0 (4-D).
const A = [
  [3, 1, 0, 0.5],
  [1, 2, 0.3, 0],
  [0, 0.3, 1.5, 0.2],
  [0.5, 0, 0.2, 1],
];
const B = [1, -1, 0.5, 2];
const grad = (x: ArrayLike<number>) => A.map((r, i) => r.reduce((s, v, j) => s + v * x[j]!, 0) - B[i]!);
const alpha = 0.05;
const beta = 0.7;
const STEPS = 60;

/** νPI as a minimiser through the dual class: ascent on e = −∇f is descent on f (the update is linear in e). */
function nupiTrajectory(ki: number, kp: number, nu: number): number[][] {
  const opt = new NuPI({ lr: 1, ki, kp, nu, init: 'zeros' });
  const x = new Float64Array(4);
  const out: number[][] = [];
  for (let t = 0; t < STEPS; t++) {
    opt.step(
      x,
      grad(x).map((g) => -g),
    );
    out.push(Array.from(x));
  }
  return out;
}

function handTrajectory(update: (x: number[], g: number[], t: number) => number[]): number[][] {
  let x = [0, 0, 0, 0];
  const out: number[][] = [];
  for (let t = 0; t < STEPS; t++) {
    x = update(x, grad(x), t);
    out.push(x);
  }
  return out;
}

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.map((row, t) => maxAbsDiff(row, b[t]!)));
}

describe('νPI generalises momentum methods exactly (zeros init, float64)', () => {
  it('Polyak heavy ball: ν = β, κ_i = α/(1−β), κ_p = −αβ/(1−β)²', () => {
    let buf: number[] | null = null;
    const hb = handTrajectory((x, g) => {
      buf = buf ? buf.map((v, i) => beta * v + g[i]!) : g;
      return x.map((v, i) => v - alpha * buf![i]!);
    });
    const pi = nupiTrajectory(alpha / (1 - beta), (-alpha * beta) / (1 - beta) ** 2, beta);
    expect(maxDiff(pi, hb)).toBeLessThan(1e-12);
  });

  it('Nesterov (PyTorch form x −= α(g + β·buf)): κ_p = −αβ²/(1−β)²', () => {
    let buf: number[] | null = null;
    const nag = handTrajectory((x, g) => {
      buf = buf ? buf.map((v, i) => beta * v + g[i]!) : g;
      return x.map((v, i) => v - alpha * (g[i]! + beta * buf![i]!));
    });
    const pi = nupiTrajectory(alpha / (1 - beta), (-alpha * beta * beta) / (1 - beta) ** 2, beta);
    expect(maxDiff(pi, nag)).toBeLessThan(1e-12);
  });

  it('optimistic gradient x −= α(2g_t − g_{t−1}), g₋₁ = 0: ν = 0, κ_i = κ_p = α', () => {
    let prev = [0, 0, 0, 0];
    const og = handTrajectory((x, g) => {
      const out = x.map((v, i) => v - alpha * (2 * g[i]! - prev[i]!));
      prev = g;
      return out;
    });
    expect(maxDiff(nupiTrajectory(alpha, alpha, 0), og)).toBeLessThan(1e-12);
  });

  for (const gamma of [0, 0.3, 1]) {
    it(`unified momentum (Yan et al.) γ = ${gamma}: κ_p = −αβ/(1−β)²·[1 − γ(1−β)]`, () => {
      let ysPrev = [0, 0, 0, 0];
      const sum = handTrajectory((x, g) => {
        const y = x.map((v, i) => v - alpha * g[i]!);
        const ys = x.map((v, i) => v - gamma * alpha * g[i]!);
        const out = y.map((v, i) => v + beta * (ys[i]! - ysPrev[i]!));
        ysPrev = ys;
        return out;
      });
      const kp = ((-alpha * beta) / (1 - beta) ** 2) * (1 - gamma * (1 - beta));
      expect(maxDiff(nupiTrajectory(alpha / (1 - beta), kp, beta), sum)).toBeLessThan(1e-12);
    });
  }

  it('the dual PolyakMomentum / Nesterov classes are these νPI instances (ascent, any sign of β)', () => {
    const rng = Rng.fromSeed(11).stream('errors');
    const errors = Array.from({ length: 80 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    for (const b of [0.5, -0.5, 0.9]) {
      for (const [Cls, kp] of [
        [PolyakMomentum, (-alpha * b) / (1 - b) ** 2],
        [Nesterov, (-alpha * b * b) / (1 - b) ** 2],
      ] as const) {
        const mom = new Cls({ lr: alpha, momentum: b });
        const pi = new NuPI({ lr: 1, ki: alpha / (1 - b), kp, nu: b, init: 'zeros' });
        const x1 = new Float64Array(3);
        const x2 = new Float64Array(3);
        for (const e of errors) {
          mom.step(x1, e);
          pi.step(x2, e);
        }
        expectAllClose(x2, x1, { atol: 1e-12 });
      }
    }
  });
});

describe('NuPIOptimizer reproduces tensor-core momentum on a real model (float32)', () => {
  /** A 4-16-3 tanh MLP with softmax cross-entropy on a fixed batch. */
  function setup(seed: number) {
    const rng = Rng.fromSeed(seed);
    const params = ParamMap.fromTensors({
      w1: { value: tf.tidy(() => randomNormal(rng.stream('w1'), [4, 16], 0, 0.5)) },
      b1: { value: tf.zeros([16]) },
      w2: { value: tf.tidy(() => randomNormal(rng.stream('w2'), [16, 3], 0, 0.5)) },
    });
    const x = randomNormal(rng.stream('x'), [32, 4]);
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 32 }, (_, i) => i % 3),
        'int32',
      ),
      3,
    );
    const loss = () =>
      tf.tidy(() => {
        const v = params.tensors();
        const logits = tf.matMul(tf.tanh(tf.add(tf.matMul(x, v.w1!), v.b1!)), v.w2!);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      });
    const dispose = () => {
      params.dispose();
      tf.dispose([x, y]);
    };
    return { params, loss, dispose };
  }

  async function trajectory(make: () => SGD | NuPIOptimizer, steps: number): Promise<Float32Array> {
    const s = setup(7);
    const opt = make();
    for (let t = 0; t < steps; t++) opt.minimize(s.loss, s.params).dispose();
    const flat = tf.concat(s.params.variables().map((v) => v.reshape([-1])));
    const out = (await flat.data()) as Float32Array;
    flat.dispose();
    opt.dispose();
    s.dispose();
    return out;
  }

  it('heavy ball: NuPIOptimizer(lr α, K_I = 1/(1−β), K_P = −β/(1−β)², ν = β, zeros) ≈ Momentum(α, β)', async () => {
    const b = 0.9;
    const ref = await trajectory(() => new Momentum({ lr: 0.05, momentum: b }), 40);
    const got = await trajectory(
      () => new NuPIOptimizer({ lr: 0.05, ki: 1 / (1 - b), kp: -b / (1 - b) ** 2, nu: b, init: 'zeros' }),
      40,
    );
    expectAllClose(got, ref, { atol: 2e-4, rtol: 1e-3 });
    // And the equivalence is not vacuous: plain SGD ends elsewhere.
    const sgd = await trajectory(() => new SGD({ lr: 0.05 }), 40);
    expect(maxAbsDiff(sgd, ref)).toBeGreaterThan(1e-2);
  });

  it('Nesterov: K_P = −β²/(1−β)² ≈ Momentum(α, β, nesterov)', async () => {
    const b = 0.8;
    const ref = await trajectory(() => new Momentum({ lr: 0.05, momentum: b, nesterov: true }), 40);
    const got = await trajectory(
      () =>
        new NuPIOptimizer({ lr: 0.05, ki: 1 / (1 - b), kp: -(b * b) / (1 - b) ** 2, nu: b, init: 'zeros' }),
      40,
    );
    expectAllClose(got, ref, { atol: 2e-4, rtol: 1e-3 });
  });
});
