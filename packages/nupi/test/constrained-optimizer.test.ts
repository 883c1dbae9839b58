import { initBackend, SGD } from '@paperkit/tensor-core';
import { expectAllClose, readHost } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConstrainedOptimizer,
  defineConstraint,
  defineProblem,
  denseMultiplier,
  GradientAscent,
  implicitMultiplier,
  indexedMultiplier,
  MultiplicativePenaltyUpdater,
  NuPI,
  penaltyCoefficient,
  simulateToyKkt,
  type UpdateOrder,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/** The 1-D toy of the headline on tensors: f = ½(x − 2)², g = x − 1 for constraint `c`. */
function toyState(x: tf.Variable) {
  return {
    loss: tf.mul(0.5, tf.sum(tf.square(tf.sub(x, 2)))) as tf.Scalar,
    constraints: { c: { violation: tf.sub(x, 1) } },
  };
}

/** {@link toyState} under a Lagrangian, optimized in `order` with `dual`. */
function toy(order: UpdateOrder, dual: NuPI | GradientAscent) {
  const x = tf.variable(tf.zeros([1]), true);
  const c = defineConstraint({
    kind: 'inequality',
    formulation: 'lagrangian',
    multiplier: denseMultiplier(1),
  });
  const problem = defineProblem({
    constraints: { c },
    computeState: () => toyState(x),
  });
  const opt = new ConstrainedOptimizer({
    problem,
    params: { x },
    primal: new SGD({ lr: 0.05 }),
    dual,
    order,
  });
  return { x, c, opt };
}

describe('ConstrainedOptimizer follows the float64 reference dynamics', () => {
  for (const order of ['dualPrimal', 'simultaneous'] as const) {
    it(`${order}: the 1-D toy on tensors tracks simulateToyKkt (νPI κ_p = 5 and GA)`, () => {
      for (const make of [() => new NuPI({ lr: 1, ki: 0.5, kp: 5 }), () => new GradientAscent({ lr: 0.5 })]) {
        const { x, c, opt } = toy(order, make());
        const ref = simulateToyKkt({ dual: make(), steps: 150, order });
        for (let t = 0; t < 150; t++) {
          const out = opt.roll();
          expect(out.violations.c!.values[0]).toBeCloseTo(ref.g[t]!, 5);
          out.dispose();
          expect(c.multiplier.value[0]).toBeCloseTo(ref.lambda[t + 1]!, 4);
        }
        expect(readHost(x)[0]).toBeCloseTo(ref.x[150]!, 4);
        x.dispose();
      }
    });
  }
});

