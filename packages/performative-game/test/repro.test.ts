import { initBackend, Rng, resolveConfig } from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { tradeoff } from '../src/experiments/index.js';
import { CRD, completeGraph, completeGraphRrmLaw, rrmPopulation, rrmSummary } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

/**
 * The headline (Fig. 7) at T = 0.5 on the paper's training graph BA(20, 2, seed 0), through the
 * experiment's own cells at its quick preset, seeds 0–2: accuracy-seeking predictions end near zero
 * welfare, while the predictor trained on the proxy welfare loss, which differentiates through the
 * agents' Bayesian model, gains ≥ 0.2 successful groups for some accuracy. Margins fixed before
 * running: gain ≥ 0.2, accuracy cost > 0, accuracy-trained welfare ≤ 0.1 (only the degree-1 agent's
 * K = 1 group can succeed), RRM ≥ 85% of groups below threshold.
 */
describe('reproduction: accuracy-seeking predictions minimise welfare, welfare-seeking ones trade accuracy for it', () => {
  it('RRM ends at zero welfare with high probability (complete graph, exact and simulated)', () => {
    const crd = new CRD({ e: 1, r: 0.4, c: 0.2, threshold: 0.5 });
    expect(completeGraphRrmLaw(20, crd).zeroWelfare).toBeCloseTo(20 / 21, 12);
    const s = rrmSummary(rrmPopulation(completeGraph(20), crd), Rng.fromSeed(0), 2000);
    expect(Math.abs(s.zeroWelfareFraction - 20 / 21)).toBeLessThanOrEqual(0.02);
  });

  it('quick preset, T = 0.5, seeds 0–2: welfare gain ≥ 0.2 at an accuracy cost; accuracy-trained welfare ≤ 0.1', async () => {
    const cfg = resolveConfig(tradeoff, 'quick');
    for (const seed of [0, 1, 2]) {
      const at = async (objective: string) =>
        (await tradeoff.cell(cfg, { threshold: 0.5, objective }, fakeCellContext(seed))).metrics;
      const [group, accuracy, multitask, rrm] = [
        await at('group'),
        await at('accuracy'),
        await at('multitask'),
        await at('rrm'),
      ];
      expect(accuracy.welfare, `seed ${seed}`).toBeLessThanOrEqual(0.1);
      expect(accuracy.accuracy, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
      expect(group.welfare - accuracy.welfare, `seed ${seed}`).toBeGreaterThanOrEqual(0.2);
      expect(accuracy.accuracy - group.accuracy, `seed ${seed}`).toBeGreaterThan(0);
      expect(multitask.welfare - accuracy.welfare, `seed ${seed}`).toBeGreaterThan(0);
      expect(rrm.welfare, `seed ${seed}`).toBeLessThanOrEqual(0.15);
    }
  });
});
