import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { expectNoLeak, fakeContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  circulantTeacher,
  circulantTeacherExperiment as e,
  levelRecovery,
} from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('circulant teacher (spec §I.8 P2, headline)', () => {
  it('the teacher is circulant with levels 0/0.8/−0.5/0.3 in counts 928/32/32/32', () => {
    const w = circulantTeacher(32, [0.8, -0.5, 0.3]);
    expect(levelRecovery(w, [0, 0.8, -0.5, 0.3], 0).counts).toEqual([928, 32, 32, 32]);
    // Row i is row 0 rolled by i: y_i = Σ_j k_j x_{i−j}.
    expect(w[5 * 32 + 5]).toBe(0.8);
    expect(w[5 * 32 + 4]).toBe(-0.5);
    expect(w[5 * 32 + 3]).toBe(0.3);
    expect(w[0 * 32 + 31]).toBe(-0.5);
  });

  it('reproduces the effect: ≥ 20× lower test MSE at ws_lr = 1e-2 and the teacher levels recovered', async () => {
    // Spec margins: ~50× drop (0.263 → 0.0046), every weight within 0.1 of a level at ws_lr = 1e-2.
    const cfg = resolveConfig(e, 'quick', { seeds: 1, wsLrs: [0, 1e-2] });
    const ctx = fakeContext(7);
    const r = await expectNoLeak(() => e.run(cfg, ctx));
    const base = r.summary.mse_n24_ws0 as number;
    const ws = r.summary['mse_n24_ws0.01'] as number;
    expect(base).toBeGreaterThan(0.15);
    expect(base / ws).toBeGreaterThanOrEqual(20);
    expect(r.summary.mseDropMedianSeed).toBeCloseTo(base / ws, 10);
    expect(r.summary.fractionWithinLevels).toBeGreaterThanOrEqual(0.95);
    expect(r.summary.levelCounts).toBe('928/32/32/32');
    expect(r.summary.collapsesAboveLambdaMax).toBe(true);
    expect(r.summary.distinctBelowLambdaMax).toBe(true);
    expect(r.comparisons[0]!.holds).toBe(true);
    expect(r.plots.map((p) => p.kind)).toEqual(['line', 'heatmap', 'heatmap', 'heatmap']);
    expect(ctx.records).toHaveLength(2);
  });

  it('presets parse and the quick preset is the spec plan (n_train = 24, 2000 steps, η = 0.05)', () => {
    const q = resolveConfig(e, 'quick');
    expect(q).toMatchObject({
      size: 32,
      nTrain: [24],
      steps: 2000,
      lr: 0.05,
      wsLrs: [0, 1e-3, 3e-3, 1e-2, 3e-2],
    });
    expect(e.headline).toBe(true);
    expect(resolveConfig(e, 'full').nTrain).toEqual([24, 16, 64]);
    expect(() => resolveConfig(e, 'quick', { stpes: 3 })).toThrow(/stpes/);
  });
});
