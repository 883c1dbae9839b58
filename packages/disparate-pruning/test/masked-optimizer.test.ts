import {
  Adam,
  AdamW,
  initBackend,
  type OptimizerState,
  PaperkitInputError,
  paramsFromLayersModel,
  Rng,
  SGD,
  toTfjsOptimizer,
} from '@paperkit/tensor-core';
import {
  expectBitIdentical,
  expectNoLeak,
  optimizerConformance,
  quadraticProblem,
} from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskedOptimizer, magnitudeMask, type PruningMaskOptions, prunedCount } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

// The toy problems have one parameter `x` of rank 1; a one-shot schedule at sparsity 0 gives it a mask
// (all kept) at the first step, so the saved state carries a mask through every conformance check.
const keepAll: PruningMaskOptions = {
  prunable: ['x'],
  schedule: { sparsity: 0, start: 0, end: 0, stepsPerEpoch: 1 },
};

optimizerConformance('MaskedOptimizer(Adam)', {
  setup: () => initBackend({ prefer: 'wasm', blas: 'off' }),
  quadratic: { create: () => new MaskedOptimizer(new Adam({ lr: 0.1 }), keepAll), steps: 300, tol: 1e-2 },
  rosenbrock: {
    create: () => new MaskedOptimizer(new Adam({ lr: 0.02 }), keepAll),
    steps: 3000,
    tol: 5e-2,
  },
  invalid: [
    { create: () => new MaskedOptimizer({} as never), message: /^inner must be a tensor-core Optimizer/ },
    {
      create: () => new MaskedOptimizer(new Adam({ lr: 0.1 }), { prunable: [] }),
      message: /^prunable must be a non-empty array of parameter names/,
    },
    {
      create: () => new MaskedOptimizer(new Adam({ lr: 0.1 }), { prunable: ['w', 'w'] }),
      message: /^prunable must be distinct parameter names/,
    },
    {
      create: () => new MaskedOptimizer(new Adam({ lr: 0.1 }), { sparsity: 0.5 } as never),
      message: /^options\.sparsity must be a known option \(prunable, schedule\)/,
    },
    {
      create: () =>
        new MaskedOptimizer(new Adam({ lr: 0.1 }), { schedule: { sparsity: 0.5, stepsPerEpoch: 0 } }),
      message: /^schedule\.stepsPerEpoch must be an integer >= 1; got 0/,
    },
    {
      create: () =>
        new MaskedOptimizer(new Adam({ lr: 0.1 }), { schedule: { sparsity: 1, stepsPerEpoch: 3 } }),
      message: /^sparsity must be a number in \[0, 1\); got 1/,
    },
  ],
});

optimizerConformance('MaskedOptimizer(SGD with momentum, decoupled-decay AdamW inside a GMP schedule)', {
  setup: () => initBackend({ prefer: 'wasm', blas: 'off' }),
  quadratic: {
    create: () => new MaskedOptimizer(new AdamW({ lr: 0.1, weightDecay: 0 }), keepAll),
    steps: 300,
    tol: 1e-2,
  },
  rosenbrock: {
    create: () => new MaskedOptimizer(new SGD({ lr: 1e-3, momentum: 0.9 }), keepAll),
    steps: 4000,
    tol: 5e-2,
  },
  invalid: [{ create: () => new MaskedOptimizer(new SGD({ lr: -1 })), message: /lr/ }],
});

/** The 10-d quadratic's loss and a variable at its start (0). */
function quadratic() {
  const p = quadraticProblem();
  const x = tf.variable(tf.zeros([10]));
  return { p, x, loss: () => p.loss(x) };
}

