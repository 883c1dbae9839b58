import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBlasThreads } from '../src/backend/blas/index.js';
import { probeNative } from '../src/backend/blas/native.js';
import {
  Adam,
  AdamW,
  disableNativeOps,
  enableNativeOps,
  fusedAdamUpdate,
  fusedMomentumUpdate,
  fusedUpdatesAvailable,
  initBackend,
  Momentum,
  type Optimizer,
  PaperkitInputError,
  Rng,
  SGD,
} from '../src/index.js';
import { expectBitIdentical, expectNoLeak } from '../src/testing/index.js';

const probe = await probeNative();
const absent = probe.state === 'absent';
if (absent) console.warn(`[fused-adam] skipped: ${probe.reason}`);
const BACKENDS = ['wasm', 'cpu'] as const;

/** Five gradients of a [3, 40_000] parameter (large enough to be split over threads), seeded. */
function gradients(rng: Rng, shape: number[], steps: number): Float32Array[] {
  return Array.from({ length: steps }, () => rng.fillNormal(new Float32Array(shape[0]! * shape[1]!)));
}

/** Steps `opt` over the gradients with the native ops off (the unfused chain), then turns them back on. */
function unfusedSteps(
  be: string,
  opt: Optimizer,
  init: Float32Array,
  shape: number[],
  gs: Float32Array[],
): tf.Variable {
  disableNativeOps(be);
  const p = tf.variable(tf.tensor(init, shape));
  for (const g of gs) {
    const gt = tf.tensor(g, shape);
    opt.step({ w: p }, { w: gt });
    gt.dispose();
  }
  return p;
}

