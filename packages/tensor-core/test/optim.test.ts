import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  afterStep,
  chain,
  clipByGlobalNorm,
  groupOptimizers,
  initBackend,
  Momentum,
  mapGradients,
  SGD,
  warmupCosineSchedule,
  wrapOptimizer,
} from '../src/index.js';
import { expectNoLeak, optimizerConformance } from '../src/testing/index.js';

const setup = () => initBackend({ prefer: 'cpu', blas: 'off' });
beforeAll(setup);

async function trajectory(opt: SGD | Adam, steps: number): Promise<number[]> {
  // loss = p², gradient 2p, from p = 1.
  const p = tf.tidy(() => tf.variable(tf.scalar(1)));
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => tf.square(p) as tf.Scalar, { p }).dispose();
    out.push((await p.data())[0]!);
  }
  p.dispose();
  opt.dispose();
  return out;
}

describe('Adam / AdamW match PyTorch on hand-computed steps', () => {
  it('Adam: p ← p − lr·m̂/(√v̂ + ε), ε outside the root', async () => {
    const ps = await trajectory(new Adam({ lr: 0.1 }), 3);
    // Values computed by hand from the update equations (float64), compared at float32 precision.
    expect(ps[0]).toBeCloseTo(0.9000000005, 6);
    expect(ps[1]).toBeCloseTo(0.8004122286917927, 6);
    expect(ps[2]).toBeCloseTo(0.7015862729460302, 6);
  });

  it('AdamW: decoupled decay p·(1 − lr·wd) with the gradient taken at the old p', async () => {
    const ps = await trajectory(new AdamW({ lr: 0.1, weightDecay: 0.1 }), 3);
    expect(ps[0]).toBeCloseTo(0.8900000005, 6);
    expect(ps[1]).toBeCloseTo(0.7815718559365048, 6);
    expect(ps[2]).toBeCloseTo(0.6751012216400698, 6);
  });

  it('Adam with coupled weight decay equals Adam on the gradient g + wd·p', async () => {
    // loss p² with wd = 2 has gradient 2p + 2p = 4p: the same as Adam on 2p².
    const a = await trajectory(new Adam({ lr: 0.05, weightDecay: 2 }), 4);
    const p = tf.tidy(() => tf.variable(tf.scalar(1)));
    const opt = new Adam({ lr: 0.05 });
    const b: number[] = [];
    for (let i = 0; i < 4; i++) {
      opt.minimize(() => tf.mul(2, tf.square(p)) as tf.Scalar, { p }).dispose();
      b.push((await p.data())[0]!);
    }
    p.dispose();
    opt.dispose();
    expect(a).toEqual(b);
  });
});

describe('SGD momentum follows PyTorch (b₁ = g₁)', () => {
  it('heavy ball', async () => {
    // p1 = 1 − 0.1·2 = 0.8; b2 = 0.9·2 + 1.6 = 3.4; p2 = 0.8 − 0.34 = 0.46
    const ps = await trajectory(new Momentum({ lr: 0.1, momentum: 0.9 }), 2);
    expect(ps[0]).toBeCloseTo(0.8, 6);
    expect(ps[1]).toBeCloseTo(0.46, 6);
  });
  it('nesterov', async () => {
    // step 1: b = 2, g' = 2 + 0.9·2 = 3.8, p = 0.62; step 2: g = 1.24, b = 1.8 + 1.24 = 3.04, g' = 1.24 + 2.736 = 3.976
    const ps = await trajectory(new Momentum({ lr: 0.1, momentum: 0.9, nesterov: true }), 2);
    expect(ps[0]).toBeCloseTo(0.62, 6);
    expect(ps[1]).toBeCloseTo(0.62 - 0.3976, 6);
  });
});

describe('hooks, clipping, schedules', () => {
  it('a hook attached to an existing optimizer sees the full update and can transform it', async () => {
    const seen: number[] = [];
    const p = tf.tidy(() => tf.variable(tf.scalar(1)));
    const opt = wrapOptimizer(new SGD({ lr: 0.5 }), (inner) =>
      chain(
        inner,
        mapGradients('double', (u) => {
          seen.push(u.p!.dataSync()[0]!);
          return { p: tf.mul(u.p!, 2) };
        }),
      ),
    );
    await expectNoLeak(() => opt.minimize(() => tf.square(p) as tf.Scalar, { p }).dispose());
    expect(seen).toEqual([1]);
    expect((await p.data())[0]).toBeCloseTo(-1, 6);
    p.dispose();
  });

  it('clips to the global norm over all tensors', async () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: c, norm } = clipByGlobalNorm(grads, 1);
    expect((await norm.data())[0]).toBeCloseTo(5, 5);
    expect(Array.from(await c.a!.data())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(await c.b!.data())[1]).toBeCloseTo(0.8, 5);
    tf.dispose([grads.a, grads.b, c.a!, c.b!, norm]);
  });

  it('warmup + cosine hits peak after warmup and minLr at the end', () => {
    const s = warmupCosineSchedule({ peak: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
    expect(s(0)).toBeCloseTo(0.1);
    expect(s(9)).toBeCloseTo(1);
    expect(s(60)).toBeCloseTo(0.55);
    expect(s(110)).toBeCloseTo(0.1);
    expect(() => warmupCosineSchedule({ peak: 1, warmupSteps: 20, totalSteps: 10 })).toThrow(
      /warmupSteps must be an integer <= totalSteps/,
    );
  });

  it('state is keyed by name: a different gradient order does not mix moments', async () => {
    const a = tf.variable(tf.scalar(1));
    const b = tf.variable(tf.scalar(-3));
    const o1 = new Adam({ lr: 0.1 });
    o1.step({ a, b }, { a: tf.scalar(1), b: tf.scalar(-5) });
    o1.step({ a, b }, { b: tf.scalar(-5), a: tf.scalar(1) });
    const adam = o1.getState().transform.children!.scaleByAdam!.params!;
    expect(adam.a!.slots!.m!.data[0]).toBeCloseTo(0.19, 6);
    expect(adam.b!.slots!.m!.data[0]).toBeCloseTo(-0.95, 6);
    tf.dispose([a, b]);
    o1.dispose();
  });

  it('rejects gradients for unknown parameters or of the wrong shape', () => {
    const a = tf.variable(tf.zeros([2]));
    const opt = new SGD({ lr: 0.1 });
    const g = tf.zeros([3]);
    expect(() => opt.step({ a }, { b: g })).toThrow(/grads.b must be a gradient for a known parameter/);
    expect(() => opt.step({ a }, { a: g })).toThrow(/grads.a must be a tensor of shape \[2\]/);
    tf.dispose([a, g]);
  });
});