describe('MaskedOptimizer', () => {
  it('converges to the minimiser restricted to the kept coordinates (a separable quadratic: c there, 0 elsewhere)', () => {
    const { p, x, loss } = quadratic();
    const opt = new MaskedOptimizer(new Adam({ lr: 0.1 }), { prunable: ['x'] });
    tf.tidy(() => x.assign(tf.tensor1d([0.9, -2.1, 0.1, -0.2, 5.2, 0.3, 6.8, -0.05, 9, -10])));
    // Magnitude pruning at 0.5 drops the five smallest |x|: indices 2, 3, 5, 7 and 0.
    expect(opt.prune({ x }, 0.5)).toEqual({ overall: 0.5, layers: { x: 0.5 } });
    expect(Array.from(opt.masks().x!)).toEqual([0, 1, 0, 0, 1, 0, 1, 0, 1, 1]);
    for (let t = 0; t < 400; t++) opt.minimize(loss, { x }).dispose();
    const got = x.dataSync();
    const keep = opt.masks().x!;
    for (let i = 0; i < 10; i++)
      if (keep[i] === 0)
        expect(got[i] === 0).toBe(true); // ±0
      else expect(Math.abs(got[i]! - p.solution[i]!)).toBeLessThan(1e-2);
    // Pruned before any step: Adam never saw a gradient there, so its moments are exactly 0.
    const adam = opt.getState().transform.children!.inner!.children!.scaleByAdam!;
    const m = adam.params!.x!.slots!.m!.data;
    const v = adam.params!.x!.slots!.v!.data;
    keep.forEach((k, i) => {
      if (k === 0) expect([m[i], v[i]]).toEqual([0, 0]);
    });
    opt.dispose();
    x.dispose();
  });

  it('without a mask it takes exactly the inner optimizer’s steps, bit for bit', () => {
    const a = quadratic();
    const b = quadratic();
    const plain = new Adam({ lr: 0.05, weightDecay: 1e-2 });
    const masked = new MaskedOptimizer(new Adam({ lr: 0.05, weightDecay: 1e-2 }));
    for (let t = 0; t < 20; t++) {
      plain.minimize(a.loss, { x: a.x }).dispose();
      masked.minimize(b.loss, { x: b.x }).dispose();
    }
    expectBitIdentical(b.x.dataSync(), a.x.dataSync());
    expect(masked.sparsity()).toEqual({ overall: 0, layers: {} });
    tf.dispose([a.x, b.x]);
    plain.dispose();
    masked.dispose();
  });

  it('keeps the kept coordinates’ numbers exactly those of the inner optimizer on the masked problem', () => {
    // Pruned entries are 0 in the weights; the masked step equals the inner step on the gradient
    // with those entries zeroed, then re-masked (decoupled decay cannot revive them).
    const a = quadratic();
    const b = quadratic();
    const start = tf.tensor1d([1, -2, 0.1, 4, -0.2, 6, 7, -0.3, 9, 10]);
    a.x.assign(start);
    b.x.assign(start);
    const masked = new MaskedOptimizer(new AdamW({ lr: 0.05, weightDecay: 0.1 }), { prunable: ['x'] });
    masked.prune({ x: a.x }, 0.3);
    const keep = tf.tensor1d(Float32Array.from(masked.masks().x!));
    b.x.assign(tf.mul(b.x, keep));
    const plain = new AdamW({ lr: 0.05, weightDecay: 0.1 });
    for (let t = 0; t < 10; t++) {
      masked.minimize(a.loss, { x: a.x }).dispose();
      const g = tf.tidy(() => tf.mul(tf.grad((v: tf.Tensor) => a.p.loss(v))(b.x), keep));
      plain.step({ x: b.x }, { x: g });
      b.x.assign(tf.mul(b.x, keep));
      g.dispose();
    }
    expectBitIdentical(a.x.dataSync(), b.x.dataSync());
    tf.dispose([a.x, b.x, start, keep]);
    plain.dispose();
    masked.dispose();
  });

  it('GMP on its step count: prunes at the first step of each pruning epoch; resume equals uninterrupted', () => {
    const options: PruningMaskOptions = { schedule: { sparsity: 0.75, end: 3, stepsPerEpoch: 2 } };
    const rng = Rng.fromSeed(3);
    const w0 = rng.fillNormal(new Float32Array(8 * 4));
    const target = tf.tensor2d(rng.fillNormal(new Float32Array(8 * 4)), [8, 4]);
    const make = () => ({
      w: tf.variable(tf.tensor2d(w0, [8, 4])),
      b: tf.variable(tf.zeros([4])),
      opt: new MaskedOptimizer(new Adam({ lr: 0.05 }), options),
    });
    const loss = (m: ReturnType<typeof make>) => () =>
      tf.sum(tf.square(tf.sub(tf.add(m.w, m.b), target))) as tf.Scalar;
    const a = make();
    const zeros: number[] = [];
    for (let t = 0; t < 10; t++) {
      a.opt.minimize(loss(a), { w: a.w, b: a.b }).dispose();
      zeros.push(a.w.dataSync().filter((v) => v === 0).length);
    }
    // Epochs 0–3 (steps 1, 3, 5, 7) prune to 0.75·(1 − (1 − e/3)³): 0, 0.5278, 0.7222, 0.75 of 32.
    const s = (e: number) => prunedCount(32, 0.75 * (1 - (1 - e / 3) ** 3));
    expect(zeros).toEqual([s(0), s(0), s(1), s(1), s(2), s(2), s(3), s(3), s(3), s(3)]);
    expect(a.opt.masks().b).toBeUndefined();
    // Interrupt after step 4 (mid-schedule), resume into a fresh optimizer: the same numbers.
    const b = make();
    for (let t = 0; t < 4; t++) b.opt.minimize(loss(b), { w: b.w, b: b.b }).dispose();
    const saved = JSON.parse(JSON.stringify(b.opt.getState())) as OptimizerState;
    expect((saved.transform.data as { masks: Record<string, unknown> }).masks).toHaveProperty('w');
    const c = make();
    c.w.assign(b.w);
    c.b.assign(b.b);
    c.opt.setState(saved);
    for (let t = 4; t < 10; t++) c.opt.minimize(loss(c), { w: c.w, b: c.b }).dispose();
    expectBitIdentical(c.w.dataSync(), a.w.dataSync());
    expectBitIdentical(c.b.dataSync(), a.b.dataSync());
    expect(c.opt.masks()).toEqual(a.opt.masks());
    expect(JSON.parse(JSON.stringify(c.opt.getState()))).toEqual(
      JSON.parse(JSON.stringify(a.opt.getState())),
    );
    for (const m of [a, b, c]) {
      m.opt.dispose();
      tf.dispose([m.w, m.b]);
    }
    target.dispose();
  });

  it('a state saved right after pruning, before any step, loads (its masks need no stepped parameter)', () => {
    const w = tf.variable(tf.tensor2d([3, -1, 0.5, 2, -4, 0.1], [2, 3]));
    const a = new MaskedOptimizer(new SGD({ lr: 0.1 }));
    a.prune({ w }, 0.5);
    const b = new MaskedOptimizer(new SGD({ lr: 0.1 }));
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(Array.from(b.masks().w!)).toEqual(Array.from(magnitudeMask([3, -1, 0.5, 2, -4, 0.1], 0.5)));
    a.dispose();
    b.dispose();
    w.dispose();
  });

  it('setState rejects bad masks naming the field, and changes nothing', () => {
    const w = tf.variable(tf.tensor2d([3, -1, 0.5, 2, -4, 0.1], [2, 3]));
    const opt = new MaskedOptimizer(new Adam({ lr: 0.1 }), { prunable: ['w'] });
    opt.prune({ w }, 0.5);
    opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, { w }).dispose();
    const good = opt.getState();
    const before = JSON.stringify(good);
    const withMask = (mask: unknown, extra: Record<string, unknown> = {}) => ({
      ...JSON.parse(before),
      transform: { ...JSON.parse(before).transform, data: { masks: { w: mask }, ...extra } },
    });
    const cases: [string, unknown, RegExp][] = [
      [
        'a bit that is neither 0 nor 1',
        withMask({ shape: [2, 3], data: [1, 0, 0.5, 1, 1, 0] }),
        /^state\.transform\.data\.masks\.w\.data\[2\] must be 0 or 1 \(1 kept, 0 pruned\); got 0\.5/,
      ],
      [
        'NaN in a mask',
        withMask({ shape: [2, 3], data: [1, 0, Number.NaN, 1, 1, 0] }),
        /^state\.transform\.data\.masks\.w\.data\[2\] must be a finite number/,
      ],
      [
        'a mask of the wrong shape',
        withMask({ shape: [3, 2], data: [1, 0, 0, 1, 1, 0] }),
        /^state\.transform\.data\.masks\.w\.shape must be \[2,3\] \(the parameter's shape\)/,
      ],
      [
        'a mask too short',
        withMask({ shape: [2, 3], data: [1, 0, 0, 1, 1] }),
        /^state\.transform\.data\.masks\.w\.data must be an array of 6 numbers/,
      ],
      [
        'a mask of a parameter that is not prunable',
        {
          ...withMask({ shape: [2, 3], data: [1, 0, 0, 1, 1, 0] }),
          transform: { ...JSON.parse(before).transform, data: { masks: { v: { shape: [1], data: [1] } } } },
        },
        /^state\.transform\.data\.masks\.v must be a mask of a prunable parameter \(w\); got "v"/,
      ],
      [
        'masks that are not a record',
        { ...JSON.parse(before), transform: { ...JSON.parse(before).transform, data: { masks: [1, 0] } } },
        /^state\.transform\.data\.masks must be a record of keep-masks/,
      ],
      [
        'an unknown host field',
        withMask({ shape: [2, 3], data: [1, 0, 0, 1, 1, 0] }, { bits: 1 }),
        /^state\.transform\.data\.bits must be absent \(only "masks" is saved\)/,
      ],
      [
        'another prunable list (options)',
        {
          ...JSON.parse(before),
          transform: { ...JSON.parse(before).transform, options: { prunable: ['v'] } },
        },
        /^state\.transform\.options must be \{"prunable":\["w"\]\}/,
      ],
    ];
    for (const [label, state, message] of cases) {
      let error: unknown;
      try {
        opt.setState(state as OptimizerState, { w });
      } catch (err) {
        error = err;
      }
      expect(error, label).toBeInstanceOf(PaperkitInputError);
      expect((error as Error).message, label).toMatch(message);
      expect(JSON.stringify(opt.getState()), `${label} changed the state`).toBe(before);
    }
    opt.dispose();
    w.dispose();
  });

  it('prune: bad input names the parameter; masks only shrink; no tensor leak', async () => {
    const w = tf.variable(tf.tensor2d([3, -1, 0.5, 2, -4, 0.1], [2, 3]));
    const b = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = new MaskedOptimizer(new SGD({ lr: 0.1 }));
    expect(() => opt.prune({ w, b }, 1)).toThrow(/^sparsity must be a number in \[0, 1\); got 1/);
    expect(() => opt.prune({ b }, 0.5)).toThrow(
      /^params must be at least one parameter of rank ≥ 2 to prune/,
    );
    expect(() => opt.prune(null as never, 0.5)).toThrow(/^params must be a ParamMap or a record/);
    const named = new MaskedOptimizer(new SGD({ lr: 0.1 }), { prunable: ['v'] });
    expect(() => named.prune({ w, b }, 0.5)).toThrow(/^prunable must be a parameter name \(w, b\); got "v"/);
    opt.prune({ w, b }, 0.5);
    // Re-pruning replaces the device mask; a lower sparsity keeps the earlier zeros.
    await expectNoLeak(() => void opt.prune({ w, b }, 0.2));
    expect(Array.from(opt.masks().w!)).toEqual([1, 0, 0, 1, 1, 0]);
    expect(Array.from(w.dataSync(), (v) => v + 0)).toEqual([3, 0, 0, 2, -4, 0]); // −0 + 0 = 0
    expect(b.dataSync()).toEqual(Float32Array.of(1, 2, 3));
    opt.dispose();
    named.dispose();
    tf.dispose([w, b]);
  });
});

