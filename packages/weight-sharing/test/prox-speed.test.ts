import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { fakeContext } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { proxSpeedExperiment as e } from '../src/experiments/index.js';

describe('prox-speed experiment', () => {
  it('times every algorithm beside the sort baseline and checks the round counts (small sizes)', async () => {
    await initBackend({ prefer: 'wasm', blas: 'off' });
    const cfg = resolveConfig(e, 'quick', { sizes: [2000, 20000], repeats: 1, adversarialSizes: [64, 300] });
    const r = await e.run(cfg, fakeContext(1));
    expect(r.summary.adversarialImminentRounds_d300).toBe(299);
    expect(r.summary.adversarialSearchLevels_d300).toBe(9);
    expect(r.summary.pavRounds_d20000).toBe(1);
    // end collisions is capped at maxSize.end = 2e4: it runs at 2e4, not above.
    expect(r.summary.endRounds_d20000).toBeGreaterThan(1000);
    const adversarial = r.comparisons.find((c) =>
      c.metric.startsWith('imminent-collisions rounds on the adversarial'),
    )!;
    expect(adversarial.holds).toBe(true);
    const timing = r.plots.find((p) => p.id === 'prox-time-vs-d')!;
    expect(timing.kind === 'line' && timing.series.map((s) => s.name)).toEqual([
      'Float32Array.sort (baseline)',
      'A: sequential PAV',
      'B: end collisions',
      'C: imminent collisions',
      'D: search collisions (paper)',
    ]);
  });

  it('caps slow algorithms by maxSize', async () => {
    await initBackend({ prefer: 'wasm', blas: 'off' });
    const cfg = resolveConfig(e, 'quick', {
      sizes: [5000],
      repeats: 1,
      adversarialSizes: [10],
      maxSize: { pav: 1e7, end: 1000, imminent: 1e7, search: 1000 },
    });
    const r = await e.run(cfg, fakeContext(1));
    expect(r.summary.endMs_d5000).toBeUndefined();
    expect(r.summary.searchMs_d5000).toBeUndefined();
    expect(typeof r.summary.pavMs_d5000).toBe('number');
  });
});
