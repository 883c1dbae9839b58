import { initBackend, Rng, resolveConfig, twoMoons } from '@paperkit/tensor-core';
import { expectNoLeak, experimentPackageConformance, fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifierCell } from '../src/experiments/classifier-run.js';
import {
  continualExperiment,
  escapeExperiment,
  experiments,
  languageModelExperiment,
  mnistExperiment,
  samExperiment,
  testFunctionsExperiment,
  twoMoonsExperiment,
} from '../src/experiments/index.js';
import { judgeOverSeeds } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

experimentPackageConformance(experiments, { prefix: 'critical-momenta' });

describe('experiment configs reject what this machine cannot run or what only diverges', () => {
  it.each([
    ['escape lrs=[1e30]', escapeExperiment, { lrs: [1e30] }, /lrs/],
    ['escape particles=1e9', escapeExperiment, { particles: 1e9 }, /particles/],
    ['escape threshold=2', escapeExperiment, { threshold: 2 }, /threshold/],
    ['test-functions grid=1000', testFunctionsExperiment, { grid: 1000 }, /grid/],
    ['two-moons lr=10', twoMoonsExperiment, { lr: 10 }, /lr/],
    ['two-moons hidden=[1e6]', twoMoonsExperiment, { hidden: [1e6] }, /hidden/],
    ['mnist lr=1', mnistExperiment, { lr: 1 }, /lr/],
    ['mnist batchSize=1e7', mnistExperiment, { batchSize: 1e7 }, /batchSize/],
    ['sam rho=5', samExperiment, { rho: 5 }, /rho/],
    ['continual tasks=100', continualExperiment, { tasks: 100 }, /tasks/],
    ['continual lr=1', continualExperiment, { lr: 1 }, /lr/],
    ['language-model steps=1e6', languageModelExperiment, { steps: 1e6 }, /steps/],
    ['language-model lr=1', languageModelExperiment, { lr: 1 }, /lr/],
  ] as const)('%s', (_, e, overrides, field) => {
    expect(() => resolveConfig(e as typeof escapeExperiment, 'quick', overrides)).toThrow(field);
  });
});

describe('reproduction: test functions (deterministic, quick grid of 81 starts)', () => {
  it('Ackley: Adam stalls in a local minimum, Adam+CM reaches the global basin and travels farther', async () => {
    const config = resolveConfig(testFunctionsExperiment, 'quick', { drawn: 0 });
    const { verdicts, tables } = await judgeOverSeeds(
      testFunctionsExperiment,
      config,
      [0],
      (p) => p.fn === 'ackley',
    );
    const best = (method: string) => Math.max(...tables[0]!.values('reached', { fn: 'ackley', method }));
    expect(best('adam')).toBeLessThan(0.2);
    expect(best('adam-cm')).toBeGreaterThan(0.9);
    expect(verdicts['ackley-cm-beats-adam']!.status).toBe('holds');
    expect(verdicts['ackley-cm-travels']!.status).toBe('holds');
  });
});

describe('reproduction: two moons (Toy 3), seeds 0–2 at a reduced size', () => {
  it('Adam+CM ends far flatter than Adam (λ_max), with no tensor leak', async () => {
    const config = resolveConfig(twoMoonsExperiment, 'quick', {
      trainCount: 256,
      testCount: 256,
      hidden: [32, 32],
      steps: 300,
      sharpnessIters: 10,
    });
    const { verdicts, tables } = await expectNoLeak(() =>
      judgeOverSeeds(twoMoonsExperiment, config, [0, 1, 2], (p) => p.method !== 'adam-cg'),
    );
    expect(verdicts['cm-flatter']!.status, verdicts['cm-flatter']!.reason).toBe('holds');
    // At least a factor 2 flatter at every seed.
    for (const t of tables)
      expect(t.value('lambdaMax', { method: 'adam-cm' })).toBeLessThan(
        0.5 * t.value('lambdaMax', { method: 'adam' }),
      );
  });
});

describe('classifier cells', () => {
  it('mnist: a tiny cell learns (above chance) without leaking', async () => {
    const config = resolveConfig(mnistExperiment, 'quick', {
      hidden: [8],
      steps: 40,
      sharpnessIters: 3,
      sharpnessExamples: 50,
    });
    const r = await expectNoLeak(() =>
      mnistExperiment.cell(config, { method: 'adam-cm' }, fakeCellContext(2)),
    );
    expect(r.metrics.testAccuracy).toBeGreaterThan(0.3);
    expect(r.series?.trainLoss?.x.length).toBeGreaterThan(0);
  });

  it('the training loop leaks nothing, minibatch and full batch, for every method', async () => {
    const rng = Rng.fromSeed(5);
    const data = {
      train: twoMoons(rng.stream('a'), { count: 48, labelNoise: 0.1 }),
      test: twoMoons(rng.stream('b'), { count: 16 }),
    };
    for (const method of ['adam', 'adam-cg', 'adam-cm'] as const)
      for (const [i, batchSize] of [16, 48].entries())
        await expectNoLeak(() =>
          classifierCell(
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
            fakeCellContext(i),
          ),
        );
  });
});
