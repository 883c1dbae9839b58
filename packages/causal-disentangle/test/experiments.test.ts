import { type Experiment, initBackend, resolveConfig } from '@paperkit/tensor-core';
import {
  expectNoLeak,
  experimentPackageConformance,
  fakeCellContext,
  runExperimentCells,
} from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionSparsity,
  experiments,
  graphCriterion,
  pairedActionGraph,
  partial,
  temporalSparsity,
} from '../src/experiments/index.js';
import { consistencyPattern, namedGraph } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

experimentPackageConformance(experiments, { prefix: 'causal-disentangle' });

/** Small enough to train every cell in a second; the science is in reproduction.test.ts. */
const TINY = {
  latentDim: 4,
  observedDim: 6,
  trainSize: 256,
  testSize: 64,
  steps: 8,
  batchSize: 32,
  encoderHidden: [8],
  transitionHidden: [4],
  evalEvery: 4,
};

describe('trained experiments at tiny sizes', () => {
  it('action-sparsity: every method returns its metrics, curves and aligned graphs leak-free; claims and views build', async () => {
    const methods = ['constraint', 'unregularised', 'penalty', 'oracle'];
    const { records, summary } = await expectNoLeak(() =>
      runExperimentCells(actionSparsity as unknown as Experiment, [1, 2], { ...TINY, methods }),
    );
    expect(records).toHaveLength(8);
    for (const r of records) {
      for (const v of Object.values(r.result.metrics)) expect(Number.isFinite(v)).toBe(true);
      expect(r.result.series!.mcc!.x).toEqual([4, 8]);
      expect(Object.keys(r.result.series!).filter((k) => k.startsWith('latent:'))).toEqual([
        'latent:z0',
        'latent:z1',
        'latent:z2',
        'latent:z3',
      ]);
      // The constraint's trace (R and b_t) is recorded only for the constrained cell.
      expect('bound b_t' in r.result.series!).toBe(r.cell.params.method === 'constraint');
      expect(r.result.matrices!.trueGraph!.values).toEqual(
        Array.from(namedGraph('action_non_trivial', 4).data),
      );
    }
    // The frozen and fixed masks keep their edges: all 16, and exactly the 8 true ones.
    const at = (method: string) => records.find((r) => r.seed === 1 && r.cell.params.method === method)!;
    expect(at('unregularised').result.metrics.edges).toBe(16);
    expect(at('oracle').result.metrics.edges).toBe(8);
    expect(summary.plotErrors).toEqual([]);
    expect(summary.plots.map((p) => p.id)).toEqual([
      'mcc-gap',
      'mcc-non-trivial',
      'constraint-non-trivial',
      'true-graph-non-trivial',
      'learned-graph-non-trivial',
      'latents-non-trivial-constraint',
      'latents-non-trivial-unregularised',
    ]);
    expect(summary.verdicts.map((v) => v.claim)).toEqual([
      'gap-non-trivial',
      'mcc-non-trivial',
      'shd-non-trivial',
    ]);
  });

  it('give the same numbers for the same seed and share the data across the methods of a seed', async () => {
    const config = resolveConfig(actionSparsity, 'quick', { ...TINY, steps: 1, evalEvery: 1 });
    const cell = { variant: 'non_trivial', method: 'unregularised' } as const;
    const a = await actionSparsity.cell(config, cell, fakeCellContext(4));
    const b = await actionSparsity.cell(config, cell, fakeCellContext(4));
    expect(b.metrics).toEqual(a.metrics);
    const other = await actionSparsity.cell(config, cell, fakeCellContext(5));
    expect(other.metrics.mcc).not.toBe(a.metrics.mcc);
    // The scatter's x values are the true test latents: the same dataset for every method of a seed.
    const latents = (r: typeof a) => r.series!['latent:z0']!.x;
    const c = await actionSparsity.cell(config, { ...cell, method: 'constraint' }, fakeCellContext(4));
    expect(latents(c)).toEqual(latents(a));
  });

  it('restarts the learned-mask cell and keeps the candidate with the lowest held-out loss', async () => {
    // Off in the presets (one run per cell, the reference's); `restarts` turns the selection on.
    expect(resolveConfig(actionSparsity, 'quick').restarts).toBe(1);
    const config = resolveConfig(actionSparsity, 'quick', { ...TINY, restarts: 2 });
    const logged = async (method: 'constraint' | 'unregularised') => {
      const ctx = fakeCellContext(3);
      await actionSparsity.cell(config, { variant: 'non_trivial', method }, ctx);
      return ctx.records.filter((r) => 'selected' in r.values).map((r) => r.values);
    };
    const [selection] = await logged('constraint');
    const losses = [selection!.heldOutLoss_0 as number, selection!.heldOutLoss_1 as number];
    expect(selection!.selected).toBe(losses.indexOf(Math.min(...losses)));
    // The frozen all-ones masks have no graph to select: one run.
    expect(await logged('unregularised')).toEqual([]);
  });

  it('temporal-sparsity and partial: claims and views build from the records', async () => {
    const t = await expectNoLeak(() =>
      runExperimentCells(temporalSparsity as unknown as Experiment, [0], TINY),
    );
    expect(t.summary.plotErrors).toEqual([]);
    expect(t.summary.verdicts.map((v) => v.claim)).toEqual(['gap-trivial', 'mcc-trivial', 'shd-trivial']);
    expect(t.records[0]!.result.matrices!.trueGraph!.values).toEqual([
      1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
    ]);
    const p = await expectNoLeak(() =>
      runExperimentCells(partial as unknown as Experiment, [0], { ...TINY, graphs: ['easy', 'hard'] }),
    );
    expect(p.summary.plotErrors).toEqual([]);
    expect(p.summary.verdicts.map((v) => v.claim)).toEqual([
      'partial-easy',
      'consistent-gap-easy',
      'partial-hard',
      'consistent-gap-hard',
    ]);
    expect(p.summary.plots.map((x) => x.id)).toContain('pattern-hard');
  });

  it('stop when the run is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const config = resolveConfig(actionSparsity, 'quick', TINY);
    await expect(
      actionSparsity.cell(
        config,
        { variant: 'non_trivial', method: 'constraint' },
        fakeCellContext(0, { signal: controller.signal }),
      ),
    ).rejects.toThrow(/abort/i);
  });
});