describe('roll semantics', () => {
  it('dualPrimal uses λ_{t+1} in the primal step, simultaneous uses λ_t (one step by hand)', () => {
    for (const order of ['dualPrimal', 'simultaneous'] as const) {
      const { x, opt } = toy(order, new NuPI({ lr: 1, ki: 0.5 }));
      opt.roll().dispose();
      // g(0) = −1 ⇒ λ₁ = max(0, −.5) = 0 either way; from x₀ = 0: x₁ = 0 − .05(0 − 2 + 0) = .1.
      expect(readHost(x)[0]).toBeCloseTo(0.1, 6);
      x.assign(tf.tensor1d([3]));
      const out = opt.roll();
      // g(3) = 2 ⇒ λ₂ = 1; dualPrimal: x = 3 − .05(1 + 1) = 2.9; simultaneous: 3 − .05(1 + 0) = 2.95.
      expect(readHost(x)[0]).toBeCloseTo(order === 'dualPrimal' ? 2.9 : 2.95, 5);
      expect(out.dualLagrangian).toBe(0); // λ_t·g before the step
      expect(out.multipliers.c![0]).toBe(1);
      expect(readHost(out.loss!)[0]).toBeCloseTo(0.5, 6);
      expect(readHost(out.primalLagrangian)[0]).toBeCloseTo(order === 'dualPrimal' ? 2.5 : 0.5, 5);
      out.dispose();
      x.dispose();
    }
  });

  it('primalDual measures g at x_{t+1} with computeViolations (no loss allowed there)', () => {
    const x = tf.variable(tf.tensor1d([3]), true);
    const c = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(1),
    });
    let violationsCalls = 0;
    const problem = defineProblem({
      constraints: { c },
      computeState: () => toyState(x),
      computeViolations: () => {
        violationsCalls++;
        return { constraints: { c: { violation: tf.sub(x, 1) } } };
      },
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.05 }),
      dual: new GradientAscent({ lr: 1 }),
      order: 'primalDual',
    });
    opt.roll().dispose();
    // x₁ = 3 − .05·1 = 2.95, λ₁ = g(x₁) = 1.95.
    expect(readHost(x)[0]).toBeCloseTo(2.95, 6);
    expect(c.multiplier.value[0]).toBeCloseTo(1.95, 6);
    expect(violationsCalls).toBe(1);
    x.dispose();
  });

  it('proxy constraints: the primal step differentiates `violation`, the dual step uses `strictViolation`', () => {
    const x = tf.variable(tf.tensor1d([0]), true);
    const c = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(1, { init: 2 }),
    });
    const problem = defineProblem({
      constraints: { c },
      // Surrogate 3x (gradient 3), strict value 0.25 (non-differentiable, on the host).
      computeState: () => ({ constraints: { c: { violation: tf.mul(3, x), strictViolation: [0.25] } } }),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.1 }),
      dual: new GradientAscent({ lr: 1 }),
      order: 'simultaneous',
    });
    const out = opt.roll();
    expect(readHost(x)[0]).toBeCloseTo(-0.6, 6); // 0 − .1·(λ₀ = 2)·3
    expect(c.multiplier.value[0]).toBe(2.25);
    expect(out.dualLagrangian).toBe(0.5);
    out.dispose();
    x.dispose();
  });

  it('contribution flags: a dual-only state leaves x alone; a primal-only state leaves λ alone', () => {
    const x = tf.variable(tf.tensor1d([2]), true);
    const c = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(1),
    });
    let flags = { contributesToPrimal: false, contributesToDual: true };
    const problem = defineProblem({
      constraints: { c },
      computeState: () => ({ constraints: { c: { violation: tf.sub(x, 1), ...flags } } }),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.1 }),
      dual: new GradientAscent({ lr: 1 }),
    });
    opt.roll().dispose();
    expect(readHost(x)[0]).toBe(2);
    expect(c.multiplier.value[0]).toBe(1);
    flags = { contributesToPrimal: true, contributesToDual: false };
    opt.roll().dispose();
    expect(readHost(x)[0]).toBeCloseTo(1.9, 6);
    expect(c.multiplier.value[0]).toBe(1);
    x.dispose();
  });

  it('indexed multipliers: only observed entries move; repeated indices sum their errors', () => {
    const x = tf.variable(tf.tensor1d([1]), true);
    const c = defineConstraint({
      kind: 'equality',
      formulation: 'lagrangian',
      multiplier: indexedMultiplier(4),
    });
    const problem = defineProblem({
      constraints: { c },
      computeState: (idx: Int32Array) => ({
        constraints: {
          c: { violation: tf.mul(x, tf.tensor1d(Array.from(idx, (i) => i + 1))), indices: idx },
        },
      }),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0 }),
      dual: new NuPI({ lr: 1, ki: 1, kp: 1 }),
    });
    opt.roll(Int32Array.of(2, 0, 2)).dispose();
    // Errors: index 2 → 3 + 3 = 6 (coalesced), index 0 → 1; sgd init: pure GA.
    expect(Array.from(c.multiplier.value)).toEqual([1, 0, 6, 0]);
    opt.roll(Int32Array.of(2)).dispose();
    // ξ₂ = 6 after the first observation; now e = 3: Δ = 3 + (3 − 6) = 0.
    expect(Array.from(c.multiplier.value)).toEqual([1, 0, 6, 0]);
    x.dispose();
  });

  it('implicit multiplier with one-hot features and SGD ascent reproduces an indexed multiplier with GA', () => {
    const rng = [1, 3, 0, 2, 3, 1, 0, 0, 2];
    const run = (implicit: boolean) => {
      const x = tf.variable(tf.tensor1d([0.5, -0.5]), true);
      const w = tf.variable(tf.zeros([4, 1]), true);
      const multiplier = implicit
        ? implicitMultiplier({
            kind: 'inequality',
            params: { w },
            forward: (p, f) => tf.matMul(f, p.w!).reshape([-1]),
            optimizer: new SGD({ lr: 0.3 }),
            project: (p) => p.w!.assign(tf.relu(p.w!)),
          })
        : indexedMultiplier(4);
      const c = defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier });
      const problem = defineProblem({
        constraints: { c },
        computeState: (i: number) => ({
          loss: tf.sum(tf.square(tf.sub(x, 1))),
          constraints: {
            c: {
              violation: tf.sub(tf.sum(tf.mul(x, tf.tensor1d([i + 1, 1]))).reshape([1]), 1),
              ...(implicit
                ? { features: tf.oneHot(tf.tensor1d([i], 'int32'), 4).toFloat() }
                : { indices: Int32Array.of(i) }),
            },
          },
        }),
      });
      const opt = new ConstrainedOptimizer({
        problem,
        params: { x },
        primal: new SGD({ lr: 0.1 }),
        ...(implicit ? {} : { dual: new GradientAscent({ lr: 0.3 }) }),
      });
      for (const i of rng) opt.roll(i).dispose();
      const out = {
        x: Array.from(readHost(x)),
        lam: implicit ? Array.from(readHost(w)) : Array.from((multiplier as { value: Float64Array }).value),
      };
      tf.dispose([x, w]);
      return out;
    };
    const a = run(true);
    const b = run(false);
    expect(b.lam.some((v) => v > 0)).toBe(true);
    expectAllClose(a.lam, b.lam, { atol: 1e-5 });
    expectAllClose(a.x, b.x, { atol: 1e-5 });
  });

  it('augmented Lagrangian, penalty-scaled dual error, primalDual: the method of multipliers on min x²+y² s.t. x+y = 1 (Cooper #80)', () => {
    const v = tf.variable(tf.zeros([2]), true);
    const c = defineConstraint({
      kind: 'equality',
      formulation: 'augmentedLagrangian',
      multiplier: denseMultiplier(1),
      penalty: penaltyCoefficient(2),
      dualError: 'penaltyScaled',
    });
    const problem = defineProblem({
      constraints: { c },
      computeState: () => ({
        loss: tf.sum(tf.square(v)),
        constraints: { c: { violation: tf.sub(tf.sum(v), 1).reshape([1]) } },
      }),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { v },
      primal: new SGD({ lr: 0.1 }),
      dual: new GradientAscent({ lr: 1 }),
      order: 'primalDual',
    });
    for (let t = 0; t < 300; t++) opt.roll().dispose();
    expectAllClose(readHost(v), [0.5, 0.5], { atol: 1e-4 });
    expect(c.multiplier.value[0]).toBeCloseTo(-1, 4); // 2x + μ = 0 at x = ½
    v.dispose();
  });

  it('quadratic penalty with a multiplicative updater: no dual optimizer, c grows while violated', () => {
    const x = tf.variable(tf.tensor1d([0]), true);
    const pen = penaltyCoefficient(1);
    const c = defineConstraint({ kind: 'inequality', formulation: 'quadraticPenalty', penalty: pen });
    const problem = defineProblem({
      constraints: { c },
      computeState: () => toyState(x),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.05 }),
      penaltyUpdater: new MultiplicativePenaltyUpdater({ growthFactor: 1.05 }),
    });
    for (let t = 0; t < 400; t++) opt.roll().dispose();
    expect(pen.value[0]).toBeGreaterThan(10);
    // x* of ½(x−2)² + ½c(x−1)² is (2 + c)/(1 + c) → 1 as c grows.
    expect(readHost(x)[0]).toBeCloseTo((2 + pen.value[0]!) / (1 + pen.value[0]!), 2);
    x.dispose();
  });

  it('primal groups: each optimizer updates only its parameters', () => {
    const a = tf.variable(tf.tensor1d([1]), true);
    const b = tf.variable(tf.tensor1d([1]), true);
    const c = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(1),
    });
    const problem = defineProblem({
      constraints: { c },
      computeState: () => ({
        loss: tf.add(tf.sum(tf.square(a)), tf.sum(tf.square(b))),
        constraints: { c: { violation: tf.sub(a, 5) } },
      }),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { a, b },
      primal: [
        { optimizer: new SGD({ lr: 0.1 }), params: ['a'] },
        { optimizer: new SGD({ lr: 0.2 }), params: ['b'] },
      ],
      dual: new GradientAscent({ lr: 1 }),
    });
    opt.roll().dispose();
    expect(readHost(a)[0]).toBeCloseTo(0.8, 6);
    expect(readHost(b)[0]).toBeCloseTo(0.6, 6);
    tf.dispose([a, b]);
  });
});
