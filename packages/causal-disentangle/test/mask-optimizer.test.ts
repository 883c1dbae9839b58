import {
  Adam,
  initBackend,
  type OptimizerState,
  PaperkitInputError,
  paramsFromLayersModel,
  toTfjsOptimizer,
} from '@paperkit/tensor-core';
import { expectBitIdentical, optimizerConformance } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskedVaeAdam } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

const invalid = [
  { create: () => new MaskedVaeAdam({ lr: -1 }), message: /^lr must be/ },
  { create: () => new MaskedVaeAdam({ lr: 1e-3, maskLr: 0 }), message: /^maskLr must be/ },
  { create: () => new MaskedVaeAdam({ lr: 1e-3, masks: 5 as never }), message: /^masks must be an array/ },
  {
    create: () => new MaskedVaeAdam({ lr: 1e-3, weightDecay: 0.1 } as never),
    message: /^config\.weightDecay must be a known option/,
  },
  { create: () => new MaskedVaeAdam({ lr: 1e-3, beta1: 1 }), message: /^beta1 must be/ },
];

// The toy problems have one parameter `x`: once as a network weight (lr), once as a mask logit (maskLr).
optimizerConformance('MaskedVaeAdam, x a network parameter', {
  setup: () => initBackend({ prefer: 'wasm', blas: 'off' }),
  quadratic: { create: () => new MaskedVaeAdam({ lr: 0.1, maskLr: 5 }), steps: 300, tol: 1e-2 },
  rosenbrock: { create: () => new MaskedVaeAdam({ lr: 0.05, maskLr: 5 }), steps: 1000, tol: 5e-2 },
  invalid,
});

optimizerConformance('MaskedVaeAdam, x a mask logit', {
  setup: () => initBackend({ prefer: 'wasm', blas: 'off' }),
  quadratic: { create: () => new MaskedVaeAdam({ lr: 5, maskLr: 0.1, masks: ['x'] }), steps: 300, tol: 1e-2 },
  rosenbrock: {
    create: () => new MaskedVaeAdam({ lr: 5, maskLr: 0.05, masks: (n) => n === 'x' }),
    steps: 1000,
    tol: 5e-2,
  },
  invalid,
});

/** Two parameters with a coupled loss: a network weight and a mask logit (the masked VAE's naming). */
function problem() {
  const params = {
    'enc.w': tf.variable(tf.tensor1d([0.5, -1, 2])),
    'mask.action': tf.variable(tf.tensor2d([5, 5, 5, 5], [2, 2])),
  };
  const loss = () =>
    tf.tidy(() => {
      const m = tf.sigmoid(params['mask.action']);
      return tf.add(
        tf.sum(tf.square(tf.sub(params['enc.w'], 1))),
        tf.mul(tf.sum(m), tf.sum(params['enc.w'])),
      ) as tf.Scalar;
    });
  return { params, loss, dispose: () => tf.dispose(Object.values(params)) };
}

