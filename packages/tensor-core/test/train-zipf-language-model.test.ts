import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, initBackend, PaperkitInputError, Rng, zipfLanguageModelTask } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

const SMALL = {
  vocab: 16,
  exponent: 1,
  branching: 4,
  length: 9,
  dModel: 16,
  heads: 2,
  layers: 1,
  steps: 20,
  batch: 4,
  evalSequences: 8,
};

describe('zipfLanguageModelTask', () => {
  it('one seed gives one task: the same held-out loss before and after the same steps; training lowers it; nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const run = async () => {
      const task = zipfLanguageModelTask(Rng.fromSeed(3), SMALL);
      const opt = new Adam({ lr: 1e-2 });
      const start = await task.heldOutLoss();
      for (let i = 0; i < SMALL.steps; i++) task.step(opt, i).dispose();
      const end = await task.heldOutLoss();
      opt.dispose();
      task.dispose();
      return [start, end] as const;
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    // an untrained model is near uniform over V = 16 (ln 16 ≈ 2.77 nats); 20 steps of Adam learn the unigram
    expect(a[0]).toBeGreaterThan(2.5);
    expect(a[1]).toBeLessThan(a[0] - 0.1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects sizes it cannot use, naming the field', () => {
    expect(() => zipfLanguageModelTask(Rng.fromSeed(0), { ...SMALL, steps: 0 })).toThrow(PaperkitInputError);
    expect(() => zipfLanguageModelTask(Rng.fromSeed(0), { ...SMALL, length: 1 })).toThrow(/^length /);
    expect(() => zipfLanguageModelTask(Rng.fromSeed(0), { ...SMALL, batch: 1.5 })).toThrow(/^batch /);
  });
});
