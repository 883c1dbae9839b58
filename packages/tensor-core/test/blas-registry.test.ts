import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BLAS_KERNELS,
  blasAccelerator,
  blasEnabled,
  blasStatus,
  disableBlasKernels,
  enableBlasKernels,
  setBlasThreads,
} from '../src/backend/blas/index.js';
import { type NativeProbe, overrideProbe, probeNative } from '../src/backend/blas/native.js';
import { CONV_TRAINING_KERNELS, initBackend, missingKernels, PaperkitInputError, Rng } from '../src/index.js';
import { expectNoLeak } from '../src/testing/index.js';

const probe = await probeNative();
if (probe.state === 'absent') console.warn(`[blas-registry] addon tests skipped: ${probe.reason}`);
const absent = probe.state === 'absent';

function numDataIds(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}

describe('BLAS kernel registration', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
    await setBlasThreads(1);
  });

  it.skipIf(absent)(
    'blas: off keeps every stock kernel; auto swaps them and labels the backend',
    async () => {
      const off = await initBackend({ prefer: 'wasm', blas: 'off' });
      expect(off.label).toBe('wasm');
      expect(off.accelerated).toBe(false);
      const stock = new Map(BLAS_KERNELS.map((k) => [k, tf.getKernel(k, 'wasm')]));
      expect(stock.get('Conv2DBackpropFilter')).toBeUndefined();
      expect(missingKernels(CONV_TRAINING_KERNELS)).toEqual(['Conv2DBackpropFilter']);
      // The stock path computes on its own with acceleration off.
      const y = tf.tidy(() =>
        tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).arraySync(),
      );
      expect(y).toEqual([
        [19, 22],
        [43, 50],
      ]);

      const on = await initBackend({ prefer: 'wasm' });
      expect(on.label).toBe('wasm+blas');
      expect(on.accelerated).toBe(true);
      expect(blasEnabled('wasm')).toBe(true);
      expect(blasStatus()).toMatchObject({
        state: 'available',
        reason: null,
        enabledOn: ['wasm'],
        threads: 1,
      });
      expect(blasStatus().vendor).toMatch(/\S/);
      for (const k of BLAS_KERNELS) expect(tf.getKernel(k, 'wasm')).not.toBe(stock.get(k));
      expect(missingKernels(CONV_TRAINING_KERNELS)).toEqual([]);

      // A later blas: 'off' request goes through the same hook and restores the stock kernels.
      expect(await blasAccelerator('wasm', () => {}, 'off')).toBe(false);
      for (const k of BLAS_KERNELS) expect(tf.getKernel(k, 'wasm')).toBe(stock.get(k));
      expect(blasEnabled('wasm')).toBe(false);
      expect(disableBlasKernels('wasm')).toBe(false);
      expect(await enableBlasKernels('wasm')).toBe(true);
      expect(await enableBlasKernels('wasm')).toBe(true); // idempotent: no double registration
      expect(disableBlasKernels('wasm')).toBe(true);
      for (const k of BLAS_KERNELS) expect(tf.getKernel(k, 'wasm')).toBe(stock.get(k));
    },
  );

  it('rejects unknown backends and thread counts naming the parameter', async () => {
    await expect(enableBlasKernels('webgl')).rejects.toThrow(PaperkitInputError);
    await expect(enableBlasKernels('webgl')).rejects.toThrow(/backend must be one of wasm, cpu; got "webgl"/);
    expect(() => disableBlasKernels('tensorflow')).toThrow(/backend must be one of wasm, cpu/);
    await expect(setBlasThreads(0)).rejects.toThrow(/threads must be an integer in \[1, 1024\]; got 0/);
  });

  for (const be of ['wasm', 'cpu'] as const) {
    it.skipIf(absent)(`${be}: a small CNN trains with the BLAS kernels and leaks nothing`, async () => {
      await initBackend({ prefer: be, blas: 'off' });
      expect(await enableBlasKernels(be)).toBe(true);
      const rng = Rng.fromSeed(301).stream(be);
      const x = tf.tensor4d(rng.fillNormal(new Float32Array(8 * 6 * 6 * 2)), [8, 6, 6, 2]);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
      const w1 = tf.variable(
        tf.mul(tf.tensor4d(rng.fillNormal(new Float32Array(3 * 3 * 2 * 4)), [3, 3, 2, 4]), 0.3),
      );
      const w2 = tf.variable(tf.mul(tf.tensor2d(rng.fillNormal(new Float32Array(36 * 3)), [36, 3]), 0.1));
      const b2 = tf.variable(tf.zeros([3]));
      const opt = tf.train.sgd(0.1);
      const loss = () =>
        tf.tidy(() => {
          const h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, 'same'));
          const logits = tf.fused.matMul({
            a: tf.reshape(h, [8, 36]),
            b: w2,
            bias: b2,
            activation: 'linear',
          });
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        });
      const first = tf.tidy(() => loss().dataSync()[0]!);
      // Warm-up step: the optimizer allocates its state once.
      tf.dispose(opt.minimize(loss, true) ?? []);
      const tensors = tf.memory().numTensors;
      const ids = numDataIds();
      await expectNoLeak(() => {
        for (let i = 0; i < 20; i++) tf.dispose(opt.minimize(loss, true) ?? []);
      });
      // Kernel-internal intermediates (the fused epilogue's) are released too.
      expect(numDataIds()).toBe(ids);
      expect(tf.memory().numTensors).toBe(tensors);
      const last = tf.tidy(() => loss().dataSync()[0]!);
      expect(last).toBeLessThan(0.5 * first);
      tf.dispose([x, labels, w1, w2, b2]);
      opt.dispose();
      disableBlasKernels(be);
    });
  }

  describe('when the addon is absent or broken', () => {
    afterAll(() => overrideProbe(null));

    it('absent: nothing is registered, nothing is said', async () => {
      const absentProbe: NativeProbe = {
        state: 'absent',
        addon: null,
        reason: '@paperkit/tensor-native is not installed',
      };
      overrideProbe(absentProbe);
      const onWarning = vi.fn();
      const info = await initBackend({ prefer: 'wasm', onWarning });
      expect(info.label).toBe('wasm');
      expect(await enableBlasKernels('wasm')).toBe(false);
      expect(onWarning).not.toHaveBeenCalled();
      expect(blasStatus()).toMatchObject({ state: 'absent', reason: absentProbe.reason, enabledOn: [] });
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    });

    it('broken: one warning line through onWarning, once per process, and no console output', async () => {
      overrideProbe({
        state: 'broken',
        addon: null,
        reason: 'cannot load tensor_native.node: undefined symbol: cblas_sgemm',
      });
      const consoleSpies = (['log', 'warn', 'error', 'info'] as const).map((m) =>
        vi.spyOn(console, m).mockImplementation(() => {}),
      );
      const onWarning = vi.fn();
      const info = await initBackend({ prefer: 'wasm', onWarning });
      expect(info.label).toBe('wasm');
      expect(await blasAccelerator('cpu', onWarning)).toBe(false);
      expect(onWarning).toHaveBeenCalledTimes(1);
      const message = onWarning.mock.calls[0]![0] as string;
      expect(message).toMatch(
        /^@paperkit\/tensor-native is installed but unusable \(cannot load .*undefined symbol/,
      );
      expect(message).not.toContain('\n');
      for (const spy of consoleSpies) {
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      }
      expect(blasStatus().enabledOn).toEqual([]);
    });
  });
});
