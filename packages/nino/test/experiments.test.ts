import { initBackend } from '@paperkit/tensor-core';
import { expectNoLeak, experimentPackageConformance, fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  experiments,
  metaTrainBase,
  metaTrainCell,
  speedupBase,
  speedupCell,
} from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend();
});

experimentPackageConformance(experiments, { prefix: 'nino' });

/** A few hundred steps on each task: exercises every code path, not the science. */
const tiny = {
  ...speedupBase,
  steps: 200,
  period: 100,
  evalEvery: 50,
  trainSize: 512,
  valSize: 128,
  batchSize: 16,
};

describe('nino/speedup', () => {
  for (const [method, task] of [
    ['nino', 'transformer'],
    ['linefit', 'deep'],
    ['wnn+-public', 'mnist'],
  ] as const)
    it(`${method} on ${task}: nowcasts on the timeline, finite metrics, no leak`, async () => {
      const ctx = fakeCellContext(3);
      const r = await expectNoLeak(() => speedupCell(tiny, { method, task }, ctx));
      expect(r.metrics.nowcasts).toBe(2);
      expect(r.series!.nowcasts!.x).toEqual([100, 200]);
      expect(r.metrics.diverged).toBe(0);
      expect(Number.isFinite(r.metrics.finalValLoss)).toBe(true);
      expect(r.series!.valLoss!.x).toEqual([0, 50, 100, 150, 200]);
      expect(ctx.records.length).toBe(5);
    });

  it('gives every method the same data, initialisation and batches at a seed', async () => {
    const a = await speedupCell({ ...tiny, steps: 60 }, { method: 'adam', task: 'id' }, fakeCellContext(5));
    const b = await speedupCell({ ...tiny, steps: 60 }, { method: 'nino', task: 'id' }, fakeCellContext(5));
    // Identical until the first nowcast (step 100 > 60).
    expect(b.series!.valLoss!.y).toEqual(a.series!.valLoss!.y);
  });
});

describe('nino/meta-train', () => {
  it('meta-trains and scores a network without leaks (tiny settings)', async () => {
    const cfg = {
      ...metaTrainBase,
      groups: [{ sizes: [16, 32, 32, 8], runs: 2 }],
      steps: 600,
      iterations: 3,
      trajectoriesPerBatch: 1,
      windowsPerTrajectory: 2,
      heldOutRuns: 1,
      stride: 20,
    };
    const r = await expectNoLeak(() => metaTrainCell(cfg, { network: 'wnn+' }, fakeCellContext(1)));
    for (const v of Object.values(r.metrics)) expect(Number.isNaN(v)).toBe(false);
    expect(r.series!.trainL1!.x.length).toBeGreaterThan(0);
  });
});
