import { chain, initBackend, ParamMap, SGD, wrapOptimizer } from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak, optimizerConformance } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  firstLayer,
  ProximalOptimizer,
  proxR,
  sharingMetrics,
  TiedRetraining,
  tieClusters,
  WeightSharingProx,
} from '../src/index.js';

const setup = () => initBackend({ prefer: 'wasm', blas: 'off' });
beforeAll(setup);

optimizerConformance('ProximalOptimizer(SGD) + weight sharing', {
  setup,
  // The prox moves the fixed point by O(ws_lr); the budgets leave room for that bias.
  quadratic: {
    create: () => new ProximalOptimizer(new SGD({ lr: 0.15 }), { layers: [{ weight: 'x', wsLr: 1e-4 }] }),
    steps: 200,
    tol: 1e-2,
  },
  rosenbrock: {
    create: () => new ProximalOptimizer(new SGD({ lr: 1.5e-3 }), { layers: [{ weight: 'x', wsLr: 1e-3 }] }),
    steps: 6000,
    tol: 0.1,
  },
  invalid: [
    {
      create: () => new ProximalOptimizer(new SGD({ lr: 0.1 }), { layers: [] }),
      message: /layers must be a non-empty array/,
    },
    {
      create: () => new ProximalOptimizer(new SGD({ lr: 0.1 }), { layers: [{ weight: 'x', wsLr: -1 }] }),
      message: /layers\[0\]\.wsLr must be a finite number >= 0; got -1/,
    },
    {
      create: () =>
        new ProximalOptimizer(new SGD({ lr: 0.1 }), { layers: [{ weight: 'x', wsLr: 1 }], rho: 2 }),
      message: /rho must be a number in \[0, 1\]; got 2/,
    },
    {
      create: () =>
        new ProximalOptimizer(new SGD({ lr: 0.1 }), {
          layers: [{ weight: 'x', wsLr: 1 }],
          algorithm: 'gpu' as never,
        }),
      message: /algorithm must be one of "pav", "end", "imminent", "search"; got "gpu"/,
    },
    {
      create: () => new ProximalOptimizer({} as never, { layers: [{ weight: 'x', wsLr: 1 }] }),
      message: /inner must be a tensor-core Optimizer/,
    },
  ],
});

/** A tiny linear model y = x·W + b with a fixed batch; returns its params and loss. */
function tinyModel(seed = 1) {
  const params = ParamMap.fromTensors({
    'fc.weight': { value: tf.randomNormal([6, 4], 0, 1, 'float32', seed), role: 'weight', group: 'fc' },
    'fc.bias': { value: tf.randomNormal([4], 0, 1, 'float32', seed + 1), role: 'bias', group: 'fc' },
    'out.weight': { value: tf.randomNormal([4, 2], 0, 1, 'float32', seed + 2), role: 'weight', group: 'out' },
  });
  const x = tf.randomNormal([8, 6], 0, 1, 'float32', seed + 3);
  const y = tf.randomNormal([8, 2], 0, 1, 'float32', seed + 4);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(x, params.get('fc.weight')), params.get('fc.bias')));
      return tf.mean(tf.square(tf.sub(tf.matMul(h, params.get('out.weight')), y))) as tf.Scalar;
    });
  const dispose = (): void => {
    params.dispose();
    tf.dispose([x, y]);
  };
  return { params, loss, dispose };
}

