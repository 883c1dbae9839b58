import { type Experiment, initBackend, resolveConfig } from '@paperkit/tensor-core';
import {
  expectNoLeak,
  experimentPackageConformance,
  runExperimentCells,
} from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { experiments, intersectional, mnistGroups, syntheticGroups } from '../src/experiments/index.js';
import { prunedCount } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

experimentPackageConformance(experiments, { prefix: 'disparate-pruning' });

// The runner's results table puts cell parameters and metrics side by side: their names must differ.
it('cell parameter names are neither metric names nor seed/cell', () => {
  for (const e of experiments as readonly Experiment[])
    for (const preset of Object.keys(e.presets))
      for (const cell of e.cells(resolveConfig(e, preset)))
        for (const name of Object.keys(cell.params))
          expect([...Object.keys(e.metrics), 'seed', 'cell'], `${e.id} ${preset} ${name}`).not.toContain(
            name,
          );
});

/** Small enough to run every cell in seconds; the science is checked in synthetic-groups.repro.test.ts. */
const TINY = { hidden: 8, denseEpochs: 2, epochs: 3, pruningEpochs: 1, traceEvery: 2 };
const ALL = ['nft', 'nft-es', 'el', 'el-rb', 'ceag', 'ceag-nupi', 'ceag-norb', 'ceag-buffermean'];

describe('schemas refuse sizes and rates this machine cannot run, naming the field', () => {
  const cases: [Experiment, Record<string, unknown>, RegExp][] = [
    [syntheticGroups as unknown as Experiment, { trainSize: 1e9 }, /trainSize/],
    [syntheticGroups as unknown as Experiment, { hidden: 1e6 }, /hidden/],
    [syntheticGroups as unknown as Experiment, { lr: 1e30 }, /lr/],
    [syntheticGroups as unknown as Experiment, { epochs: 1e7 }, /epochs/],
    [syntheticGroups as unknown as Experiment, { nupiKp: 1e9 }, /nupiKp/],
    [intersectional as unknown as Experiment, { testSize: 1e9 }, /testSize/],
    [intersectional as unknown as Experiment, { dualLr: 1e6 }, /dualLr/],
    [mnistGroups as unknown as Experiment, { denseLr: 10 }, /denseLr/],
    [mnistGroups as unknown as Experiment, { batchSize: 1e7 }, /batchSize/],
  ];
  for (const [e, overrides, field] of cases)
    it(`${e.id} ${JSON.stringify(overrides)}`, () => {
      expect(() => resolveConfig(e, 'quick', overrides)).toThrow(field);
    });
});