describe.skipIf(absent)('fused optimizer updates', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu' });
    await initBackend({ prefer: 'wasm' });
    await setBlasThreads(2);
  });
  afterAll(() => setBlasThreads(1));

  for (const be of BACKENDS) {
    for (const [label, make, decoupled, wd] of [
      ['Adam', (lr: number) => new Adam({ lr }), false, 0],
      ['Adam with coupled weight decay', (lr: number) => new Adam({ lr, weightDecay: 0.05 }), false, 0.05],
      ['AdamW', (lr: number) => new AdamW({ lr, weightDecay: 0.1 }), true, 0.1],
    ] as const) {
      it(`${be}: ${label}: fusedAdamUpdate gives the optimizer's bits over 5 steps`, async () => {
        await initBackend({ prefer: be });
        const rng = Rng.fromSeed(501).stream(`${be}${label}`);
        const shape = [3, 40_000];
        const init = rng.fillNormal(new Float32Array(shape[0]! * shape[1]!));
        const gs = gradients(rng, shape, 5);
        const lr = 3e-3;
        // Reference: tensor-core's unfused chain (native ops off, so the optimizer cannot fuse).
        const opt = make(lr);
        const pRef = unfusedSteps(be, opt, init, shape, gs);
        await enableNativeOps(be);
        const p = tf.variable(tf.tensor(init, shape));
        const m = tf.variable(tf.zeros(shape));
        const v = tf.variable(tf.zeros(shape));
        await expectNoLeak(() => {
          gs.forEach((g, i) => {
            const gt = tf.tensor(g, shape);
            const ok = fusedAdamUpdate(p, gt, m, v, {
              lr,
              beta1: 0.9,
              beta2: 0.999,
              eps: 1e-8,
              t: i + 1,
              weightDecay: wd,
              decoupled,
            });
            expect(ok).toBe(true);
            gt.dispose();
          });
        });
        expectBitIdentical(p.dataSync(), pRef.dataSync());
        opt.dispose();
        tf.dispose([p, m, v, pRef]);
      });
    }

    for (const [label, config, nesterov] of [
      ['heavy ball', { lr: 0.05, momentum: 0.9 }, false],
      ['Nesterov with weight decay', { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }, true],
      ['dampening', { lr: 0.05, momentum: 0.7, dampening: 0.3 }, false],
    ] as const) {
      it(`${be}: momentum SGD (${label}): fusedMomentumUpdate gives the optimizer's bits over 5 steps`, async () => {
        await initBackend({ prefer: be });
        const rng = Rng.fromSeed(502).stream(`${be}${label}`);
        const shape = [3, 40_000];
        const init = rng.fillNormal(new Float32Array(shape[0]! * shape[1]!));
        const gs = gradients(rng, shape, 5);
        const opt = new SGD(config);
        const pRef = unfusedSteps(be, opt, init, shape, gs);
        await enableNativeOps(be);
        const p = tf.variable(tf.tensor(init, shape));
        const buf = tf.variable(tf.zeros(shape));
        gs.forEach((g, i) => {
          const gt = tf.tensor(g, shape);
          const o = { ...config, nesterov, first: i === 0 };
          expect(fusedMomentumUpdate(p, gt, buf, o)).toBe(true);
          gt.dispose();
        });
        expectBitIdentical(p.dataSync(), pRef.dataSync());
        opt.dispose();
        tf.dispose([p, buf, pRef]);
      });
    }

    it(`${be}: a buffer shared with another tensor is copied first; off, it returns false and changes nothing`, async () => {
      await initBackend({ prefer: be });
      const p = tf.variable(tf.tensor([1, 2, 3]));
      const snapshot = tf.clone(p); // shares p's buffer (zero-copy identity)
      const g = tf.tensor([0.5, -0.5, 1]);
      const m = tf.variable(tf.zeros([3]));
      const v = tf.variable(tf.zeros([3]));
      const o = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 };
      expect(fusedUpdatesAvailable()).toBe(true);
      expect(fusedAdamUpdate(p, g, m, v, o)).toBe(true);
      expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
      // Adam's first step moves each coordinate by lr·sign(g) (up to ε).
      expect(Array.from(p.dataSync()).map((x) => Math.round(x * 1e5) / 1e5)).toEqual([0.9, 2.1, 2.9]);
      await initBackend({ prefer: be, blas: 'off' });
      expect(fusedUpdatesAvailable()).toBe(false);
      const before = Array.from(p.dataSync());
      expect(fusedAdamUpdate(p, g, m, v, { ...o, t: 2 })).toBe(false);
      expect(fusedMomentumUpdate(p, g, m, { lr: 0.1, momentum: 0.9, first: true })).toBe(false);
      expect(Array.from(p.dataSync())).toEqual(before);
      await initBackend({ prefer: be });
      tf.dispose([p, snapshot, g, m, v]);
    });
  }

  for (const be of BACKENDS)
    for (const [label, make] of [
      ['Adam', () => new Adam({ lr: 3e-3 })],
      ['AdamW', () => new AdamW({ lr: 3e-3, weightDecay: 0.1 })],
      ['Momentum (Nesterov)', () => new Momentum({ lr: 0.05, momentum: 0.9, nesterov: true })],
    ] as const)
      it(`${be}: ${label} steps through the fused kernel by default, with the unfused chain's bits and state`, async () => {
        await initBackend({ prefer: be });
        const rng = Rng.fromSeed(503).stream(`${be}${label}`);
        const shape = [3, 40_000];
        const init = rng.fillNormal(new Float32Array(shape[0]! * shape[1]!));
        const gs = gradients(rng, shape, 4);
        const ref = make();
        const pRef = unfusedSteps(be, ref, init, shape, gs);
        await enableNativeOps(be);
        const opt = make();
        const p = tf.variable(tf.tensor(init, shape));
        const kernels: number[] = [];
        const step = async (g: Float32Array) => {
          const gt = tf.tensor(g, shape);
          const prof = await tf.profile(() => opt.step({ w: p }, { w: gt }));
          kernels.push(prof.kernels.length);
          gt.dispose();
        };
        // The first step creates the optimizer's state (its slots are not a leak); later ones add nothing.
        await step(gs[0]!);
        await expectNoLeak(async () => {
          for (const g of gs.slice(1)) await step(g);
        });
        // The unfused Adam step runs about a dozen kernels per parameter; the fused one at most a copy.
        expect(Math.max(...kernels)).toBeLessThanOrEqual(2);
        expectBitIdentical(p.dataSync(), pRef.dataSync());
        // The state it leaves is the chain's own: it restores into an optimizer that steps unfused.
        expect(opt.getState()).toEqual(ref.getState());
        opt.dispose();
        ref.dispose();
        tf.dispose([p, pRef]);
      });

  it('rejects bad inputs naming the parameter', async () => {
    await initBackend({ prefer: 'wasm' });
    const p = tf.variable(tf.zeros([2]));
    const g = tf.zeros([2]);
    const m = tf.variable(tf.zeros([2]));
    const v = tf.variable(tf.zeros([2]));
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 };
    expect(() => fusedAdamUpdate(p, tf.zeros([3]), m, v, o)).toThrow(/grad must be a tensor of shape \[2\]/);
    expect(() => fusedAdamUpdate(p, g, tf.variable(tf.zeros([3])), v, o)).toThrow(
      /m must be a variable of shape \[2\]/,
    );
    expect(() => fusedAdamUpdate(g as tf.Variable, g, m, v, o)).toThrow(/param must be a live tf.Variable/);
    expect(() => fusedAdamUpdate(p, g, m, v, { ...o, t: 0 })).toThrow(/t must be an integer >= 1/);
    expect(() => fusedAdamUpdate(p, g, m, v, { ...o, beta1: 1 })).toThrow(PaperkitInputError);
    expect(() => fusedAdamUpdate(p, g, m, v, { ...o, lr: Number.NaN })).toThrow(/lr must be a finite number/);
    expect(() => fusedMomentumUpdate(p, g, m, { lr: 0.1, momentum: 0.9, first: 'yes' as never })).toThrow(
      /first must be true or false/,
    );
    tf.dispose([p, g, m, v]);
  });
});