describe('proximal training', () => {
  it('after each SGD step the weight (flattened) and the bias get separate proxes with λ = ws_lr·η', async () => {
    const a = tinyModel();
    const b = tinyModel();
    const lr = 0.1;
    const wsLr = 0.5;
    const ws = new WeightSharingProx({ layers: [{ weight: 'fc.weight', bias: 'fc.bias', wsLr }], l1: 0.01 });
    const hooked = wrapOptimizer(new SGD({ lr }), (t) => chain(t, ws.transform));
    const plain = new SGD({ lr });
    hooked.minimize(a.loss, a.params).dispose();
    plain.minimize(b.loss, b.params).dispose();
    for (const name of ['fc.weight', 'fc.bias']) {
      const before = (await b.params.get(name).data()) as Float32Array;
      const expected = proxR(before, wsLr * lr, { l1: 0.01 }).x;
      expectBitIdentical(await a.params.get(name).data(), expected);
    }
    // Unconfigured parameters are left alone.
    expectBitIdentical(await a.params.get('out.weight').data(), await b.params.get('out.weight').data());
    hooked.dispose();
    plain.dispose();
    a.dispose();
    b.dispose();
  });

  it('ProximalOptimizer uses the learning rate of the step it follows (schedules included)', async () => {
    const a = tinyModel(3);
    const b = tinyModel(3);
    const schedule = (step: number) => 0.2 / (1 + step);
    const layers = [{ weight: 'fc.weight', wsLr: 0.3 }];
    const opt = new ProximalOptimizer(new SGD({ lr: schedule }), { layers });
    const plain = new SGD({ lr: schedule });
    for (let step = 0; step < 3; step++) {
      opt.minimize(a.loss, a.params).dispose();
      plain.minimize(b.loss, b.params).dispose();
      new WeightSharingProx({ layers }).apply(b.params, schedule(step));
    }
    expect(opt.iterations).toBe(3);
    expect(opt.currentLr()).toBeCloseTo(schedule(3), 12);
    expectBitIdentical(await a.params.get('fc.weight').data(), await b.params.get('fc.weight').data());
    opt.dispose();
    plain.dispose();
    a.dispose();
    b.dispose();
  });

  it('leaks no tensor per step (transform and wrapper), with plain tfjs variables too', async () => {
    const m = tinyModel(5);
    const ws = new WeightSharingProx({ layers: [{ weight: 'fc.weight', bias: 'fc.bias', wsLr: 0.1 }] });
    const opt = wrapOptimizer(new SGD({ lr: 0.05 }), (t) => chain(t, ws.transform));
    opt.minimize(m.loss, m.params).dispose();
    await expectNoLeak(() => {
      for (let i = 0; i < 5; i++) opt.minimize(m.loss, m.params).dispose();
    });
    const vars = m.params.tensors();
    await expectNoLeak(() => void ws.apply(vars, 0.05));
    const wrapped = new ProximalOptimizer(new SGD({ lr: 0.05 }), ws);
    wrapped.minimize(m.loss, vars).dispose();
    await expectNoLeak(() => {
      for (let i = 0; i < 5; i++) wrapped.minimize(m.loss, vars).dispose();
    });
    opt.dispose();
    wrapped.dispose();
    m.dispose();
  });

  it('reports λ, ρ (from a schedule) and cluster counts; records cluster ids', async () => {
    const m = tinyModel(7);
    const ws = new WeightSharingProx({
      layers: [{ weight: 'fc.weight', bias: 'fc.bias', wsLr: 2 }],
      rho: (step) => step / 10,
      recordClusters: true,
    });
    const w0 = (await m.params.get('fc.weight').data()) as Float32Array;
    const first = ws.apply(m.params, 0.5);
    expect(first.rho).toBe(0);
    expect(first.params['fc.weight']!.lambda).toBe(1);
    const expected = proxR(w0, 1, { returnClusters: true });
    expect(first.params['fc.weight']!.clusterCount).toBe(expected.clusterCount);
    expect(Array.from(ws.clusters('fc.weight')!)).toEqual(Array.from(expected.clusters));
    expect(ws.apply(m.params, 0.5).rho).toBe(0.1);
    expect(ws.stepsTaken).toBe(2);
    m.dispose();
  });

  it('names a missing parameter and a bad ρ schedule value', () => {
    const m = tinyModel(9);
    expect(() =>
      new WeightSharingProx({ layers: [{ weight: 'fc1.weight', wsLr: 1 }] }).apply(m.params, 0.1),
    ).toThrow(
      /layers\[0\]\.weight must be one of the parameter names \(fc\.weight, fc\.bias, out\.weight\); got "fc1\.weight"/,
    );
    expect(() =>
      new WeightSharingProx({ layers: [{ weight: 'fc.weight', wsLr: 1 }], rho: () => 3 }).apply(
        m.params,
        0.1,
      ),
    ).toThrow(/rho\(0\) must be a number in \[0, 1\]; got 3/);
    expect(() =>
      new WeightSharingProx({ layers: [{ weight: 'fc.weight', wsLr: 1 }] }).apply(m.params, -1),
    ).toThrow(/lr must be a finite number >= 0; got -1/);
    m.dispose();
  });

  it('firstLayer picks the first weight and its group bias (code prox_layer = "FC1")', () => {
    const m = tinyModel(11);
    expect(firstLayer(m.params, 1e-3)).toEqual([{ weight: 'fc.weight', bias: 'fc.bias', wsLr: 1e-3 }]);
    m.dispose();
  });

  it('tied retraining keeps every recorded cluster at one shared value through SGD steps', async () => {
    const m = tinyModel(13);
    const ws = new WeightSharingProx({ layers: [{ weight: 'fc.weight', wsLr: 3 }], recordClusters: true });
    ws.apply(m.params, 0.5);
    const ids = ws.clusters('fc.weight')!;
    const clusters = new Set(ids).size;
    expect(clusters).toBeGreaterThan(1);
    expect(clusters).toBeLessThan(ids.length);
    const tied = new TiedRetraining({ 'fc.weight': ids });
    const opt = wrapOptimizer(new SGD({ lr: 0.1 }), (t) => chain(t, tied.transform));
    for (let i = 0; i < 3; i++) opt.minimize(m.loss, m.params).dispose();
    const w = (await m.params.get('fc.weight').data()) as Float32Array;
    const value = new Map<number, number>();
    for (let i = 0; i < w.length; i++) {
      if (!value.has(ids[i]!)) value.set(ids[i]!, w[i]!);
      expect(w[i]).toBe(value.get(ids[i]!));
    }
    opt.dispose();
    m.dispose();
  });
});

