import { initBackend, PaperkitInputError, SGD } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientAscent, minimizeConstrained } from '../src/index.js';
import { variable } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('minimizeConstrained (one call for min f s.t. g ≤ 0 / h = 0)', () => {
  it("Platt & Barr's example (Cooper #80): min x² + y² s.t. x + y = 1 gives x = y = ½, μ = −1", async () => {
    const x = variable([0, 0]);
    const r = await expectNoLeak(() =>
      minimizeConstrained({
        params: { x },
        objective: () => tf.sum(tf.square(x)),
        equality: () => tf.sub(tf.sum(x), 1),
        lr: 0.05,
      }),
    );
    // Stationarity 2x + μ = 0 and x + y = 1 (float32 primal, so 1e-5 rather than the tol 1e-6).
    expect(r.converged).toBe(true);
    expect(Array.from(x.dataSync())).toEqual([expect.closeTo(0.5, 5), expect.closeTo(0.5, 5)]);
    expect(r.equality!.multiplier[0]).toBeCloseTo(-1, 4);
    expect(r.inequality).toBeNull();
    expect(r.loss).toBeCloseTo(0.5, 5);
    x.dispose();
  });

  it('an active and an inactive inequality: λ* = (1, 0) for min ½(x − 2)² s.t. x ≤ 1, −x ≤ 5', () => {
    const x = variable([0]);
    const r = minimizeConstrained({
      params: { x },
      objective: () => tf.mul(0.5, tf.sum(tf.square(tf.sub(x, 2)))),
      inequality: () => tf.concat([tf.sub(x, 1), tf.sub(tf.neg(x), 5)]),
      lr: 0.05,
    });
    expect(r.converged).toBe(true);
    expect(x.dataSync()[0]).toBeCloseTo(1, 5);
    expect(r.inequality!.multiplier[0]).toBeCloseTo(1, 4);
    expect(r.inequality!.multiplier[1]).toBe(0);
    x.dispose();
  });

  it('the default gains (critical damping of the toy) beat gradient ascent on the 1-D toy', () => {
    const solve = (dual?: () => GradientAscent) => {
      const x = variable([0]);
      const r = minimizeConstrained({
        params: { x },
        objective: () => tf.mul(0.5, tf.sum(tf.square(tf.sub(x, 2)))),
        inequality: () => tf.sub(x, 1),
        lr: 0.05,
        tol: 1e-5,
        ...(dual ? { dual } : {}),
      });
      x.dispose();
      return r;
    };
    const pi = solve();
    const ga = solve(() => new GradientAscent({ lr: 0.5 }));
    expect(pi.converged && ga.converged).toBe(true);
    // The toy's table: νPI κp = 5 needs ≈ 57 updates to 1e-3, GA ≈ 241.
    expect(pi.steps * 2).toBeLessThan(ga.steps);
  });

  it('reports non-convergence instead of a wrong answer, and stops a diverging run with a message', () => {
    const x = variable([0]);
    const short = minimizeConstrained({
      params: { x },
      objective: () => tf.sum(tf.square(x)),
      equality: () => tf.sub(tf.sum(x), 1),
      lr: 0.05,
      maxSteps: 5,
    });
    expect(short).toMatchObject({ converged: false, steps: 5 });
    expect(() =>
      minimizeConstrained({
        params: { x },
        objective: () => tf.neg(tf.sum(tf.exp(x))),
        inequality: () => tf.sub(x, 1e6),
        primal: new SGD({ lr: 10 }),
        lr: 10,
      }),
    ).toThrow(/diverged|non-finite|NaN/i);
    x.dispose();
  });

  it('rejects bad input naming the parameter, the value and what is allowed', () => {
    const x = variable([0]);
    const base = { params: { x }, objective: () => tf.sum(x), lr: 0.1 };
    const h = () => tf.sum(x);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base }, /inequality\/equality.*at least one constraint/],
      [{ ...base, equality: h, lr: -1 }, /lr must be .*got -1/],
      [{ ...base, equality: h, lr: undefined }, /lr .*primal step/],
      [{ ...base, equality: h, objective: 3 }, /objective .*function/],
      [{ ...base, equality: h, objective: () => tf.concat([x, x]) }, /objective .*one-element/],
      [{ ...base, equality: 'h' }, /equality .*function/],
      [{ ...base, equality: h, maxSteps: 0 }, /maxSteps/],
      [{ ...base, equality: h, tol: 0 }, /tol/],
      [{ ...base, equality: h, primal: {} }, /primal .*Optimizer/],
      [{ ...base, equality: h, lr: 100 }, /lr .*\(0, 10\]/],
    ];
    for (const [o, msg] of cases) {
      const run = () => minimizeConstrained(o as never);
      expect(run).toThrow(PaperkitInputError);
      expect(run).toThrow(msg);
    }
    x.dispose();
  });
});
