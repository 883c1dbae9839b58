import { Adam, AdamW, initBackend } from '@paperkit/tensor-core';
import { expectAllClose } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamCM, AdamCM64 } from '../src/index.js';
import { halfSquare64, halfSquareTensor } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

// Spec B.5, problem f = ½θ², θ₀ = 1, lr 0.1, default betas/eps. Tables computed in float64.
const ADAM = [0.900000001, 0.8004122297, 0.7015862745, 0.6039390627, 0.5079636619];
const REFERENCE_C2 = [1.0, 0.255863186, -0.0749634284, -0.3362222955, -0.5473207568];
const CLEAN_C2_AGGREGATE = [1e-7, -0.6585715317, -0.9502879827, -0.8931255562, -0.5502303092];
const CLEAN_C0_AGGREGATE = [1e-7, -0.4979387399, -0.6423879651, -0.4950512664, -0.2229135472];
const CLEAN_C2_GRADIENT = [0.900000001, 0.7450856901, 0.5885989757, 0.4190522268, 0.2452770111];

describe('oracle 1: clean mode, C = 0, gradient second moment is Adam', () => {
  it('reproduces the hand table (Float64 to 1e-9, tensors to 1e-6)', () => {
    const cfg = { lr: 0.1, compat: 'clean', topC: 0, secondMoment: 'gradient' } as const;
    expectAllClose(halfSquare64(new AdamCM64(cfg), 5), ADAM, { atol: 1e-9 });
    expectAllClose(halfSquareTensor(new AdamCM(cfg), 5), ADAM, { atol: 1e-6 });
  });

  it("equals tensor-core's Adam bit for bit on a multi-tensor problem", async () => {
    const run = (opt: Adam | AdamCM): Float32Array[] => {
      const w = tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5], [2, 3]));
      const b = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]));
      const x = tf.tensor2d([1, 2, -1, 0.5, 0.3, -2], [3, 2]);
      for (let i = 0; i < 30; i++)
        opt
          .minimize(() => tf.sum(tf.square(tf.sin(tf.add(tf.matMul(w, x), tf.sum(b))))) as tf.Scalar, {
            w,
            b,
          })
          .dispose();
      const out = [w.dataSync() as Float32Array, b.dataSync() as Float32Array];
      tf.dispose([w, b, x]);
      opt.dispose();
      return out;
    };
    const a = run(new Adam({ lr: 0.05, amsgrad: true }));
    const c = run(
      new AdamCM({ lr: 0.05, amsgrad: true, compat: 'clean', topC: 0, secondMoment: 'gradient' }),
    );
    expect(Array.from(c[0]!)).toEqual(Array.from(a[0]!));
    expect(Array.from(c[1]!)).toEqual(Array.from(a[1]!));
  });

  it('with weight decay it is AdamW (decoupled), and kappa = 0 is buffer-free too', () => {
    const aw = halfSquareTensor(new AdamW({ lr: 0.1, weightDecay: 0.3 }), 8);
    const cm = halfSquareTensor(
      new AdamCM({ lr: 0.1, weightDecay: 0.3, compat: 'clean', topC: 3, kappa: 0, secondMoment: 'gradient' }),
      8,
    );
    expect(cm).toEqual(aw);
  });
});

describe('oracle 2: reference mode, C = 2, λ = 0.7', () => {
  it('reproduces the 5-call table (Float64 to 1e-9, tensors to 1e-5)', () => {
    expectAllClose(halfSquare64(new AdamCM64({ lr: 0.1, topC: 2 }), 5), REFERENCE_C2, { atol: 1e-9 });
    expectAllClose(halfSquareTensor(new AdamCM({ lr: 0.1, topC: 2 }), 5), REFERENCE_C2, { atol: 1e-5 });
  });

  it('has the table’s m, u, priorities and first replacement at call 5', () => {
    const opt = new AdamCM64({ lr: 0.1, topC: 2 });
    const x = Float64Array.of(1);
    const keys: number[][] = [];
    const ms: number[] = [];
    const steps: number[][] = [];
    for (let i = 0; i < 5; i++) {
      opt.step({ x }, { x: Float64Array.of(x[0]!) });
      const b = opt.inspectBuffer('x')!;
      keys.push(b.keys);
      steps.push(b.steps);
      ms.push(opt.moments('x')!.m[0]!);
    }
    // Call 1 moves nothing and leaves m at 0 (Q1); call 2 has m = 0.1.
    expect(ms[0]).toBe(0);
    expect(ms[1]).toBeCloseTo(0.1, 12);
    expectAllClose(keys[0]!, [0.7], { atol: 1e-12 });
    expectAllClose(keys[1]!, [0.49, 0.7], { atol: 1e-12 });
    expectAllClose(keys[2]!, [0.343, 0.49], { atol: 1e-12 });
    expectAllClose(keys[3]!, [0.2401, 0.343], { atol: 1e-12 });
    // π₅ = |θ₄| = 0.33622… beats the smallest key 0.2401 (slot 0, the raw g₁): it is evicted.
    expectAllClose(keys[4]!, [0.3362222955 * 0.7, 0.2401], { atol: 1e-9 });
    expect(steps[3]).toEqual([1, 2]);
    expect(steps[4]).toEqual([5, 2]);
  });

  it('u = m + mean(buffer before insertion): 1.1 at call 2', () => {
    // Step 2 by hand: u = 0.1 + 1 = 1.1, v = 0.001·1.21, θ = 1 − 0.1/0.19 · 1.1/(√(v/(1−0.999²)) + ε).
    const v = 0.001 * 1.21;
    const expected = 1 - (0.1 / (1 - 0.9 ** 2)) * (1.1 / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8));
    expect(halfSquare64(new AdamCM64({ lr: 0.1, topC: 2 }), 2)[1]).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.255863186, 9);
  });
});

describe('oracle 3: clean-mode tables', () => {
  const cases = [
    ['C = 2, aggregate', { topC: 2 }, CLEAN_C2_AGGREGATE],
    ['C = 0, aggregate', { topC: 0 }, CLEAN_C0_AGGREGATE],
    ['C = 2, gradient', { topC: 2, secondMoment: 'gradient' }, CLEAN_C2_GRADIENT],
  ] as const;
  for (const [label, extra, table] of cases) {
    it(label, () => {
      const cfg = { lr: 0.1, compat: 'clean' as const, ...extra };
      expectAllClose(halfSquare64(new AdamCM64(cfg), 5), table, { atol: 1e-9 });
      expectAllClose(halfSquareTensor(new AdamCM(cfg), 5), table, { atol: 1e-5 });
    });
  }

  it('the first aggregate step is 1/(1−β₁) times Adam’s (v tracks m²)', () => {
    const cm = halfSquare64(new AdamCM64({ lr: 0.01, compat: 'clean', topC: 2 }), 1)[0]!;
    const adam = halfSquare64(
      new AdamCM64({ lr: 0.01, compat: 'clean', topC: 0, secondMoment: 'gradient' }),
      1,
    )[0]!;
    expect((1 - cm) / (1 - adam)).toBeCloseTo(10, 5);
  });
});
