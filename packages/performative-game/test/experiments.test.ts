import {
  type Experiment,
  type ExperimentContext,
  type ExperimentResult,
  initBackend,
  Rng,
  resolveConfig,
} from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

function context(): ExperimentContext {
  return {
    seed: 0,
    rng: Rng.fromSeed(0),
    backend: { name: 'wasm', label: 'wasm', tfjsVersion: 'test', skipped: [], accelerated: false },
    preset: 'quick',
    signal: new AbortController().signal,
    progress: { start: () => {}, update: () => {} },
    metrics: { write: () => {} },
  };
}

async function run(id: string, overrides: Record<string, unknown> = {}): Promise<ExperimentResult> {
  const e = experiments.find((x) => x.id === id) as unknown as Experiment;
  const cfg = resolveConfig(e, 'quick', overrides);
  return (e.run as (c: unknown, ctx: ExperimentContext) => Promise<ExperimentResult>)(cfg, context());
}

describe('experiments', () => {
  it('are registered with ids, strict schemas, presets and exactly one headline', () => {
    expect(experiments.map((e) => e.id).sort()).toEqual([
      'performative-game/anarchy',
      'performative-game/rrm',
      'performative-game/tradeoff',
      'performative-game/trust-oscillation',
    ]);
    expect(experiments.filter((e) => e.headline).map((e) => e.id)).toEqual(['performative-game/tradeoff']);
    const e = experiments.find((x) => x.id === 'performative-game/anarchy') as unknown as Experiment;
    expect(() => resolveConfig(e, 'quick', { alphaPoint: 3 })).toThrow(/alphaPoint/);
  });

  it('anarchy, rrm and trust-oscillation (quick) hold every judged comparison with the spec', async () => {
    for (const id of [
      'performative-game/anarchy',
      'performative-game/rrm',
      'performative-game/trust-oscillation',
    ]) {
      const r = await run(id);
      const judged = r.comparisons.filter((c) => c.holds !== null && c.holds !== undefined);
      expect(judged.length, id).toBeGreaterThan(3);
      for (const c of judged)
        expect(c.holds, `${id}: ${c.metric} (ours ${c.ours}, paper ${c.paper})`).toBe(true);
      expect(r.plots.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('tradeoff runs end to end at a reduced size and returns its plots and comparisons', async () => {
    const r = await run('performative-game/tradeoff', {
      thresholds: [0.5],
      epochs: 3,
      embeddingDim: 8,
      hidden: [16, 16],
      rrmTrials: 50,
    });
    expect(r.plots.map((p) => p.id)).toEqual([
      'tradeoff',
      'tradeoff-welfare-curves',
      'tradeoff-accuracy-curves',
    ]);
    expect(r.summary['T0.5_group_welfare']).toBeTypeOf('number');
    expect(r.comparisons.find((c) => c.metric.includes('zero welfare'))!.holds).toBe(true);
  });
});
