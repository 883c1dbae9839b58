import { initBackend, Rng, resolveConfig } from '@paperkit/tensor-core';
import { fakeContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bigramLoss,
  bigramLossAndGrads,
  bigramPopulationLoss,
  bigramTask,
  initBigram,
} from '../src/experiments/bigram.js';
import { experiments, probesExperiment, tinyTransformerExperiment } from '../src/experiments/index.js';
import { ema, slowdown, tailMean } from '../src/experiments/loop.js';
import { spearman } from '../src/experiments/shared.js';
import { host, maxDiff } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('experiment plumbing', () => {
  it('registers four experiments with exactly one headline', () => {
    expect(experiments.map((e) => e.id)).toEqual([
      'adam-rotation/quadratic',
      'adam-rotation/zipf-bigram',
      'adam-rotation/tiny-transformer',
      'adam-rotation/probes',
    ]);
    expect(experiments.filter((e) => e.headline).map((e) => e.id)).toEqual(['adam-rotation/zipf-bigram']);
  });

  it('the hand-written bigram gradients equal autodiff', async () => {
    const rng = Rng.fromSeed(1);
    const task = bigramTask(rng.stream('data'), 16, 1.3, 2, 8);
    const params = initBigram(rng.stream('init'), 16, 4);
    const pairs = task.pairs.subarray(0, 16);
    const { loss, grads } = bigramLossAndGrads(params.tensors(), pairs, 16);
    const batch = tf.tensor2d(pairs, [8, 2], 'int32');
    const auto = tf.variableGrads(() => bigramLoss(params.tensors(), batch));
    expect(Math.abs((await host(loss))[0]! - (await host(auto.value))[0]!)).toBeLessThan(1e-6);
    for (const n of ['embedding', 'head'])
      expect(maxDiff(await host(grads[n]!), await host(auto.grads[params.get(n).name]!))).toBeLessThan(1e-6);
    // The population loss is the joint-weighted cross-entropy, bounded below by the entropy floor.
    const pop = bigramPopulationLoss(params.tensors(), task.joint);
    expect((await host(pop))[0]!).toBeGreaterThan(task.floor);
    tf.dispose([
      loss,
      ...Object.values(grads),
      batch,
      auto.value,
      ...Object.values(auto.grads),
      pop,
      task.joint,
    ]);
    params.dispose();
  });

  it('slowdown, EMA, tail mean and Spearman', () => {
    const base = Array.from({ length: 100 }, (_, i) => 1 / (i + 1));
    const slow = Array.from({ length: 100 }, (_, i) => 1 / (0.5 * i + 1));
    expect(slowdown(base, base)).toBe(0);
    const sd = slowdown(base, slow);
    expect(sd).toBe(Number.POSITIVE_INFINITY);
    expect(slowdown(slow, base)).toBeLessThan(0);
    expect(ema([1, 2, 3], 0.5)[2]).toBeCloseTo(0.5 * (0.5 * 1 + 0.5 * 2) + 0.5 * 3, 12);
    expect(tailMean([1, 2, 3, 4], 2)).toBe(3.5);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });
});

describe('Tier 2 and Tier 3 at toy size (runs, reports, leaks nothing)', () => {
  it('tiny-transformer', async () => {
    const before = tf.memory().numTensors;
    const cfg = resolveConfig(tinyTransformerExperiment, 'quick', {
      vocab: 16,
      length: 9,
      dModel: 8,
      batch: 2,
      steps: 20,
      warmup: 2,
      blockSize: 8,
      svdEvery: 5,
      evalSequences: 8,
    });
    const r = await tinyTransformerExperiment.run(cfg, fakeContext(1));
    for (const sc of cfg.scopes) expect(Number.isFinite(r.summary[`${sc}.evalLoss`] as number)).toBe(true);
    expect(r.plots.length).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('probes', async () => {
    const before = tf.memory().numTensors;
    const cfg = resolveConfig(probesExperiment, 'quick', {
      vocab: 16,
      dim: 4,
      batch: 8,
      steps: 30,
      scopes: ['none', 'layer', 'global', 'svd'],
      linfBatches: 5,
      hessianRows: 3,
      hessianBatches: 2,
      randomDirections: 2,
      resumeSteps: 3,
      lastSteps: 10,
      blockSize: 8,
      svdEvery: 5,
    });
    const r = await probesExperiment.run(cfg, fakeContext(2));
    for (const sc of cfg.scopes) {
      expect(r.summary[`${sc}.updateCv`] as number).toBeGreaterThan(0);
      expect(r.summary[`${sc}.linfBound`] as number).toBeGreaterThan(0);
    }
    expect(r.comparisons.length).toBeGreaterThanOrEqual(7);
    expect(tf.memory().numTensors).toBe(before);
  });
});
