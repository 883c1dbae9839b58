import { resolveConfig } from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearRecovery } from '../src/experiments/index.js';
import { setupBackend } from './helpers.js';

beforeAll(setupBackend);

/**
 * The headline (Figs. 3–4) through the experiment's own cells, in the spec's CI setting: n = 2000, a
 * 10° grid of row angles refined at 1°, seeds 0–2. Margins fixed before running, from the spec: the
 * criterion reaches MCC ≥ 0.9 on at least 2 of the 3 seeds, and ICA is lower when the latents are
 * correlated (FastICA below ours at every seed).
 */
describe('reproduction: quantized-factors/linear-recovery (headline)', () => {
  const config = resolveConfig(linearRecovery, 'quick', {
    n: 2000,
    refineStepsDeg: [1],
    methods: ['ours', 'fastica'],
    plotPoints: 0,
    ridgeGrid: 0,
  });

  for (const dataset of ['non-factorized', 'factorized'] as const)
    it(`${dataset}: MCC ≥ 0.9 on ≥ 2 of 3 seeds, FastICA lower at every seed`, {
      timeout: 900_000,
    }, async () => {
      const ours: number[] = [];
      for (const seed of [0, 1, 2]) {
        const at = async (method: 'ours' | 'fastica') =>
          (await linearRecovery.cell(config, { dataset, method }, fakeCellContext(seed))).metrics;
        const [o, f] = [await at('ours'), await at('fastica')];
        expect(o.latentCorrelation, `seed ${seed}: the latents are correlated`).toBeGreaterThan(0.3);
        expect(o.mcc - f.mcc, `seed ${seed}`).toBeGreaterThan(0);
        ours.push(o.mcc);
      }
      expect(
        ours.filter((v) => v >= 0.9).length,
        `MCC ${ours.map((v) => v.toFixed(4)).join(', ')}`,
      ).toBeGreaterThanOrEqual(2);
    });
});
