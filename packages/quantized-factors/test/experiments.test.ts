import { resolveConfig, summarizeExperiment } from '@paperkit/tensor-core';
import {
  expectNoLeak,
  experimentPackageConformance,
  fakeCellContext,
  runExperimentCells,
} from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { experiments, landscape, linearRecovery, nonlinear } from '../src/experiments/index.js';
import { setupBackend } from './helpers.js';

beforeAll(setupBackend);

experimentPackageConformance(experiments, { prefix: 'quantized-factors' });

/** Small enough to run every cell in seconds; the science is checked in repro.test.ts. */
const TINY = {
  linear: {
    n: 300,
    methods: ['ours', 'gradient', 'ica2d', 'fastica', 'raw'],
    coarseStepDeg: 30,
    refineStepsDeg: [10],
    starts: 1,
    gradient: { n: 400, batchSize: 200, epochs: 1, lr: 0.1, momentum: 0.9, shuffle: true, keepBest: true },
    plotPoints: 60,
    ridgeGrid: 6,
  },
  landscape: { n: 300, stepDeg: 30 },
  nonlinear: {
    n: 300,
    coarseStepDeg: 30,
    flow: { couplings: 2, hidden: 4, steps: 3, batchSize: 100, lr: 1e-3 },
    plotPoints: 40,
  },
};

describe('experiments at tiny sizes', () => {
  it('linear-recovery: every method returns its metrics, leak-free; views and claims build from the records', async () => {
    const { records, summary } = await expectNoLeak(() =>
      runExperimentCells(linearRecovery, [3, 4], TINY.linear),
    );
    expect(records).toHaveLength(20);
    for (const r of records) {
      expect(r.result.metrics.mcc).toBeGreaterThan(0);
      expect(r.result.metrics.mcc).toBeLessThanOrEqual(1 + 1e-12);
      // Ten separators (five per axis), and the points of at least a few true cells.
      expect(Object.keys(r.result.series!).filter((k) => k.startsWith('separator:'))).toHaveLength(10);
      expect(Object.keys(r.result.series!).filter((k) => k.startsWith('points:')).length).toBeGreaterThan(3);
      if (r.cell.params.method === 'gradient') expect(r.result.series!.mccByEpoch!.x).toEqual([1]);
      expect(r.result.matrices?.ridges?.values.length ?? 0).toBe(
        ['ours', 'raw'].includes(String(r.cell.params.method)) ? 36 : 0,
      );
    }
    // Every method of a seed sees the same data: the latent correlation is a property of the dataset.
    for (const seed of [3, 4])
      for (const dataset of ['non-factorized', 'factorized']) {
        const rho = records
          .filter((r) => r.seed === seed && r.cell.params.dataset === dataset)
          .map((r) => r.result.metrics.latentCorrelation);
        expect(new Set(rho).size).toBe(1);
      }
    expect(summary.plotErrors).toEqual([]);
    expect(summary.plots.map((p) => p.id)).toContain('samples-non-factorized-ours');
    expect(summary.plots.map((p) => p.id)).toEqual(expect.arrayContaining(['mcc', 'codes', 'sgd-mcc']));
    const scatter = summary.plots.find((p) => p.id === 'samples-factorized-raw')!;
    expect(scatter.kind).toBe('scatter');
    expect(scatter.caption).toMatch(/Seed 3\.$/);
    expect(summary.verdicts.map((v) => v.claim)).toEqual([
      'ours-mcc-non-factorized',
      'sgd-mcc-non-factorized',
      'beats-fastica-non-factorized',
      'codes-non-factorized',
      'ours-mcc-factorized',
      'sgd-mcc-factorized',
      'beats-fastica-factorized',
      'codes-factorized',
    ]);
  });

  it('linear-recovery: the same seed gives the same numbers; a claim reads the cells it names', async () => {
    const config = resolveConfig(linearRecovery, 'quick', TINY.linear);
    const params = { dataset: 'factorized', method: 'ours' } as const;
    const a = await linearRecovery.cell(config, params, fakeCellContext(4));
    const b = await linearRecovery.cell(config, params, fakeCellContext(4));
    expect({ ...a.metrics, seconds: 0 }).toEqual({ ...b.metrics, seconds: 0 });
    const { records } = await runExperimentCells(linearRecovery, [0, 1], {
      ...TINY.linear,
      methods: ['ours', 'fastica'],
    });
    // Ours made 0.5 and FastICA perfect at every seed: both claims on these cells must fail.
    const mcc = { ours: 0.5, fastica: 1 } as Record<string, number>;
    const bent = records.map((r) => ({
      ...r,
      result: { ...r.result, metrics: { ...r.result.metrics, mcc: mcc[String(r.cell.params.method)]! } },
    }));
    const s = summarizeExperiment(linearRecovery, resolveConfig(linearRecovery, 'quick', TINY.linear), bent);
    for (const claim of ['ours-mcc-factorized', 'beats-fastica-non-factorized'])
      expect(s.verdicts.find((v) => v.claim === claim)!.status).toBe('fails');
  });

  it('landscape: a symmetric k×k loss matrix whose minimum is below the raw loss; views build', async () => {
    const { records, summary } = await expectNoLeak(() => runExperimentCells(landscape, [1], TINY.landscape));
    for (const r of records) {
      const l = r.result.matrices!.landscape!;
      expect([l.rows, l.cols]).toEqual([6, 6]);
      for (let i = 0; i < 6; i++) {
        expect(l.values[i * 6 + i]).toBeNaN(); // θ₁ = θ₂: rank deficient
        for (let j = 0; j < 6; j++) if (i !== j) expect(l.values[i * 6 + j]).toBe(l.values[j * 6 + i]);
      }
      expect(r.result.metrics.minLoss).toBeLessThanOrEqual(r.result.metrics.lossAtRaw! + 1e-9);
      expect(r.result.metrics.argminErrorDeg).toBeGreaterThanOrEqual(0);
      expect(r.result.metrics.argminErrorDeg).toBeLessThanOrEqual(90);
    }
    expect(summary.plotErrors).toEqual([]);
    expect(summary.plots.map((p) => p.kind)).toEqual(['heatmap', 'heatmap']);
  });

  it('nonlinear: every method returns its metrics, leak-free; views build', async () => {
    const { records, summary } = await expectNoLeak(() => runExperimentCells(nonlinear, [2], TINY.nonlinear));
    expect(records.map((r) => r.cell.params.method)).toEqual(['raw', 'linear', 'flow']);
    for (const r of records) expect(r.result.metrics.mccSpearman).toBeGreaterThan(0);
    expect(summary.plotErrors).toEqual([]);
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const config = resolveConfig(linearRecovery, 'quick', TINY.linear);
    await expect(
      linearRecovery.cell(
        config,
        { dataset: 'factorized', method: 'ours' },
        fakeCellContext(0, { signal: controller.signal }),
      ),
    ).rejects.toThrow(/aborted/);
  });

  it('rejects unknown or invalid config fields, naming the experiment and the field', () => {
    expect(() => resolveConfig(linearRecovery, 'quick', { sigmaa: 0.1 })).toThrow(
      /quantized-factors\/linear-recovery.*sigmaa/,
    );
    expect(() => resolveConfig(linearRecovery, 'quick', { methods: ['ours', 'pca'] })).toThrow(/methods/);
    expect(() => resolveConfig(landscape, 'quick', { sigma: 0 })).toThrow(/sigma/);
    expect(() => resolveConfig(nonlinear, 'quick', { datasets: [] })).toThrow(/datasets/);
  });
});
