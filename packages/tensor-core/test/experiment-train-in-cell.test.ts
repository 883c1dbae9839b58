import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, PaperkitInputError, SGD, trainInCell } from '../src/index.js';
import { expectNoLeak, fakeCellContext } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

/** A fake cell context whose progress calls are recorded. */
function context(signal?: AbortSignal) {
  const calls: string[] = [];
  const ctx = fakeCellContext(0, signal ? { signal } : {});
  return {
    calls,
    ctx: {
      ...ctx,
      progress: {
        start: (label: string, total: number) => void calls.push(`start ${label} ${total}`),
        update: (done: number, status?: string) => void calls.push(`update ${done} ${status}`),
      },
    },
  };
}

describe('trainInCell', () => {
  it('logs each window loss to the cell and reports progress with it, leaking nothing', async () => {
    const { ctx, calls } = context();
    const p = tf.tidy(() => tf.variable(tf.scalar(2)));
    const opt = new SGD({ lr: 0.25 });
    // f(p) = p², p ← p − 0.25·2p = p/2: the losses of steps 1…4 are 4, 1, 1/4, 1/16.
    await expectNoLeak(async () => {
      const r = await trainInCell(ctx, {
        steps: 4,
        checkEvery: 2,
        step: () => opt.minimize(() => tf.square(p) as tf.Scalar, { p }),
      });
      expect(r.losses).toEqual([
        { step: 2, loss: 2.5 },
        { step: 4, loss: 0.15625 },
      ]);
    });
    expect(ctx.records).toEqual([
      { step: 2, values: { loss: 2.5 } },
      { step: 4, values: { loss: 0.15625 } },
    ]);
    expect(calls).toEqual(['start training 4', 'update 2 loss 2.500', 'update 4 loss 0.156']);
    opt.dispose();
    p.dispose();
  });

  it('stops at the cell’s abort signal, and the options override the cell’s wiring', async () => {
    const stop = new AbortController();
    const { ctx } = context(stop.signal);
    const run = trainInCell(ctx, {
      steps: 10,
      step: (i) => {
        if (i === 3) stop.abort();
        return tf.scalar(1);
      },
    });
    await expect(run).rejects.toThrow('training aborted at step 4');
    const seen: number[] = [];
    const r = await trainInCell(ctx, {
      steps: 3,
      checkEvery: 1,
      step: () => tf.scalar(1),
      signal: new AbortController().signal,
      sink: { write: (rec) => void seen.push(rec.step) },
    });
    expect(r.steps).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(ctx.records).toEqual([]);
  });

  it('rejects a bad step budget, naming it', async () => {
    const { ctx } = context();
    await expect(trainInCell(ctx, { steps: 0, step: () => tf.scalar(1) })).rejects.toThrow(
      PaperkitInputError,
    );
    await expect(trainInCell(ctx, { steps: 0, step: () => tf.scalar(1) })).rejects.toThrow(/steps/);
  });
});