describe('model.fit with a tfjs Layers model', () => {
  function data() {
    const rng = Rng.fromSeed(11);
    const xs = tf.tensor2d(rng.fillNormal(new Float32Array(96 * 6)), [96, 6]);
    const ys = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 96 }, (_, i) => i % 3),
        'int32',
      ),
      3,
    );
    return { xs, ys };
  }
  function model() {
    return tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [6],
          units: 16,
          activation: 'relu',
          kernelInitializer: 'glorotNormal',
        }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
  }

  it('the README model.fit example: GMP during model.fit (toTfjsOptimizer); kernels end at exact layer-wise sparsity, pruned weights stay 0, biases dense', async () => {
    const { xs, ys } = data();
    const m = model();
    // 96 examples in batches of 32: 3 steps per epoch; prune over epochs 0–2 to 80 %.
    const opt = new MaskedOptimizer(new Adam({ lr: 1e-2 }), {
      schedule: { sparsity: 0.8, end: 2, stepsPerEpoch: 3 },
    });
    m.compile({ optimizer: toTfjsOptimizer(opt, { model: m }), loss: 'categoricalCrossentropy' });
    await m.fit(xs, ys, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0 });
    const masks = opt.masks();
    expect(Object.keys(masks)).toEqual(['0/kernel', '1/kernel']);
    const before = m.layers.map((l) => l.getWeights()[0]!.dataSync().slice());
    // Three more epochs after the schedule ended: pruned entries stay exactly 0, kept ones move.
    await m.fit(xs, ys, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0 });
    m.layers.forEach((layer, l) => {
      const [kernel, bias] = layer.getWeights();
      const k = kernel!.dataSync();
      const keep = masks[`${l}/kernel`]!;
      expect(keep.filter((b) => b === 0).length).toBe(prunedCount(k.length, 0.8));
      keep.forEach((bit, i) => {
        if (bit === 0) expect(k[i] === 0).toBe(true); // ±0
      });
      expect(k.some((v, i) => keep[i] === 1 && v !== before[l]![i])).toBe(true);
      expect(bias!.dataSync().some((v) => v !== 0)).toBe(true);
    });
    expect(opt.iterations).toBe(18);
    expect(opt.sparsity().overall).toBeCloseTo((prunedCount(96, 0.8) + prunedCount(48, 0.8)) / 144, 12);
    m.optimizer.dispose();
    m.dispose();
    tf.dispose([xs, ys]);
  });

  it('one-shot pruning before model.fit through paramsFromLayersModel', async () => {
    const { xs, ys } = data();
    const m = model();
    const opt = new MaskedOptimizer(new Adam({ lr: 1e-2 }));
    const params = paramsFromLayersModel(m);
    opt.prune(params, 0.9);
    m.compile({ optimizer: toTfjsOptimizer(opt, { model: m }), loss: 'categoricalCrossentropy' });
    await m.fit(xs, ys, { epochs: 2, batchSize: 32, verbose: 0 });
    const k0 = m.layers[0]!.getWeights()[0]!.dataSync();
    expect(k0.filter((v) => v === 0).length).toBe(prunedCount(96, 0.9));
    expect(Object.keys(opt.masks())).toEqual(['0/kernel', '1/kernel']);
    m.optimizer.dispose();
    m.dispose();
    tf.dispose([xs, ys]);
  });
});
