import { initBackend } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { probes } from '../src/experiments/index.js';
import { claimsFailing, runExperiment } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('Tier 3 reproduction: the probes on bigram checkpoints', () => {
  it('seeds 0 and 1: global rotation raises the (1,1)-norm and erases the Hessian’s neuron blocks; SVD gives the most orthogonal updates', async () => {
    // A smaller bigram model and fewer probe samples than the quick preset, at the scopes these claims read.
    const { summary, records } = await runExperiment(probes, [0, 1], {
      vocab: 128,
      dim: 16,
      steps: 500,
      linfBatches: 20,
      hessianRows: 8,
      hessianBatches: 10,
      randomDirections: 2,
      resumeSteps: 20,
      scopes: ['none', 'global', 'svd'],
    });
    expect(
      claimsFailing(summary, ['oneone-rises-under-global', 'block-structure-lost', 'svd-lowest-cv']),
    ).toEqual([]);
    // Orders of magnitude, as in Fig. 9: the neuron block dominates each Hessian row only without rotation.
    for (const seed of [0, 1]) {
      const at = (scope: string) =>
        records.find((r) => r.seed === seed && r.cell.params.scope === scope)!.result.metrics;
      expect(at('none').blockRatio).toBeGreaterThan(10 * at('global').blockRatio!);
      expect(at('global').oneOne).toBeGreaterThan(2 * at('none').oneOne!);
    }
  }, 240_000);
});
