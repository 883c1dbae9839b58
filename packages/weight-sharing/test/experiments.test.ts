import { initBackend, Rng, resolveConfig } from '@paperkit/tensor-core';
import {
  expectNoLeak,
  experimentPackageConformance,
  runExperimentCells,
} from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  circulantTeacher,
  circulantTeacherExperiment,
  experiments,
  levelRecovery,
  mnistTorusExperiment,
  proxSpeedExperiment,
  sharedPoolExperiment,
  sharedPoolTeacher,
} from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

experimentPackageConformance(experiments, { prefix: 'weight-sharing' });

describe('circulant teacher (headline)', () => {
  it('the teacher is circulant with levels 0/0.8/−0.5/0.3 in counts 928/32/32/32', () => {
    const w = circulantTeacher(32, [0.8, -0.5, 0.3]);
    expect(levelRecovery(w, [0, 0.8, -0.5, 0.3], 0).counts).toEqual([928, 32, 32, 32]);
    // Row i is row 0 rolled by i: y_i = Σ_j k_j x_{i−j}.
    expect(w[5 * 32 + 5]).toBe(0.8);
    expect(w[5 * 32 + 4]).toBe(-0.5);
    expect(w[5 * 32 + 3]).toBe(0.3);
    expect(w[0 * 32 + 31]).toBe(-0.5);
  });

  it('reproduces the effect over seeds 0–2: ≥ 20× lower test MSE at ws_lr = 1e-2, ≥ 95% of weights on a teacher level', async () => {
    const { records, summary, statuses } = await expectNoLeak(() =>
      runExperimentCells(circulantTeacherExperiment, [0, 1, 2], { wsLrs: [0, 1e-2] }),
    );
    expect(statuses).toEqual({
      'mse-drop': expect.stringMatching(/^holds/),
      'levels-recovered': expect.stringMatching(/^holds/),
    });
    for (const r of records) {
      const { testMse, withinLevels } = r.result.metrics;
      // Without WS the under-determined student stays far from W* (spec prototype: 0.263).
      if (r.cell.params.wsLr === 0) expect(testMse).toBeGreaterThan(0.15);
      else expect(withinLevels).toBeGreaterThanOrEqual(0.95);
    }
    expect(summary.plotErrors).toEqual([]);
  });

  it('quick is the spec plan (n_train = 24, 2000 steps, η = 0.05); full adds n_train 16 and 64', () => {
    expect(resolveConfig(circulantTeacherExperiment, 'quick')).toMatchObject({
      size: 32,
      nTrain: [24],
      steps: 2000,
      lr: 0.05,
      wsLrs: [0, 1e-3, 3e-3, 1e-2, 3e-2],
    });
    // The browser preset (the playground's headline) keeps the two ws_lr its claims compare.
    const browser = resolveConfig(circulantTeacherExperiment, 'browser');
    expect(browser).toMatchObject({ nTrain: [24], wsLrs: [0, 1e-2], steps: 2000 });
    expect(circulantTeacherExperiment.claims!(browser).map((c) => c.id)).toEqual([
      'mse-drop',
      'levels-recovered',
    ]);
    const full = resolveConfig(circulantTeacherExperiment, 'full');
    expect(circulantTeacherExperiment.claims!(full).map((c) => c.id)).toEqual([
      'mse-drop',
      'levels-recovered',
      'mse-drop-n16',
      'small-gain-n64',
    ]);
  });
});

describe('prox-speed', () => {
  it('round counts: d − 1 for imminent collisions and ⌈log2 d⌉ levels for search on the adversarial input', async () => {
    const { records, summary, statuses } = await runExperimentCells(proxSpeedExperiment, [0], {
      sizes: [2000, 5000],
      repeats: 1,
      adversarialSizes: [64, 300],
    });
    const at = (input: string, d: number, algorithm: string) =>
      records.find(
        (r) =>
          r.cell.params.input === input && r.cell.params.d === d && r.cell.params.algorithm === algorithm,
      )!.result.metrics;
    expect(at('adversarial', 300, 'imminent').rounds).toBe(299);
    expect(at('adversarial', 300, 'search').rounds).toBe(9);
    expect(at('gaussian', 5000, 'pav').rounds).toBe(1);
    // End collisions finds one cluster per round: hundreds of clusters at d = 5000, λ = 1e-3.
    expect(at('gaussian', 5000, 'end').rounds).toBeGreaterThan(200);
    const s = statuses;
    for (const id of ['imminent-adversarial', 'search-levels', 'search-depth', 'imminent-gaussian'])
      expect(s[id]).toMatch(/^holds/);
    expect(summary.plotErrors).toEqual([]);
  });

  it('algorithms above their maxSize get no cell', () => {
    const cfg = resolveConfig(proxSpeedExperiment, 'quick', {
      sizes: [5000],
      adversarialSizes: [10],
      maxSize: { pav: 1e7, end: 1000, imminent: 1e7, search: 1000 },
    });
    expect(proxSpeedExperiment.cells(cfg).map((c) => c.key)).toEqual([
      'input=gaussian,d=5000,algorithm=pav',
      'input=gaussian,d=5000,algorithm=imminent',
      'input=adversarial,d=10,algorithm=imminent',
      'input=adversarial,d=10,algorithm=search',
    ]);
  });
});

describe('shared-pool teacher', () => {
  it('every weight is one of the pool values, each a N(0, 1) draw rounded to 2 decimals', () => {
    const { teacher, pool } = sharedPoolTeacher(Rng.fromSeed(5), 10, 100, 4);
    expect(pool).toHaveLength(4);
    for (const p of pool) expect(Math.round(p * 100)).toBeCloseTo(p * 100, 9);
    for (const w of teacher) expect(pool).toContain(w);
    // All four values are used across 1000 uniform draws.
    expect(new Set(teacher).size).toBe(new Set(pool).size);
  });
});

describe('experiment configs reject sizes and learning rates outside what this machine can run', () => {
  it.each([
    [circulantTeacherExperiment, { lr: 5 }, /circulant-teacher: config field 'lr'/],
    [circulantTeacherExperiment, { size: 4096 }, /config field 'size'/],
    [circulantTeacherExperiment, { steps: 1e9 }, /config field 'steps'/],
    [proxSpeedExperiment, { sizes: [1e9] }, /config field 'sizes.0'/],
    [proxSpeedExperiment, { adversarialSizes: [1e6] }, /config field 'adversarialSizes.0'/],
    [mnistTorusExperiment, { lr: 50 }, /mnist-torus: config field 'lr'/],
    [mnistTorusExperiment, { widths: [64, 8] }, /config field 'widths.0'/],
    [sharedPoolExperiment, { inputDim: 1e5 }, /shared-pool: config field 'inputDim'/],
  ] as const)('%#: %o', (e, overrides, message) => {
    expect(() => resolveConfig(e as never, 'quick', overrides)).toThrow(message);
  });
});
