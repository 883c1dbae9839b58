import { initBackend, Rng, resolveConfig, SeedTable } from '@paperkit/tensor-core';
import {
  experimentPackageConformance,
  fakeCellContext,
  maxAbsDiff,
  readHost,
} from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blockSize,
  cnn,
  experiments,
  paramType,
  quadratic,
  tinyTransformer,
  zipfBigram,
} from '../src/experiments/index.js';
import {
  bigramChain,
  bigramLoss,
  bigramLossAndGrads,
  bigramPopulationLoss,
  bigramTask,
  initBigram,
  slowdown,
} from '../src/index.js';
import { runExperiment } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

experimentPackageConformance(experiments, { prefix: 'adam-rotation' });

describe('config bounds (issue 19)', () => {
  it('sizes and learning rates outside what this machine runs are rejected before any work, naming the field', () => {
    for (const [e, o, msg] of [
      [
        quadratic,
        { adamLr: 1e20 },
        /quadratic: config field 'adamLr' must be .*<=10; got 100000000000000000000/,
      ],
      [quadratic, { dim: 1e6 }, /quadratic: config field 'dim' must be .*<=1024; got 1000000/],
      [zipfBigram, { sgdLr: 1e3 }, /zipf-bigram: config field 'sgdLr' must be .*<=10; got 1000/],
      [zipfBigram, { vocab: 1e5 }, /zipf-bigram: config field 'vocab' must be .*<=2048/],
      [cnn, { lr: 5 }, /cnn: config field 'lr' must be .*<=0.1; got 5/],
      [tinyTransformer, { lrs: [1] }, /tiny-transformer: config field 'lrs.0' must be .*<=0.1/],
    ] as const)
      expect(() => resolveConfig(e as never, 'quick', o)).toThrow(msg);
  });
});

