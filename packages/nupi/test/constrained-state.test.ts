import { Adam, initBackend, SGD } from '@paperkit/tensor-core';
import { expectNoLeak, readHost } from '@paperkit/tensor-core/testing';
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
  PIDLagrangian,
  penaltyCoefficient,
  type UpdateOrder,
} from '../src/index.js';
import { linearProblem, variable } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('no tensor leaks across rolls (every order, explicit and implicit multipliers)', () => {
  for (const order of ['dualPrimal', 'simultaneous', 'primalDual', 'extragradient'] as const) {
    it(order, async () => {
      await expectNoLeak(() => {
        const x = variable([0.5, -0.5]);
        const w = tf.tidy(() => tf.variable(tf.zeros([3, 1]), true));
        const feats = tf.eye(3);
        const lin = defineConstraint({
          kind: 'inequality',
          formulation: 'lagrangian',
          multiplier: denseMultiplier(2),
        });
        const imp = defineConstraint({
          kind: 'inequality',
          formulation: 'lagrangian',
          multiplier: implicitMultiplier({
            kind: 'inequality',
            params: { w },
            forward: (p, f) => tf.matMul(f, p.w!).reshape([-1]),
            optimizer: new Adam({ lr: 0.01 }),
            project: (p) => p.w!.assign(tf.relu(p.w!)),
          }),
        });
        const al = defineConstraint({
          kind: 'equality',
          formulation: 'augmentedLagrangian',
          multiplier: indexedMultiplier(3),
          penalty: penaltyCoefficient([1, 1, 1], { indexed: true }),
        });
        const problem = defineProblem({
          constraints: { lin, imp, al },
          computeState: () => ({
            loss: tf.sum(tf.square(tf.sub(x, 1))),
            constraints: {
              lin: { violation: tf.sub(x, 0.5), strictViolation: tf.sub(x, 0.4) },
              imp: { violation: tf.sub(tf.sum(x), tf.tensor1d([0, 1, 2])), features: feats },
              al: { violation: tf.sub(x.slice(0, 1), 0.2).tile([2]), indices: Int32Array.of(0, 2) },
            },
            misc: { norm: tf.norm(x) },
          }),
        });
        const opt = new ConstrainedOptimizer({
          problem,
          params: { x },
          primal: new Adam({ lr: 0.01 }),
          dual: { lin: new NuPI({ lr: 1, ki: 0.1, kp: 1 }), al: new NuPI({ lr: 1, ki: 0.1, kp: 1 }) },
          order,
          penaltyUpdater: new MultiplicativePenaltyUpdater(),
        });
        opt.roll().dispose(); // warm-up creates the optimizer slots
        const warm = tf.memory().numTensors;
        for (let t = 0; t < 5; t++) {
          const out = opt.roll();
          expect(out.misc.norm!.size).toBe(1);
          out.dispose();
        }
        expect(tf.memory().numTensors).toBe(warm);
        opt.dispose();
        tf.dispose([x, w, feats]);
      });
    });
  }
});

