import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, DivergenceError, initBackend, type MetricRecord, SGD, train } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

describe('train', () => {
  it('runs the budget, checks every k steps, evaluates on cadence and at the end, leaks nothing', async () => {
    const p = tf.tidy(() => tf.variable(tf.scalar(3)));
    const opt = new Adam({ lr: 0.1 });
    const records: MetricRecord[] = [];
    const before = tf.memory().numTensors;
    const r = await train({
      steps: 25,
      checkEvery: 10,
      evalEvery: 20,
      step: () => opt.minimize(() => tf.square(p) as tf.Scalar, { p }),
      evaluate: async () => ({ p: (await p.data())[0]! }),
      sink: { write: (rec) => records.push(rec) },
    });
    expect(r.losses.map((l) => l.step)).toEqual([10, 20, 25]);
    expect(r.evals.map((e) => e.step)).toEqual([20, 25]);
    expect(records.length).toBe(5);
    expect(r.finalLoss).toBeLessThan(r.losses[0]!.loss);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('stops with a clear message when the loss becomes NaN inside a window', async () => {
    const p = tf.tidy(() => tf.variable(tf.scalar(1)));
    const opt = new SGD({ lr: 0.1 });
    const run = train({
      steps: 50,
      checkEvery: 10,
      step: (i) => (i === 13 ? tf.scalar(Number.NaN) : opt.minimize(() => tf.square(p) as tf.Scalar, { p })),
    });
    await expect(run).rejects.toThrow(DivergenceError);
    await expect(
      train({ steps: 50, checkEvery: 10, step: (i) => tf.scalar(i === 13 ? Number.NaN : 1) }),
    ).rejects.toThrow(/training diverged by step 20: loss NaN \(not finite\); last finite loss 1/);
    p.dispose();
  });

  it('stops when the loss exceeds maxLoss (diverging step size)', async () => {
    const p = tf.tidy(() => tf.variable(tf.scalar(1)));
    const opt = new SGD({ lr: 1.5 }); // |1 − 2·1.5| = 2 > 1: the iterate doubles each step
    await expect(
      train({
        steps: 100,
        checkEvery: 5,
        maxLoss: 1e6,
        step: () => opt.minimize(() => tf.square(p) as tf.Scalar, { p }),
      }),
    ).rejects.toThrow(/above maxLoss 1000000/);
    p.dispose();
  });

  it('honours an abort signal between steps', async () => {
    const ac = new AbortController();
    const run = train({
      steps: 100,
      signal: ac.signal,
      step: (i) => {
        if (i === 3) ac.abort();
        return tf.scalar(1);
      },
    });
    await expect(run).rejects.toThrow(/training aborted at step 4/);
  });

  it('validates its options', async () => {
    await expect(train({ steps: 0, step: () => tf.scalar(1) })).rejects.toThrow(
      /steps must be an integer >= 1; got 0/,
    );
  });
});

describe('train yields to the event loop', () => {
  it('lets a timer-driven abort stop a synchronous loop', async () => {
    const ac = new AbortController();
    setImmediate(() => ac.abort());
    let steps = 0;
    const run = train({
      steps: 10_000,
      checkEvery: 5,
      signal: ac.signal,
      step: () => {
        steps++;
        return tf.scalar(1);
      },
    });
    await expect(run).rejects.toThrow(/training aborted at step/);
    expect(steps).toBeLessThanOrEqual(10);
  });
});
