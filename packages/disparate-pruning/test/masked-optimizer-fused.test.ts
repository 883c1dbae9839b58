import {
  Adam,
  AdamW,
  fusedUpdatesAvailable,
  initBackend,
  Momentum,
  type Optimizer,
  Rng,
} from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { MaskedOptimizer } from '../src/index.js';

// The fused step needs the BLAS addon's kernels; without the addon there is nothing to compare.
await initBackend({ prefer: 'cpu' });
const fused = fusedUpdatesAvailable();
if (!fused) console.warn('[masked-optimizer-fused] skipped: no fused optimizer kernels here');

/** Six masked steps of `inner` from fixed weights and gradients; native ops on or off. */
async function run(native: boolean, inner: () => Optimizer) {
  await initBackend({ prefer: 'cpu', blas: native ? 'auto' : 'off' });
  expect(fusedUpdatesAvailable()).toBe(native);
  const rng = Rng.fromSeed(11);
  // Variables made in a tidy: the tensors they start from are released with it.
  const w = tf.tidy(() => tf.variable(tf.tensor2d(rng.fillNormal(new Float32Array(24 * 16)), [24, 16])));
  const b = tf.tidy(() => tf.variable(tf.tensor1d(rng.fillNormal(new Float32Array(16)))));
  const opt = new MaskedOptimizer(inner());
  const update = vi.spyOn(opt.masking, 'update');
  opt.prune({ w, b }, 0.75);
  for (let t = 0; t < 6; t++) {
    const gw = tf.tensor2d(rng.fillNormal(new Float32Array(24 * 16)), [24, 16]);
    const gb = tf.tensor1d(rng.fillNormal(new Float32Array(16)));
    opt.step({ w, b }, { w: gw, b: gb });
    tf.dispose([gw, gb]);
  }
  const out = {
    w: w.dataSync().slice(),
    b: b.dataSync().slice(),
    state: JSON.stringify(opt.getState()),
    phases: update.mock.calls.length,
    mask: opt.masks().w!,
  };
  opt.dispose();
  tf.dispose([w, b]);
  return out;
}

describe.skipIf(!fused)('MaskedOptimizer through the fused Adam kernel', () => {
  it.each([
    ['Adam', () => new Adam({ lr: 3e-2 })],
    ['AdamW', () => new AdamW({ lr: 3e-2, weightDecay: 0.1 })],
    ['Momentum', () => new Momentum({ lr: 3e-2, momentum: 0.9 })],
  ] as const)(
    '%s: gives the phases’ bits and state, keeps pruned weights at 0, and leaks nothing',
    async (_, inner) => {
      const ref = await expectNoLeak(() => run(false, inner));
      const out = await expectNoLeak(() => run(true, inner));
      // The phases ran every step without the kernels and never with them.
      expect(ref.phases).toBe(6);
      expect(out.phases).toBe(0);
      expectBitIdentical(out.w, ref.w);
      expectBitIdentical(out.b, ref.b);
      expect(out.state).toBe(ref.state);
      expect(out.mask.reduce((a, k) => a + k, 0)).toBe(96);
      out.mask.forEach((k, i) => {
        if (k === 0) expect(Math.abs(out.w[i]!)).toBe(0);
      });
    },
  );
});