describe('resume equivalence (train N, save, continue to 2N = reload at N, continue to 2N)', () => {
  function build() {
    const x = variable([0.3, 0.4, 0.1]);
    const A = tf.tensor2d([
      [1, 1, 0],
      [0, 1, 1],
    ]);
    const lin = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(2),
    });
    const idx = defineConstraint({
      kind: 'inequality',
      formulation: 'augmentedLagrangian',
      multiplier: indexedMultiplier(3),
      penalty: penaltyCoefficient([1, 1, 1], { indexed: true }),
    });
    const problem = defineProblem({
      constraints: { lin, idx },
      computeState: (t: number) => ({
        loss: tf.sum(tf.square(tf.sub(x, 2))),
        constraints: {
          lin: { violation: tf.sub(tf.matMul(A, x.reshape([3, 1])).reshape([2]), 0.5) },
          idx: { violation: tf.sub(x.slice(t % 3, 1), 0.5), indices: Int32Array.of(t % 3) },
        },
      }),
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new Adam({ lr: 0.05 }),
      dual: (name) =>
        name === 'lin'
          ? new NuPI({ lr: 1, ki: 0.3, kp: 2, nu: 0.5 })
          : new PIDLagrangian({ kp: 1, ki: 0.2, kd: 0.5, delay: 2 }),
      order: 'dualPrimal',
      penaltyUpdater: new MultiplicativePenaltyUpdater({ growthFactor: 1.1 }),
    });
    const dispose = () => {
      opt.dispose();
      tf.dispose([x, A]);
    };
    return { x, opt, lin, idx, dispose };
  }

  it('is bit-identical, including multipliers, ξ buffers, PID buffers, penalties and Adam slots', async () => {
    const N = 25;
    const a = build();
    for (let t = 0; t < N; t++) a.opt.roll(t).dispose();
    const saved = JSON.parse(JSON.stringify(await a.opt.getState()));
    const xN = Array.from(readHost(a.x));
    for (let t = N; t < 2 * N; t++) a.opt.roll(t).dispose();
    const b = build();
    b.x.assign(tf.tensor1d(xN));
    b.opt.setState(saved);
    for (let t = N; t < 2 * N; t++) b.opt.roll(t).dispose();
    expect(readHost(b.x)).toEqual(readHost(a.x));
    expect(Array.from(b.lin.multiplier.value)).toEqual(Array.from(a.lin.multiplier.value));
    expect(Array.from(b.idx.multiplier.value)).toEqual(Array.from(a.idx.multiplier.value));
    expect(Array.from(b.idx.penalty.value)).toEqual(Array.from(a.idx.penalty.value));
    expect(b.opt.steps).toBe(2 * N);
    expect(await b.opt.getState()).toEqual(await a.opt.getState());
    expect(a.lin.multiplier.value.some((v) => v > 0)).toBe(true);
    expect(a.idx.multiplier.value.some((v) => v > 0)).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('getState() is synchronous plain data (it used to be a Promise that JSON.stringify wrote as {})', () => {
    const a = build();
    for (let t = 0; t < 3; t++) a.opt.roll(t).dispose();
    const s = a.opt.getState();
    expect(s).not.toBeInstanceOf(Promise);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.primal.optimizer).toBe('Adam');
    a.dispose();
  });

  it('rejects a bad state naming the field, and changes nothing', () => {
    const a = build();
    for (let t = 0; t < 5; t++) a.opt.roll(t).dispose();
    const good = JSON.parse(JSON.stringify(a.opt.getState()));
    const b = build();
    for (let t = 0; t < 2; t++) b.opt.roll(t).dispose();
    const before = JSON.stringify(b.opt.getState());
    // biome-ignore lint/suspicious/noExplicitAny: mutating deep fields of a JSON copy
    const variant = (change: (s: Record<string, any>) => void) => {
      const s = JSON.parse(JSON.stringify(good));
      change(s);
      return s;
    };
    const cases: [unknown, RegExp][] = [
      [null, /^state must be a ConstrainedOptimizer state/],
      [variant((s) => (s.format = 'paperkit.nupi.constrained-optimizer/1')), /^state\.format must be/],
      [variant((s) => (s.rolls = -2)), /^state\.rolls must be an integer >= 0/],
      [
        variant((s) => (s.multipliers.lin[1] = Number.NaN)),
        /^state\.multipliers\.lin\[1\] must be a finite number/,
      ],
      [variant((s) => (s.penalties.idx = [1, 2])), /^state\.penalties\.idx must be an array of 3 numbers/],
      [
        variant((s) => (s.dual.lin.buffers.xi[0] = Number.POSITIVE_INFINITY)),
        /^state\.buffers\.xi\[0\] must be a finite number/,
      ],
      [variant((s) => (s.dual.lin.steps = 1.5)), /^state\.steps must be an integer >= 0/],
      [variant((s) => (s.primal.t = -1)), /^state\.t must be an integer >= 0/],
      [
        variant((s) => (s.primal.transform.children.scaleByAdam.params.x.slots.v.data[0] = -1)),
        /slots\.v\.data\[0\] must be a number >= 0 \(a second moment\)/,
      ],
    ];
    for (const [bad, msg] of cases) {
      expect(() => b.opt.setState(bad as never)).toThrow(msg);
      expect(JSON.stringify(b.opt.getState())).toBe(before);
    }
    a.dispose();
    b.dispose();
  });
});

describe('parameter groups', () => {
  it('groups are one primal optimizer: separate learning rates and step counts, one state', () => {
    const a = variable([1, 2]);
    const b = variable([3]);
    const c = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(1),
    });
    const problem = defineProblem({
      constraints: { c },
      computeState: () => ({
        loss: tf.add(tf.sum(tf.square(a)), tf.sum(tf.square(b))),
        constraints: { c: { violation: tf.sub(tf.sum(a), 10) } },
      }),
    });
    const sgd = new SGD({ lr: 0.1, momentum: 0.5 });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { a, b },
      primal: [
        { optimizer: sgd, params: ['a'] },
        { optimizer: new Adam({ lr: 0.01 }), params: ['b'] },
      ],
      dual: new GradientAscent({ lr: 1 }),
    });
    for (let i = 0; i < 3; i++) opt.roll().dispose();
    const s = opt.getState().primal;
    expect(s.optimizer).toBe('PrimalGroups');
    expect(s.transform.counters).toEqual({ group0: 3, group1: 3 });
    expect(Object.keys(s.transform.children!)).toEqual(['group0', 'group1']);
    // The group optimizers are spent: their state lives in the combined one.
    expect(() => sgd.step({ a }, { a })).toThrow(/step that one/);
    opt.dispose();
    tf.dispose([a, b]);
  });
});

