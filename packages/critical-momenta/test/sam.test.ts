import { initBackend, SGD } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamCM, SAM } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('SAM wrapper', () => {
  it('steps with the gradient at θ + ρ·g/‖g‖ (hand-computed on ½θᵀAθ, A = diag(1, 4))', () => {
    const x = tf.variable(tf.tensor1d([1, 0.5]));
    const a = tf.tensor1d([1, 4]);
    const sam = new SAM(new SGD({ lr: 0.1 }), { rho: 0.2 });
    const loss = sam.minimize(() => tf.mul(0.5, tf.sum(tf.mul(a, tf.square(x)))) as tf.Scalar, { x });
    // Loss at the unperturbed point: ½(1 + 4·0.25) = 1.
    expect(loss.dataSync()[0]).toBeCloseTo(1, 6);
    // g = (1, 2), ‖g‖ = √5, ε = 0.2·g/√5; g' = A(θ + ε); θ ← θ − 0.1·g'.
    const s = 0.2 / Math.sqrt(5);
    const expected = [1 - 0.1 * (1 + s), 0.5 - 0.1 * 4 * (0.5 + 2 * s)];
    const got = x.dataSync();
    expect(got[0]).toBeCloseTo(expected[0]!, 6);
    expect(got[1]).toBeCloseTo(expected[1]!, 6);
    tf.dispose([loss, x, a]);
  });

  it('composes with AdamCM without leaking, and rejects bad settings', () => {
    const x = tf.variable(tf.tensor1d([1, -1, 2]));
    const opt = new AdamCM({ lr: 0.05, topC: 3 });
    const sam = new SAM(opt, { rho: 0.05 });
    const f = () => tf.sum(tf.square(tf.sin(x))) as tf.Scalar;
    for (let i = 0; i < 3; i++) sam.minimize(f, { x }).dispose();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) sam.minimize(f, { x }).dispose();
    expect(tf.memory().numTensors).toBe(n);
    expect(sam.iterations).toBe(8);
    sam.dispose();
    x.dispose();
    expect(() => new SAM(opt, { rho: 0 })).toThrow(/rho must be a finite number > 0/);
    expect(() => new SAM({} as SGD)).toThrow(/base must be a tensor-core Optimizer/);
  });

  it('restores θ when the base step throws', () => {
    const x = tf.variable(tf.tensor1d([1, 2]));
    const sam = new SAM(new AdamCM({ lr: 0.1, topC: 2 }), { rho: 0.1 });
    // A loss whose gradient is infinite at the perturbed point makes AdamCM reject the step.
    const f = () => tf.sum(tf.mul(tf.scalar(Number.POSITIVE_INFINITY), tf.square(x))) as tf.Scalar;
    expect(() => sam.minimize(f, { x })).toThrow(/finite/);
    expect(Array.from(x.dataSync())).toEqual([1, 2]);
    x.dispose();
  });
});

describe('SAM as an optimizer', () => {
  it('step() alternates halves: ascent to θ + ρ·g/‖g‖, then θ restored and the base step (model.fit’s path)', () => {
    const x = tf.variable(tf.tensor1d([1, 0.5]));
    const a = tf.tensor1d([1, 4]);
    const sam = new SAM(new SGD({ lr: 0.1 }), { rho: 0.2 });
    const grad = () => tf.tidy(() => tf.mul(a, x));
    const g1 = grad();
    sam.step({ x }, { x: g1 });
    // Perturbed: θ + 0.2·(1, 2)/√5.
    const s = 0.2 / Math.sqrt(5);
    expect(x.dataSync()[0]).toBeCloseTo(1 + s, 6);
    expect(x.dataSync()[1]).toBeCloseTo(0.5 + 2 * s, 6);
    expect(sam.iterations).toBe(0);
    const g2 = grad();
    sam.step({ x }, { x: g2 });
    expect(sam.iterations).toBe(1);
    expect(x.dataSync()[0]).toBeCloseTo(1 - 0.1 * (1 + s), 6);
    expect(x.dataSync()[1]).toBeCloseTo(0.5 - 0.1 * 4 * (0.5 + 2 * s), 6);
    // minimize() takes whole steps only.
    const g3 = grad();
    sam.step({ x }, { x: g3 });
    expect(() => sam.minimize(() => tf.sum(x) as tf.Scalar, { x })).toThrow(
      /SAM\.minimize must be no half step pending/,
    );
    tf.dispose([x, a, g1, g2, g3]);
    sam.dispose();
  });

  it('a state saved between the halves resumes the descent exactly', () => {
    const run = (cut: boolean) => {
      const x = tf.variable(tf.tensor1d([1, -1, 2]));
      const f = () => tf.sum(tf.square(tf.sin(x))) as tf.Scalar;
      let sam = new SAM(new AdamCM({ lr: 0.05, topC: 2 }), { rho: 0.1 });
      for (let i = 0; i < 3; i++) sam.minimize(f, { x }).dispose();
      const { value, grads } = tf.tidy(() => {
        const r = tf.variableGrads(f, [x]);
        return { value: r.value, grads: { x: r.grads[x.name]! } };
      });
      sam.step({ x }, grads);
      if (cut) {
        const state = JSON.parse(JSON.stringify(sam.getState()));
        sam.dispose();
        sam = new SAM(new AdamCM({ lr: 0.05, topC: 2 }), { rho: 0.1 });
        sam.setState(state, { x });
      }
      const g2 = tf.tidy(() => tf.variableGrads(f, [x]).grads[x.name]!);
      sam.step({ x }, { x: g2 });
      sam.minimize(f, { x }).dispose();
      const out = Array.from(x.dataSync());
      tf.dispose([x, value, grads.x, g2]);
      sam.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });
});
