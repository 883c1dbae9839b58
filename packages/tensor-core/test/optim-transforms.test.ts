import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  afterStep,
  chain,
  groupOptimizers,
  initBackend,
  multiTransform,
  Optimizer,
  PaperkitInputError,
  SGD,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  traceMomentum,
  wrapOptimizer,
} from '../src/index.js';
import { expectBitIdentical, expectNoLeak } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

const vec = (xs: number[]) => tf.tidy(() => tf.variable(tf.tensor1d(xs)));

/** loss = Σ ½ c_i (x_i − 1)² over two parameters. */
function twoParams() {
  const a = vec([0.5, -1, 2]);
  const b = vec([1.5, 0.25]);
  const loss = () =>
    tf.tidy(
      () =>
        tf.add(
          tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), tf.square(tf.sub(a, 1)))),
          tf.sum(tf.mul(tf.tensor1d([4, 0.5]), tf.square(tf.sub(b, 1)))),
        ) as tf.Scalar,
    );
  return { a, b, loss, dispose: () => tf.dispose([a, b]) };
}

describe('transforms and chains', () => {
  it('stateless transforms leave no trace in saved state; stateful ones are keyed by kind', () => {
    const m = twoParams();
    const opt = new Optimizer({
      name: 'custom',
      lr: 0.1,
      transform: chain(
        scale(2),
        traceMomentum({ momentum: 0.5 }),
        scaleByAdam(),
        scaleByLearningRate(),
        scaleByAdam(),
      ),
    });
    opt.minimize(m.loss, { a: m.a, b: m.b }).dispose();
    const s = opt.getState();
    expect(Object.keys(s.transform.children!)).toEqual(['traceMomentum', 'scaleByAdam', 'scaleByAdam#2']);
    expect(Object.keys(s.transform.children!.scaleByAdam!.params!.a!.slots!)).toEqual(['m', 'v']);
    expect(s.transform.children!.scaleByAdam!.params!.b!.counters).toEqual({ t: 1 });
    expect(s.transform.children!.scaleByAdam!.options).toEqual({ beta1: 0.9, beta2: 0.999, amsgrad: false });
    expect(s.params).toEqual({ a: [3], b: [2] });
    opt.dispose();
    m.dispose();
  });

  it('Adam counts steps per parameter, as PyTorch does: a first gradient at step 2 gets t = 1', () => {
    const a = vec([1, 1]);
    const b = vec([3, -3]);
    const opt = new Adam({ lr: 0.1 });
    const g = tf.tensor1d([0.5, -2]);
    opt.step({ a, b }, { a: g });
    opt.step({ a, b }, { a: g, b: g });
    // t = 1 for b: m̂ = g, v̂ = g², step = lr·g/(|g| + ε) = ±0.1 (to float32).
    const got = Array.from(b.dataSync());
    expect(got[0]).toBeCloseTo(2.9, 6);
    expect(got[1]).toBeCloseTo(-2.9, 6);
    expect(opt.getState().transform.children!.scaleByAdam!.params!.b!.counters).toEqual({ t: 1 });
    tf.dispose([a, b, g]);
    opt.dispose();
  });

  it('checks transforms and configs: unknown options are errors, not silently ignored', () => {
    expect(() => new Adam({ lr: 0.1, weight_decay: 0.1 } as never)).toThrow(
      /config\.weight_decay must be a known option/,
    );
    expect(() => new SGD({ lr: 0.1, hooks: {} } as never)).toThrow(/config\.hooks must be a known option/);
    expect(() => chain({} as never)).toThrow(/transforms\[0\] must be a gradient transformation/);
    expect(() => new Optimizer({ name: '', lr: 1, transform: scale(1) })).toThrow(
      /name must be a non-empty string/,
    );
    expect(() => new Adam(null as never)).toThrow(PaperkitInputError);
    expect(() => scale(Number.NaN)).toThrow(/factor must be a finite number/);
  });

  it('step rejects disposed parameters and gradients by name', () => {
    const x = vec([1]);
    const g = tf.tensor1d([1]);
    const opt = new SGD({ lr: 0.1 });
    g.dispose();
    expect(() => opt.step({ x }, { x: g })).toThrow(/grads\.x must be a live tensor/);
    const h = tf.tensor1d([1]);
    x.dispose();
    expect(() => opt.step({ x }, { x: h })).toThrow(/params\.x must be a live tf\.Variable/);
    h.dispose();
  });

  it('a parameter that changes shape between steps is an error, not a broadcast', () => {
    const opt = new Adam({ lr: 0.1 });
    const x = vec([1, 2]);
    const y = vec([1, 2, 3]);
    opt.minimize(() => tf.sum(tf.square(x)) as tf.Scalar, { x }).dispose();
    expect(() => opt.minimize(() => tf.sum(tf.square(y)) as tf.Scalar, { x: y })).toThrow(
      /params\.x must be a tensor of shape \[2\] \(the shape this optimizer's state was built for\)/,
    );
    tf.dispose([x, y]);
    opt.dispose();
  });
});

describe('the one wrapping pattern', () => {
  it('a wrapper takes over the wrapped optimizer’s state: wrap after 3 steps = never wrapped', () => {
    const m1 = twoParams();
    const m2 = twoParams();
    const plain = new AdamW({ lr: 0.05, weightDecay: 0.1 });
    const inner = new AdamW({ lr: 0.05, weightDecay: 0.1 });
    for (let i = 0; i < 3; i++) {
      plain.minimize(m1.loss, { a: m1.a, b: m1.b }).dispose();
      inner.minimize(m2.loss, { a: m2.a, b: m2.b }).dispose();
    }
    let seen = 0;
    const wrapped = wrapOptimizer(
      inner,
      (t) =>
        chain(
          t,
          afterStep('count', () => void seen++),
        ),
      'counted',
    );
    expect(wrapped.iterations).toBe(3);
    for (let i = 0; i < 4; i++) {
      plain.minimize(m1.loss, { a: m1.a, b: m1.b }).dispose();
      wrapped.minimize(m2.loss, { a: m2.a, b: m2.b }).dispose();
    }
    expect(seen).toBe(4);
    expectBitIdentical(m2.a.dataSync(), m1.a.dataSync());
    expectBitIdentical(m2.b.dataSync(), m1.b.dataSync());
    // The wrapped instance is spent.
    expect(() => inner.minimize(m2.loss, { a: m2.a, b: m2.b })).toThrow(
      /optimizer must be an optimizer that was not wrapped \(its state now lives in "counted"/,
    );
    expect(() => wrapOptimizer(inner, (t) => t)).toThrow(
      /optimizer must be an optimizer not wrapped already/,
    );
    inner.dispose();
    wrapped.dispose();
    plain.dispose();
    m1.dispose();
    m2.dispose();
  });

  it('stateOf finds a transform’s state; dispose frees it and the optimizer can start afresh', async () => {
    const m = twoParams();
    const adam = scaleByAdam();
    const opt = new Optimizer({ name: 'mine', lr: 0.1, transform: chain(adam, scaleByLearningRate()) });
    const base = tf.memory().numTensors;
    opt.minimize(m.loss, { a: m.a, b: m.b }).dispose();
    expect(opt.stateOf(adam)!.hasSlot('a', 'v')).toBe(true);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(base);
    expect(opt.stateOf(adam)!.hasSlot('a', 'v')).toBe(false);
    await expectNoLeak(() => opt.minimize(m.loss, { a: m.a, b: m.b }).dispose(), 4);
    opt.dispose();
    m.dispose();
  });
});

describe('multiTransform and groupOptimizers', () => {
  it('grouped optimizers take exactly the steps of separate optimizers, with one state', () => {
    const m1 = twoParams();
    const m2 = twoParams();
    const sgd = new SGD({ lr: 0.05, momentum: 0.9 });
    const adam = new Adam({ lr: (s) => 0.1 / (1 + s) });
    const grouped = groupOptimizers([
      { optimizer: new SGD({ lr: 0.05, momentum: 0.9 }), params: ['a'] },
      { optimizer: new Adam({ lr: (s) => 0.1 / (1 + s) }), params: ['b'] },
    ]);
    for (let i = 0; i < 6; i++) {
      const v1 = { a: m1.a, b: m1.b };
      const { value, grads } = tf.tidy(() => {
        const r = tf.variableGrads(m1.loss, [m1.a, m1.b]);
        return { value: r.value, grads: { a: r.grads[m1.a.name]!, b: r.grads[m1.b.name]! } };
      });
      sgd.step(v1, { a: grads.a });
      // The Adam group skips step 2, like a separate optimizer that got no gradient.
      if (i !== 2) adam.step(v1, { b: grads.b });
      tf.dispose([value, grads.a, grads.b]);
      const { value: v2, grads: g2 } = tf.tidy(() => {
        const r = tf.variableGrads(m2.loss, [m2.a, m2.b]);
        return { value: r.value, grads: { a: r.grads[m2.a.name]!, b: r.grads[m2.b.name]! } };
      });
      grouped.step({ a: m2.a, b: m2.b }, i === 2 ? { a: g2.a } : g2);
      tf.dispose([v2, g2.a, g2.b]);
    }
    expectBitIdentical(m2.a.dataSync(), m1.a.dataSync());
    expectBitIdentical(m2.b.dataSync(), m1.b.dataSync());
    expect(grouped.getState().transform.counters).toEqual({ group0: 6, group1: 5 });
    sgd.dispose();
    adam.dispose();
    grouped.dispose();
    m1.dispose();
    m2.dispose();
  });

  it('a second learning rate for one group; every parameter must be in exactly one group', () => {
    const m = twoParams();
    const opt = new Optimizer({
      name: 'twoRates',
      lr: 0.1,
      transform: multiTransform({
        main: { params: ['a'], transform: scaleByLearningRate() },
        slow: { params: (n) => n === 'b', transform: scaleByLearningRate(), lr: 0.01 },
      }),
    });
    const a0 = Array.from(m.a.dataSync());
    const b0 = Array.from(m.b.dataSync());
    opt.minimize(m.loss, { a: m.a, b: m.b }).dispose();
    // g_a = 2·c·(a − 1) = (−1, −8, 6); g_b = (4, −0.75).
    const a1 = Array.from(m.a.dataSync());
    const b1 = Array.from(m.b.dataSync());
    expect(a1[1]! - a0[1]!).toBeCloseTo(0.8, 5);
    expect(b1[0]! - b0[0]!).toBeCloseTo(-0.04, 6);
    const c = vec([0]);
    expect(() => opt.step({ a: m.a, b: m.b, c }, { c })).toThrow(
      /grads\.c must be a parameter of one group \(main, slow\)/,
    );
    expect(() => multiTransform({ x: { params: 'a' as never, transform: scale(1) } })).toThrow(
      /groups\.x\.params must be an array of parameter names or a predicate/,
    );
    expect(() =>
      groupOptimizers([
        { optimizer: new SGD({ lr: 1 }), params: ['a'] },
        { optimizer: new SGD({ lr: 1 }), params: ['a'] },
      ]),
    ).toThrow(/groups\[1\]\.params must be a name not already in groups\[0\]/);
    c.dispose();
    opt.dispose();
    m.dispose();
  });
});