describe('bad input', () => {
  it('rejects invalid configurations with the parameter named', () => {
    const { problem, x, dispose } = linearProblem([[1, 1]], [-1], 'inequality');
    const base = { problem, params: { x }, primal: new SGD({ lr: 0.1 }) };
    expect(() => new ConstrainedOptimizer(base)).toThrow(/dual must be dual optimizers for 'lin'/);
    expect(
      () => new ConstrainedOptimizer({ ...base, dual: { other: new GradientAscent({ lr: 1 }) } as never }),
    ).toThrow(/dual must be a constraint with an explicit multiplier \(lin\); got "other"/);
    expect(() => new ConstrainedOptimizer({ ...base, dual: new NuPI({ lr: 1, kp: [1, 2] }) })).toThrow(
      /dual.lin must be a dual optimizer of size 1/,
    );
    expect(
      () =>
        new ConstrainedOptimizer({
          ...base,
          dual: new GradientAscent({ lr: 1 }),
          order: 'alternating' as UpdateOrder,
        }),
    ).toThrow(/order must be one of "simultaneous", "dualPrimal", "primalDual", "extragradient"/);
    expect(
      () =>
        new ConstrainedOptimizer({
          ...base,
          primal: [
            { optimizer: new SGD({ lr: 1 }), params: ['x'] },
            { optimizer: new SGD({ lr: 1 }), params: ['x'] },
          ],
          dual: new GradientAscent({ lr: 1 }),
        }),
    ).toThrow(/primal\[1\].params must be a name not already in primal\[0\]/);
    dispose();
    const eq = linearProblem([[1, 1]], [1], 'equality');
    expect(
      () =>
        new ConstrainedOptimizer({
          problem: eq.problem,
          params: { x: eq.x },
          primal: new SGD({ lr: 0.1 }),
          dual: new PIDLagrangian(),
        }),
    ).toThrow(/dual.lin must be an unprojected optimizer: equality multipliers are never clamped/);
    eq.dispose();
  });

  it('rejects malformed states with the field named (and strict indices without a strict violation, Cooper #70)', () => {
    const x = tf.variable(tf.tensor1d([1, 2]), true);
    const ix = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: indexedMultiplier(3),
    });
    const dn = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(2),
    });
    let state: Record<string, unknown> = {};
    const problem = defineProblem({
      constraints: { ix, dn },
      computeState: () => ({ constraints: state }) as never,
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.1 }),
      dual: () => new GradientAscent({ lr: 1 }),
    });
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ix: { violation: x } },
        /constraints.ix.indices must be an Int32Array \(indexed multiplier or penalty\)/,
      ],
      [
        { ix: { violation: x, indices: Int32Array.of(0, 3) } },
        /constraints.ix.indices\[1\] must be an index in \[0, 3\); got 3/,
      ],
      [{ ix: { violation: x, indices: Int32Array.of(0) } }, /constraints.ix.indices must be 2 indices/],
      [
        { ix: { violation: x, indices: Int32Array.of(0, 1), strictIndices: Int32Array.of(1) } },
        /constraints.ix.strictViolation must be given whenever strictIndices are given/,
      ],
      [{ dn: { violation: x, indices: Int32Array.of(0, 1) } }, /constraints.dn.indices must be absent/],
      [{ dn: { violation: tf.tensor1d([1, 2, 3]) } }, /constraints.dn.violation must be 2 entries/],
      [{ dn: { violation: x, strictViolation: [1] } }, /constraints.dn.strictViolation must be 2 entries/],
      [{ dn: { violation: [1, 2] } }, /constraints.dn.violation must be a float32 scalar or vector tensor/],
      [{ nope: { violation: x } }, /constraints must be a declared constraint \(ix, dn\); got "nope"/],
      [
        { dn: { violation: tf.mul(x, Number.NaN) } },
        /constraint 'dn': strict violation \[0\] is NaN at roll 0/,
      ],
    ];
    for (const [s, msg] of cases) {
      state = s;
      expect(() => opt.roll()).toThrow(msg);
    }
    x.dispose();
  });
});
