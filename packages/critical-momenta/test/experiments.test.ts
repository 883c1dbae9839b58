import { type ExperimentResult, initBackend, Rng, resolveConfig, twoMoons } from '@paperkit/tensor-core';
import { fakeContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainClassifier } from '../src/experiments/classifier-run.js';
import {
  escapeExperiment,
  experiments,
  mnistExperiment,
  testFunctionsExperiment,
  twoMoonsExperiment,
} from '../src/experiments/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

function checkResult(r: ExperimentResult): void {
  expect(r.comparisons.length).toBeGreaterThan(0);
  for (const c of r.comparisons) expect(c.metric.length).toBeGreaterThan(0);
  const ids = r.plots.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of r.plots) {
    if (p.kind === 'line') for (const s of p.series) expect(s.x.length).toBe(s.y.length);
    if (p.kind === 'heatmap') expect(p.values.length).toBe(p.rows * p.cols);
    if (p.kind === 'bar') for (const g of p.groups) expect(g.values.length).toBe(p.categories.length);
  }
  for (const v of Object.values(r.summary)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
}

describe('experiments', () => {
  it('exactly one headline, ids under critical-momenta/, presets resolve', () => {
    expect(experiments.filter((e) => e.headline).map((e) => e.id)).toEqual(['critical-momenta/escape']);
    for (const e of experiments) {
      expect(e.id.startsWith('critical-momenta/')).toBe(true);
      expect(() => resolveConfig(e as typeof escapeExperiment, 'quick')).not.toThrow();
      expect(() => resolveConfig(e as typeof escapeExperiment, 'full')).not.toThrow();
    }
    expect(() => resolveConfig(escapeExperiment, 'quick', { seedz: 3 })).toThrow(/seedz/);
  });

  it('escape: a small run returns the table, plots and judged comparisons', async () => {
    const cfg = resolveConfig(escapeExperiment, 'quick', { seeds: 20, kappas: [4, 16] });
    const ctx = fakeContext(3);
    const r = await escapeExperiment.run(cfg, ctx);
    checkResult(r);
    expect(r.summary['escape.adam.lr0.05.k16']).toBe(0);
    expect(r.summary['escape.adam-cm.lr0.05.k16']).toBeGreaterThanOrEqual(0.8);
    expect(ctx.records.length).toBe(2 * 3 * 2 + 3);
    expect(r.comparisons.find((c) => c.metric.startsWith('Adam+CM escapes'))?.holds).toBe(true);
  });

  it('test-functions: a small grid runs both functions', async () => {
    const cfg = resolveConfig(testFunctionsExperiment, 'quick', {
      grid: 3,
      steps: 100,
      lrs: [0.05],
      heatmap: 10,
      drawn: 2,
    });
    const r = await testFunctionsExperiment.run(cfg, fakeContext(0));
    checkResult(r);
    const kinds = ['line', 'heatmap', 'line', 'line', 'line'];
    expect(r.plots.map((p) => p.kind)).toEqual([...kinds, ...kinds]);
    const reached = r.summary['ackley.adam-cm.lr0.05.reached'] as number;
    expect(reached).toBeGreaterThanOrEqual(0);
    expect(reached).toBeLessThanOrEqual(1);
  });

  it('two-moons and mnist: tiny runs return accuracies, λ_max and distances without leaking', async () => {
    const before = tf.memory().numTensors;
    const r1 = await twoMoonsExperiment.run(
      resolveConfig(twoMoonsExperiment, 'quick', {
        seeds: 1,
        trainCount: 64,
        testCount: 64,
        hidden: [8],
        steps: 30,
        sharpnessIters: 3,
      }),
      fakeContext(1),
    );
    checkResult(r1);
    const r2 = await mnistExperiment.run(
      resolveConfig(mnistExperiment, 'quick', {
        hidden: [8],
        steps: 40,
        methods: ['adam', 'adam-cm'],
        sharpnessIters: 3,
        sharpnessExamples: 50,
      }),
      fakeContext(2),
    );
    checkResult(r2);
    // Above chance (0.5 for two classes, 0.1 for ten) after a few dozen steps.
    for (const [r, chance] of [
      [r1, 0.5],
      [r2, 0.1],
    ] as const) {
      expect(r.summary['adam-cm.testAccuracy.mean']).toBeGreaterThan(chance + 0.1);
      expect(r.summary['adam-cm.distance.mean']).toBeGreaterThan(0);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the classifier training loop leaks nothing, minibatch and full batch, for every method', async () => {
    const rng = Rng.fromSeed(5);
    const data = {
      train: twoMoons(rng.stream('a'), { count: 48, labelNoise: 0.1 }),
      test: twoMoons(rng.stream('b'), { count: 16 }),
    };
    const before = tf.memory().numTensors;
    for (const method of ['adam', 'adam-cg', 'adam-cm'] as const)
      for (const batchSize of [16, 48]) {
        const out = await trainClassifier(
          {
            method,
            mlp: { sizes: [2, 8, 2] },
            lr: 0.01,
            steps: 12,
            batchSize,
            topC: 3,
            cgTopC: 3,
            decay: 0.7,
            sharpnessIters: 2,
            sharpnessExamples: 48,
          },
          data,
          rng.stream(`${method}-${batchSize}`),
          new AbortController().signal,
        );
        expect(Number.isFinite(out.lambdaMax)).toBe(true);
      }
    expect(tf.memory().numTensors).toBe(before);
  });
});