describe('partial graphs', () => {
  it('are the reference 3_easy / 3_hard graphs at d_z = 10 and keep their patterns at other sizes', () => {
    expect(pairedActionGraph(10, 'easy')).toEqual(namedGraph('graph_action_3_easy'));
    expect(pairedActionGraph(10, 'hard')).toEqual(namedGraph('graph_action_3_hard'));
    const c = consistencyPattern({ action: pairedActionGraph(6, 'hard') });
    const want = [
      [1, 1, 0, 0, 1, 1],
      [1, 1, 0, 0, 1, 1],
      [0, 0, 1, 1, 0, 0],
      [0, 0, 1, 1, 0, 0],
      [0, 0, 0, 0, 1, 1],
      [0, 0, 0, 0, 1, 1],
    ];
    expect(Array.from(c.data)).toEqual(want.flat());
    expect(() => pairedActionGraph(5, 'easy')).toThrow(/even/);
  });
});

describe('graph-criterion', () => {
  const config = resolveConfig(graphCriterion, 'quick', { samples: 200 });
  const cell = (graph: string, density = 0, seed = 0) =>
    graphCriterion.cell(config, { graph, density }, fakeCellContext(seed)) as Awaited<
      ReturnType<typeof graphCriterion.cell>
    >;

  it('named graphs: exact criterion, identified latents, entangled pairs and the pattern as a matrix', () => {
    const m = (graph: string) => cell(graph).metrics;
    expect(m('action_non_trivial')).toEqual({
      holds: 1,
      identified: 1,
      entangledPairs: 0,
      edges: 20,
      latentDim: 10,
    });
    expect(m('temporal_non_trivial')).toEqual({
      holds: 1,
      identified: 1,
      entangledPairs: 0,
      edges: 55,
      latentDim: 10,
    });
    expect(m('graph_action_3_easy')).toEqual({
      holds: 0,
      identified: 0,
      entangledPairs: 10,
      edges: 10,
      latentDim: 10,
    });
    expect(m('graph_action_3_hard')).toEqual({
      holds: 0,
      identified: 0,
      entangledPairs: 14,
      edges: 12,
      latentDim: 10,
    });
    expect(m('graph_temporal_3_hard')).toEqual({
      holds: 0,
      identified: 0,
      entangledPairs: 14,
      edges: 32,
      latentDim: 10,
    });
    expect(cell('graph_action_3_easy').matrices!.pattern!.values).toEqual(
      Array.from(consistencyPattern({ action: namedGraph('graph_action_3_easy') }).data),
    );
  });

  it('random graphs: seed-independent, and identification peaks at medium density for action graphs', async () => {
    expect(cell('random-action', 0.4, 1).metrics).toEqual(cell('random-action', 0.4, 2).metrics);
    const { summary } = await runExperimentCells(graphCriterion as unknown as Experiment, [0], {
      samples: 100,
    });
    expect(summary.plotErrors).toEqual([]);
    // Exact numbers: every claim is decided on one run.
    for (const v of summary.verdicts) expect(v.status, `${v.claim}: ${v.reason}`).toBe('holds');
    for (const r of (await runExperimentCells(graphCriterion as unknown as Experiment, [0], { samples: 50 }))
      .records)
      expect(r.result.metrics.holds).toBeLessThanOrEqual(r.result.metrics.identified! + 1e-12);
  });
});
