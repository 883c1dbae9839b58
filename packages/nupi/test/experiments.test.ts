import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { expectNoLeak, fakeContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { experiments, rateConstraint, sparsity, svm } from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('experiment registry', () => {
  it('has four experiments with ids nupi/*, exactly one headline, strict schemas and parsing presets', () => {
    expect(experiments.map((e) => e.id)).toEqual([
      'nupi/oscillator',
      'nupi/rate-constraint',
      'nupi/svm',
      'nupi/sparsity',
    ]);
    expect(experiments.filter((e) => e.headline).map((e) => e.id)).toEqual(['nupi/oscillator']);
    for (const e of experiments) {
      const exp = e as unknown as Parameters<typeof resolveConfig>[0];
      for (const p of ['quick', 'full']) expect(() => resolveConfig(exp, p)).not.toThrow();
      expect(() => resolveConfig(exp, 'quick', { typo: 1 })).toThrow(/typo/);
    }
  });
});

describe('tensor experiments train without leaking tensors (tiny configs)', () => {
  it('rate-constraint: smooth and proxy runs', async () => {
    const cfg = resolveConfig(rateConstraint, 'quick', {
      n: 200,
      steps: 60,
      kps: [5],
      proxyKps: [2],
      proxyNus: [],
    });
    const res = await expectNoLeak(() => rateConstraint.run(cfg, fakeContext(3)));
    expect(res.plots.map((p) => p.id)).toEqual(['lambda-smooth', 'lambda-proxy', 'overshoot']);
    expect(res.summary.ga_final_lambda).toBeGreaterThan(0);
  });

  it('sparsity: hard-concrete gates, two primal optimizers', async () => {
    const cfg = resolveConfig(sparsity, 'quick', { n: 256, hidden: 8, steps: 30, batch: 32 });
    const res = await expectNoLeak(() => sparsity.run(cfg, fakeContext(3)));
    expect(res.summary.ga_final_density).toBeLessThan(1);
    expect(res.plots.map((p) => p.id)).toEqual(['density', 'lambda']);
  });

  it('svm: small grid', async () => {
    const cfg = resolveConfig(svm, 'quick', { steps: 300, kiPoints: 3, kps: [0, 5], ablation: false });
    const res = await svm.run(cfg, fakeContext(3));
    const heat = res.plots[0] as { kind: string; values: readonly number[]; rows: number; cols: number };
    expect(heat.kind).toBe('heatmap');
    expect(heat.values.length).toBe(heat.rows * heat.cols);
    expect(res.comparisons[0]!.holds).toBe(true);
  });

  it('runs are deterministic for a seed', async () => {
    const cfg = resolveConfig(rateConstraint, 'quick', {
      n: 200,
      steps: 40,
      kps: [5],
      proxyKps: [],
      proxyNus: [],
    });
    const a = await rateConstraint.run(cfg, fakeContext(9));
    const b = await rateConstraint.run(cfg, fakeContext(9));
    expect(a.summary).toEqual(b.summary);
  });
});