describe('the prox step counter is state', () => {
  it('a resumed ProximalOptimizer continues the ρ schedule where it stopped (it used to restart it)', async () => {
    const rho = (step: number) => Math.min(0.5, step / 10);
    const make = () =>
      new ProximalOptimizer(new SGD({ lr: 0.1 }), {
        layers: [{ weight: 'fc.weight', bias: 'fc.bias', wsLr: 0.5 }],
        rho,
      });
    const a = tinyModel(17);
    const b = tinyModel(17);
    const optA = make();
    for (let i = 0; i < 4; i++) optA.minimize(a.loss, a.params).dispose();
    const state = JSON.parse(JSON.stringify(optA.getState()));
    expect(state.transform.children.weightSharingProx.counters).toEqual({ steps: 4 });
    b.params.restore(a.params.toJSON());
    const optB = make();
    optB.setState(state, b.params);
    for (let i = 0; i < 4; i++) {
      optA.minimize(a.loss, a.params).dispose();
      optB.minimize(b.loss, b.params).dispose();
    }
    expectBitIdentical(await b.params.get('fc.weight').data(), await a.params.get('fc.weight').data());
    optA.dispose();
    optB.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('sharing metrics (code compute_sparsity / compute_distinct_w)', () => {
  it('counts |w| ≤ 1e-8 as zero and distinct non-zeros after rounding to 8 decimals', () => {
    const m = sharingMetrics([0, 1e-9, 0.5, 0.5, 0.500000001, -2]);
    expect(m).toEqual({ size: 6, sparsity: 2 / 6, nonZero: 4, distinct: 2, distinctRatio: 0.5 });
    expect(sharingMetrics([0, 0]).distinctRatio).toBe(0);
  });

  it('tieClusters replaces each weight by its cluster mean (code do_weight_sharing)', () => {
    const out = tieClusters(new Float64Array([1, 2, 3, 10]), new Int32Array([0, 0, 1, 0]));
    expect(Array.from(out)).toEqual([13 / 3, 13 / 3, 3, 13 / 3]);
  });
});