optimizerConformance('SGD', {
  setup,
  quadratic: { create: () => new SGD({ lr: 0.15 }), steps: 200, tol: 1e-3 },
  rosenbrock: { create: () => new SGD({ lr: 1.5e-3 }), steps: 6000, tol: 0.1 },
  invalid: [
    { create: () => new SGD({ lr: -1 }), message: /lr must be a finite number >= 0/ },
    { create: () => new SGD({ lr: 0.1, momentum: 1 }), message: /momentum must be a number in \[0, 1\)/ },
    {
      create: () => new SGD({ lr: 0.1, nesterov: true }),
      message: /nesterov must be used only with momentum > 0/,
    },
  ],
});

optimizerConformance('Momentum', {
  setup,
  quadratic: { create: () => new Momentum({ lr: 0.05, momentum: 0.9 }), steps: 200, tol: 1e-3 },
  rosenbrock: { create: () => new Momentum({ lr: 1e-3, momentum: 0.9 }), steps: 1500, tol: 0.05 },
  invalid: [
    {
      create: () => new Momentum({ lr: 0.1, momentum: 0 }),
      message: /momentum must be a number in \(0, 1\)/,
    },
  ],
});

optimizerConformance('Adam', {
  setup,
  quadratic: { create: () => new Adam({ lr: 0.1 }), steps: 400, tol: 1e-2 },
  rosenbrock: { create: () => new Adam({ lr: 0.02 }), steps: 2000, tol: 0.05 },
  invalid: [
    { create: () => new Adam({ lr: 0.1, beta1: 1 }), message: /beta1 must be a number in \[0, 1\)/ },
    { create: () => new Adam({ lr: 0.1, eps: 0 }), message: /eps must be a finite number > 0/ },
    { create: () => new Adam({ lr: Number.NaN }), message: /lr must be a finite number >= 0/ },
  ],
});

optimizerConformance('AdamW', {
  setup,
  quadratic: { create: () => new AdamW({ lr: 0.1, weightDecay: 0 }), steps: 400, tol: 1e-2 },
  rosenbrock: { create: () => new AdamW({ lr: 0.02, weightDecay: 0 }), steps: 2000, tol: 0.05 },
  invalid: [
    {
      create: () => new AdamW({ lr: 0.1, weightDecay: -1 }),
      message: /weightDecay must be a finite number >= 0/,
    },
  ],
});

optimizerConformance('groupOptimizers (Adam on one group)', {
  setup,
  quadratic: {
    create: () => groupOptimizers([{ optimizer: new Adam({ lr: 0.1 }), params: ['x'] }]),
    steps: 400,
    tol: 1e-2,
  },
  rosenbrock: {
    create: () => groupOptimizers([{ optimizer: new Adam({ lr: 0.02 }), params: ['x'] }]),
    steps: 2000,
    tol: 0.05,
  },
  invalid: [
    { create: () => groupOptimizers([]), message: /groups must be a non-empty array/ },
    {
      create: () => groupOptimizers([{ optimizer: {} as never, params: ['x'] }]),
      message: /groups\[0\]\.optimizer must be a tensor-core Optimizer/,
    },
  ],
});

optimizerConformance('wrapOptimizer (Momentum with a projection after each step)', {
  setup,
  quadratic: {
    create: () =>
      wrapOptimizer(new Momentum({ lr: 0.05, momentum: 0.9 }), (t) =>
        chain(
          t,
          afterStep('box', (p) => p.x!.assign(tf.clipByValue(p.x!, -20, 20))),
        ),
      ),
    steps: 200,
    tol: 1e-3,
  },
  rosenbrock: {
    create: () =>
      wrapOptimizer(new Momentum({ lr: 1e-3, momentum: 0.9 }), (t) =>
        chain(
          t,
          afterStep('box', (p) => p.x!.assign(tf.clipByValue(p.x!, -20, 20))),
        ),
      ),
    steps: 1500,
    tol: 0.05,
  },
  invalid: [
    {
      create: () => wrapOptimizer({} as never, (t) => t),
      message: /optimizer must be a tensor-core Optimizer/,
    },
  ],
});
