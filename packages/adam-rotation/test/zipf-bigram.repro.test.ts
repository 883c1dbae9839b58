import { initBackend } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { zipfBigram } from '../src/experiments/index.js';
import { claimsFailing, runExperiment } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('Tier 1 reproduction: Zipfian bigram model (the headline)', () => {
  it('seeds 0 and 1, spec margins: none ≈ token-local < layer ≤ global < fanIn; SGD unchanged and worse', async () => {
    // The quick preset's setting with the cells these claims read (7 of its 11 per seed).
    const { summary } = await runExperiment(zipfBigram, [0, 1], {
      scopes: ['none', 'tokenLocal', 'layer', 'global', 'fanIn'],
      sgdScopes: ['none', 'global'],
      sgdLrSweep: [],
    });
    const effects = [
      'layer-hurts',
      'global-not-below-layer',
      'tokenlocal-harmless',
      'fanin-worst',
      'slowdown-global',
      'sgd-equivariant',
      'adam-beats-sgd',
    ];
    expect(summary.claims.map((c) => c.id)).toEqual(expect.arrayContaining(effects));
    expect(claimsFailing(summary, effects)).toEqual([]);
  }, 240_000);
});
