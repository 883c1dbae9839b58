import { initBackend, median, resolveConfig } from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, expect, it } from 'vitest';
import { actionSparsity } from '../src/experiments/index.js';

beforeAll(async () => {
  // BLAS when the addon loads (about twice as fast), the stock kernels otherwise.
  await initBackend({ prefer: 'wasm' });
});

/**
 * The headline claim at CI cost, with the reference's fixed-mask oracle (`--set_gc_mask_to_gt`): the
 * sparse true graph as the mask disentangles (MCC ≥ 0.90) where the dense all-ones mask of the
 * unregularised baseline does not (gap ≥ 0.03), on the median of two seeds. The learned-mask
 * constraint reaches the same MCC only after thousands of steps; it is the experiment's claim.
 */
it('the sparse (true) mask disentangles and the dense mask does not (median of 2 seeds)', async () => {
  const config = resolveConfig(actionSparsity, 'quick', {
    methods: ['oracle', 'unregularised'],
    // Pinned so the test keeps its calibration if the quick preset is retuned (oracle 0.910 / 0.915,
    // dense 0.813 / 0.685 at seeds 0 / 1 with BLAS).
    lr: 2e-3,
    learnPriorVariance: true,
    priorVariance: 1e-4,
    trainSize: 20_000,
    testSize: 1000,
    steps: 1000,
    evalEvery: 1000,
  });
  const mcc: Record<string, number[]> = { oracle: [], unregularised: [] };
  for (const seed of [0, 1])
    for (const method of ['oracle', 'unregularised'] as const) {
      const r = await actionSparsity.cell(config, { variant: 'non_trivial', method }, fakeCellContext(seed));
      mcc[method]!.push(r.metrics.mcc);
      if (method === 'oracle') expect(r.metrics.shd).toBe(0);
    }
  const oracle = median(mcc.oracle!);
  const dense = median(mcc.unregularised!);
  expect(oracle).toBeGreaterThanOrEqual(0.9);
  expect(oracle - dense).toBeGreaterThanOrEqual(0.03);
  // About 40 s of CPU with BLAS (25–30 s on an idle 2-core machine); the timeout only leaves room for a
  // heavily shared one.
}, 1_800_000);