describe('MaskedVaeAdam', () => {
  it('takes Adam(lr)’s steps on the networks and Adam(maskLr)’s on the masks, bit for bit', () => {
    const a = problem();
    const b = problem();
    const opt = new MaskedVaeAdam({ lr: 1e-2, maskLr: 0.3 });
    const net = new Adam({ lr: 1e-2 });
    const mask = new Adam({ lr: 0.3 });
    for (let t = 0; t < 15; t++) {
      opt.minimize(a.loss, a.params).dispose();
      const { value, grads } = tf.variableGrads(b.loss, Object.values(b.params));
      net.step(b.params, { 'enc.w': grads[b.params['enc.w'].name]! });
      mask.step(b.params, { 'mask.action': grads[b.params['mask.action'].name]! });
      tf.dispose([value, ...Object.values(grads)]);
    }
    for (const n of ['enc.w', 'mask.action'] as const)
      expectBitIdentical(a.params[n].dataSync(), b.params[n].dataSync());
    // The mask moved far faster than lr allows: 15 steps of ≈ 0.3 each.
    expect(a.params['mask.action'].dataSync()[0]!).toBeLessThan(5 - 15 * 0.2);
    for (const o of [opt, net, mask]) o.dispose();
    a.dispose();
    b.dispose();
  });

  it('resumes from JSON state exactly; setState rejects another optimizer’s state and bad moments', () => {
    const a = problem();
    const b = problem();
    const full = new MaskedVaeAdam({ lr: 1e-2, maskLr: 0.3 });
    const first = new MaskedVaeAdam({ lr: 1e-2, maskLr: 0.3 });
    for (let t = 0; t < 6; t++) {
      full.minimize(a.loss, a.params).dispose();
      first.minimize(b.loss, b.params).dispose();
    }
    const saved = JSON.parse(JSON.stringify(first.getState())) as OptimizerState;
    first.dispose();
    const resumed = new MaskedVaeAdam({ lr: 1e-2, maskLr: 0.3 });
    resumed.setState(saved, b.params);
    for (let t = 0; t < 6; t++) {
      full.minimize(a.loss, a.params).dispose();
      resumed.minimize(b.loss, b.params).dispose();
    }
    for (const n of ['enc.w', 'mask.action'] as const)
      expectBitIdentical(b.params[n].dataSync(), a.params[n].dataSync());
    expect(resumed.iterations).toBe(12);

    const c = problem();
    const adam = new Adam({ lr: 1e-2 });
    adam.minimize(c.loss, c.params).dispose();
    expect(() => resumed.setState(adam.getState())).toThrow(PaperkitInputError);
    expect(() => resumed.setState(adam.getState())).toThrow(/^state\.optimizer must be/);
    // A negative second moment of the mask group (it would put NaN into the logits).
    const poisoned = JSON.parse(JSON.stringify(saved));
    poisoned.transform.children.masks.children.scaleByAdam.params['mask.action'].slots.v.data[0] = -1;
    expect(() => resumed.setState(poisoned)).toThrow(
      /^state\.transform\.children\.masks.*\.data\[0\] must be a number >= 0 \(a second moment\)/,
    );
    // A rejected state changed nothing: the next step is still the uninterrupted run's.
    full.minimize(a.loss, a.params).dispose();
    resumed.minimize(b.loss, b.params).dispose();
    expectBitIdentical(b.params['enc.w'].dataSync(), a.params['enc.w'].dataSync());
    for (const o of [full, resumed, adam]) o.dispose();
    for (const x of [a, b, c]) x.dispose();
  });

  it('trains a tfjs Layers model with model.fit through toTfjsOptimizer, the masks at their own rate', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [3], units: 2, name: 'gate' })],
    });
    const names = paramsFromLayersModel(model).names();
    expect(names).toEqual(['gate/kernel', 'gate/bias']);
    // The bias plays the mask logits here: its steps are maskLr, the kernel's lr.
    const opt = new MaskedVaeAdam({ lr: 1e-3, maskLr: 0.1, masks: ['gate/bias'] });
    model.compile({ optimizer: toTfjsOptimizer(opt, { model }), loss: 'meanSquaredError' });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const xs = tf.tensor2d([1, 2, 3, -1, 0.5, 2, 0, 1, -2, 3, 1, 1], [4, 3]);
    const ys = tf.tensor2d([10, -10, 10, -10, 10, -10, 10, -10], [4, 2]);
    await model.fit(xs, ys, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    // Adam's first step moves every coordinate by its learning rate (m̂/√v̂ = ±1).
    before[0]!.forEach((v, i) => {
      expect(Math.abs(after[0]![i]! - v)).toBeCloseTo(1e-3, 6);
    });
    before[1]!.forEach((v, i) => {
      expect(Math.abs(after[1]![i]! - v)).toBeCloseTo(0.1, 5);
    });
    expect(opt.iterations).toBe(1);
    tf.dispose([xs, ys]);
    model.dispose();
    opt.dispose();
  });
});
