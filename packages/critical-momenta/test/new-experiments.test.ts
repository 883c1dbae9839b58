import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { expectNoLeak, fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  continualExperiment,
  continualMetrics,
  languageModelExperiment,
  samExperiment,
} from '../src/experiments/index.js';
import { judgeOverSeeds } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('continual: metrics of an accuracy matrix', () => {
  it('match a hand computation (final accuracy, forgetting, learning accuracy)', () => {
    const m = continualMetrics([
      [0.9, 0.1, 0.1],
      [0.7, 0.95, 0.1],
      [0.5, 0.8, 0.97],
    ]);
    expect(m.finalAccuracy).toBeCloseTo((0.5 + 0.8 + 0.97) / 3, 12);
    // Task 0: best 0.9 before the end, 0.5 at the end; task 1: 0.95 then 0.8.
    expect(m.forgetting).toBeCloseTo((0.4 + 0.15) / 2, 12);
    expect(m.learningAccuracy).toBeCloseTo((0.9 + 0.95 + 0.97) / 3, 12);
  });

  it('a later rise on an old task is no forgetting of it: the best before the end counts', () => {
    expect(
      continualMetrics([
        [0.6, 0.1],
        [0.8, 0.9],
      ]).forgetting,
    ).toBeCloseTo(-0.2, 12);
  });

  it('rejects a matrix that is not square or has one task', () => {
    expect(() => continualMetrics([[0.5]])).toThrow(/R must be a square accuracy matrix/);
    expect(() => continualMetrics([[0.5, 0.2], [0.1]])).toThrow(/R must be a square/);
  });
});

describe('new experiments: a tiny cell runs without leaking', () => {
  it('continual: two permuted tasks give a 2×2 accuracy matrix, each task learned above chance', async () => {
    const c = resolveConfig(continualExperiment, 'quick', {
      tasks: 2,
      stepsPerTask: 40,
      hidden: [16],
      testCount: 200,
    });
    const r = await expectNoLeak(() =>
      continualExperiment.cell(c, { method: 'adam-cm' }, fakeCellContext(0)),
    );
    const R = r.matrices!.accuracy!;
    expect([R.rows, R.cols]).toEqual([2, 2]);
    // Chance is 0.1; R[0][0] and R[1][1] are each task right after training on it.
    expect(R.values[0]).toBeGreaterThan(0.3);
    expect(R.values[3]).toBeGreaterThan(0.3);
    expect(r.metrics).toEqual(continualMetrics([R.values.slice(0, 2), R.values.slice(2, 4)]));
  });

  it('sam: Adam+CM+SAM trains the two-moons MLP above chance', async () => {
    const c = resolveConfig(samExperiment, 'quick', {
      trainCount: 64,
      testCount: 64,
      hidden: [8],
      steps: 60,
      sharpnessIters: 3,
    });
    const r = await expectNoLeak(() =>
      samExperiment.cell(c, { method: 'adam-cm', sam: true }, fakeCellContext(1)),
    );
    expect(r.metrics.testAccuracy).toBeGreaterThan(0.6);
    expect(Number.isFinite(r.metrics.lambdaMax)).toBe(true);
  });
});

describe('reproduction: language model, seeds 0–2 at a reduced budget', () => {
  it('Adam+CM’s held-out loss falls faster than Adam’s at the shared lr (every seed), no tensor leak', async () => {
    const c = resolveConfig(languageModelExperiment, 'quick', { steps: 120, evals: 4, evalSequences: 64 });
    const { verdicts, tables } = await expectNoLeak(() =>
      judgeOverSeeds(languageModelExperiment, c, [0, 1, 2], (p) => p.method !== 'adam-cg'),
    );
    expect(verdicts['cm-faster-early']!.status, verdicts['cm-faster-early']!.reason).toBe('holds');
    for (const t of tables) {
      expect(t.value('earlyEvalLoss', { method: 'adam-cm' })).toBeLessThan(
        t.value('earlyEvalLoss', { method: 'adam' }),
      );
      // Both learn: below the uniform predictor's ln V.
      for (const method of ['adam', 'adam-cm'])
        expect(t.value('evalLoss', { method })).toBeLessThan(Math.log(c.vocab));
    }
  });
});