describe('experiment building blocks', () => {
  it('the hand-written bigram gradients equal autodiff', async () => {
    const rng = Rng.fromSeed(1);
    const task = bigramTask(rng.stream('data'), 16, 1.3, 2, 8);
    const params = initBigram(rng.stream('init'), 16, 4);
    const pairs = task.pairs.subarray(0, 16);
    const { loss, grads } = bigramLossAndGrads(params.tensors(), pairs, 16);
    const batch = tf.tensor2d(pairs, [8, 2], 'int32');
    const auto = tf.variableGrads(() => bigramLoss(params.tensors(), batch));
    expect(Math.abs(readHost(loss)[0]! - readHost(auto.value)[0]!)).toBeLessThan(1e-6);
    for (const n of ['embedding', 'head'])
      expect(maxAbsDiff(readHost(grads[n]!), readHost(auto.grads[params.get(n).name]!))).toBeLessThan(1e-6);
    // The population loss is the joint-weighted cross-entropy, bounded below by the entropy floor.
    const pop = bigramPopulationLoss(params.tensors(), task.joint);
    expect(readHost(pop)[0]!).toBeGreaterThan(task.floor);
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

  it('slowdown: steps to reach the worse of the two best losses (running minimum), hand-computed', () => {
    const c = (...y: number[]) => y.map((loss, i) => ({ step: 100 * i, loss }));
    const base = c(3, 2, 1);
    // The run's best (2) is reached at step 200, by the baseline at step 100: 200/100 − 1.
    expect(slowdown(base, c(3, 2.5, 2))).toBe(1);
    // The run's best 1.5 is reached at step 100; the baseline gets there halfway between 100 and 200.
    expect(slowdown(base, c(3, 1.5, 1.8))).toBeCloseTo(100 / 150 - 1, 12);
    // A faster run reaches the baseline's best (1) at step 100, the baseline at 200: 100/200 − 1.
    expect(slowdown(base, c(3, 1, 0.5))).toBe(-0.5);
    // The same curve is never slower, even when its best comes before the end.
    expect(slowdown(base, base)).toBe(0);
    expect(slowdown(c(3, 1, 2), c(3, 1, 2))).toBe(0);
    // A run that never improves on the start needs infinitely many steps.
    expect(slowdown(base, c(3, 3, 3))).toBe(Number.POSITIVE_INFINITY);
  });

  it('adam-beats-sgd compares with SGD at its best learning rate, ignoring a diverged one', () => {
    const claim = zipfBigram.claims!(resolveConfig(zipfBigram, 'quick')).find(
      (c) => c.id === 'adam-beats-sgd',
    )!;
    const row = (optimizer: string, lr: number, finalLoss: number) => ({
      seed: 0,
      cell: `${optimizer},${lr}`,
      label: '',
      params: { optimizer, scope: 'none', lr },
      metrics: { finalLoss },
    });
    const sgd = [row('sgdm', 0.3, 3.69), row('sgdm', 0.1, 3.85), row('sgdm', 1, Number.NaN)];
    const t = new SeedTable(0, [row('adam', 0.01, 3.58), ...sgd]);
    expect(claim.metric.compute(t)).toBeCloseTo(3.58 - 3.69, 12);
  });

  it('bad input to the bigram task, model and slowdown names the parameter', () => {
    const rng = Rng.fromSeed(0);
    expect(() => bigramChain(rng, 1, 1.3)).toThrow(/vocab/);
    expect(() => bigramChain(rng, 16, 0)).toThrow(/exponent/);
    expect(() => bigramTask(rng, 16, 1.3, 0, 8)).toThrow(/steps/);
    expect(() => bigramTask(rng, 16, 1.3, 2, 1.5)).toThrow(/batch/);
    expect(() => initBigram(rng, 16, 0)).toThrow(/dim/);
    expect(() => slowdown([], [{ step: 0, loss: 1 }])).toThrow(/base/);
    expect(() => slowdown([{ step: 0, loss: 1 }], [])).toThrow(/run/);
  });
});

describe('new experiments at toy size', () => {
  it('block-size: n = 1 is a signed permutation, so Adam trains exactly as unrotated; n = 16 does not', async () => {
    const { records } = await runExperiment(blockSize, [0], {
      vocab: 32,
      dim: 8,
      steps: 100,
      evalEvery: 25,
      lastSteps: 50,
      blockSizes: [1, 16],
    });
    const at = (n: number) => records.find((r) => r.cell.params.n === n)!.result.metrics;
    expect(at(1).lossVsNone).toBe(0);
    expect(at(1).slowdown).toBe(0);
    expect(Math.abs(at(16).lossVsNone!)).toBeGreaterThan(1e-4);
  });

  it('tiny-transformer and param-type: a rotated cell trains, logs its curve and leaks nothing', async () => {
    const toy = {
      vocab: 16,
      length: 9,
      dModel: 8,
      batch: 2,
      steps: 25,
      warmup: 2,
      blockSize: 8,
      evalSequences: 8,
    };
    const ctx = fakeCellContext(1);
    const cfg = resolveConfig(tinyTransformer, 'quick', { ...toy, scopes: ['none', 'global'] });
    const r = await tinyTransformer.cell(cfg, { scope: 'global', lr: 3e-3 }, ctx);
    expect(Number.isFinite(r.metrics.evalLoss)).toBe(true);
    expect(r.series!.loss!.x).toEqual([25]);
    expect(ctx.records.at(-1)).toMatchObject({ step: 25 });
    // Rotating only the MLP weights changes the run, rotating nothing reproduces scope none exactly.
    const { records } = await runExperiment(paramType, [1], { ...toy, targets: ['none', 'mlp'] });
    const none = await tinyTransformer.cell(cfg, { scope: 'none', lr: 3e-3 }, fakeCellContext(1));
    expect(records[0]!.result.metrics.evalLoss).toBe(none.metrics.evalLoss);
    expect(records[1]!.result.metrics.evalLoss).not.toBe(none.metrics.evalLoss);
  });
});