describe('experiments at tiny sizes', () => {
  it('synthetic-groups: every method, leak-free, one dense model and one dataset per seed; claims and plots build', async () => {
    const tiny = { ...TINY, trainSize: 400, testSize: 200, methods: ALL };
    await runExperimentCells(syntheticGroups, [5], tiny); // trains the seed's dense model once (memoised)
    const { records, summary } = await expectNoLeak(() => runExperimentCells(syntheticGroups, [5, 6], tiny));
    expect(records).toHaveLength(16);
    for (const seed of [5, 6]) {
      const rs = records.filter((r) => r.seed === seed);
      // Every method starts from the seed's dense model and data.
      expect(new Set(rs.map((r) => r.result.metrics.dense_train_accuracy_pct)).size).toBe(1);
      for (const r of rs) {
        const method = r.cell.params.method as string;
        // fc0 8×8, fc1 8×8, fc2 8×2 pruned layer-wise: ⌈.9·64⌉ + ⌈.9·64⌉ + ⌈.9·16⌉ of 144 weights.
        expect(r.result.metrics.sparsity).toBe((2 * prunedCount(64, 0.9) + prunedCount(16, 0.9)) / 144);
        expect(r.result.series!.group_change_train!.x).toEqual([0, 1, 2, 3]);
        expect(r.result.series!['ψ g3 (8%)']!.x).toEqual([0, 1, 2]);
        const constrained = method !== 'nft' && method !== 'nft-es';
        expect(Number.isNaN(r.result.metrics.max_multiplier!)).toBe(!constrained);
        expect('λ g0 (60%)' in r.result.series!).toBe(constrained);
        expect(Number.isNaN(r.result.metrics.best_epoch!)).toBe(method !== 'nft-es');
      }
    }
    expect(summary.verdicts.map((v) => v.claim)).toEqual([
      'nft-disparity',
      'ceag-within-epsilon',
      'ceag-nupi-within-epsilon',
      'ceag-below-nft',
      'ceag-accuracy-cost',
    ]);
    for (const v of summary.verdicts) expect(v.values).toHaveLength(2);
    expect(summary.plotErrors).toEqual([]);
    // One group-change plot per method, all on one y range that covers every method's whiskers.
    const changes = summary.plots.filter((p) => p.id.startsWith('group-change-'));
    expect(changes.map((p) => p.id)).toEqual(ALL.map((m) => `group-change-${m}`));
    const domains = new Set(changes.map((p) => JSON.stringify(p.kind === 'bar' && p.y.domain)));
    expect(domains.size).toBe(1);
    for (const p of changes)
      if (p.kind === 'bar') {
        expect(p.categories).toEqual(['g0 (60%)', 'g1 (20%)', 'g2 (12%)', 'g3 (8%)']);
        const [lo, hi] = p.y.domain!;
        for (const g of p.groups)
          for (let i = 0; i < 4; i++) {
            expect(g.lo![i]!).toBeGreaterThanOrEqual(lo);
            expect(g.hi![i]!).toBeLessThanOrEqual(hi);
          }
      }
    // The same seed and cell give the same numbers (the runner's cache and resume rely on it).
    const again = await runExperimentCells(syntheticGroups, [5], { ...tiny, methods: ['ceag'] });
    const first = records.find((r) => r.seed === 5 && r.cell.params.method === 'ceag')!;
    expect(again.records[0]!.result.metrics).toEqual(first.result.metrics);
  });

  it('mnist-groups: ten digit groups, the output layer stays dense', async () => {
    const { records, summary } = await runExperimentCells(mnistGroups, [1], {
      ...TINY,
      sparsities: [0.9],
      methods: ['nft', 'ceag'],
    });
    for (const r of records) {
      expect(r.result.series!.group_change_test!.x).toHaveLength(10);
      // Only fc0 (196×8) and fc1 (8×8) are masked; fc2 stays dense.
      expect(r.result.metrics.sparsity).toBe(
        (prunedCount(196 * 8, 0.9) + prunedCount(64, 0.9)) / (196 * 8 + 64),
      );
    }
    expect(summary.verdicts.map((v) => v.claim)).toEqual([
      'ceag-within-epsilon-90',
      'nft-exceeds-epsilon-90',
      'ceag-below-nft-90',
      'ceag-accuracy-cost-90',
    ]);
    expect(summary.plotErrors).toEqual([]);
  });

  it('intersectional: both groupings are measured on the intersections and on the marginal groups', async () => {
    const { records, summary } = await runExperimentCells(intersectional, [2], {
      ...TINY,
      trainSize: 600,
      testSize: 300,
      methods: ['nft', 'ceag'],
      marginalMethods: ['ceag'],
    });
    expect(records.map((r) => r.cell.label)).toEqual([
      'NFT, intersections',
      'CEAG (GA), intersections',
      'CEAG (GA), marginals only',
    ]);
    for (const r of records) {
      expect(Number.isFinite(r.result.metrics.train_max_psi_marginal_pp)).toBe(true);
      expect(r.result.series!['group_change_train@intersections']!.x).toHaveLength(6);
      // ψ and λ curves follow the constrained grouping: 6 intersections or 3 + 2 marginal groups.
      const marginal = r.cell.params.constrain === 'marginals';
      expect('ψ style 1 (25%)' in r.result.series!).toBe(marginal);
      expect('ψ region 2 × style 1 (3.75%)' in r.result.series!).toBe(!marginal);
    }
    expect(summary.plotErrors).toEqual([]);
    expect(summary.verdicts).toHaveLength(5);
  });
});
