import { applyMixing, minJacobianSingularValue, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  defaultActionGraph,
  defaultTemporalGraph,
  identityGraph,
  MECHANISM_VARIANCE,
  namedGraph,
  randomGraph,
  type SyntheticConfig,
  syntheticDataset,
} from '../src/index.js';

function expectParameter(fn: () => unknown, parameter: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaperkitInputError);
    expect((e as PaperkitInputError).parameter).toBe(parameter);
    return;
  }
  expect.unreachable('expected a PaperkitInputError');
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** Mean and std of the residual r_q = (z_q − μ_q)/√v_q over all samples and latents. */
function residualStats(
  z: Float32Array,
  mean: (q: number) => number,
  variance: (q: number) => number,
  n: number,
) {
  let s = 0;
  let ss = 0;
  for (let q = 0; q < n; q++) {
    const r = (z[q]! - mean(q)) / Math.sqrt(variance(q));
    s += r;
    ss += r * r;
  }
  return { mean: s / n, std: Math.sqrt(ss / n - (s / n) ** 2) };
}

describe('action datasets', () => {
  const base = {
    setting: 'action' as const,
    latentDim: 4,
    observedDim: 8,
    splits: { train: 3000, test: 500 },
  };

  it('have the reference shapes, defaults and seeding', () => {
    const ds = syntheticDataset(Rng.fromSeed(1), base);
    expect([ds.latentDim, ds.observedDim, ds.actionDim, ds.steps]).toEqual([4, 8, 4, 1]);
    expect(ds.graph).toEqual(defaultActionGraph(4));
    expect(ds.graphs.action).toEqual(ds.graph);
    const tr = ds.splits.train!;
    expect([tr.x.length, tr.z.length, tr.actions!.length]).toEqual([3000 * 8, 3000 * 4, 3000 * 4]);
    for (const a of tr.actions!) expect(Math.abs(a)).toBeLessThanOrEqual(2);
    const again = syntheticDataset(Rng.fromSeed(1), base);
    expect(again.splits.train!.x).toEqual(tr.x);
    expect(syntheticDataset(Rng.fromSeed(2), base).splits.train!.x).not.toEqual(tr.x);
    // Splits share the process (mixing) but not their samples (unlike the reference's shared actions).
    expect(ds.splits.test!.actions!.subarray(0, 8)).not.toEqual(tr.actions!.subarray(0, 8));
    const ds10 = syntheticDataset(Rng.fromSeed(1), { setting: 'action', splits: { train: 10 } });
    expect([ds10.latentDim, ds10.observedDim]).toEqual([10, 20]);
  });

  it('follow each variant’s mechanism: the standardised residual of z is N(0, 1)', () => {
    const n = 3000;
    for (const variant of ['trivial', 'non_trivial', 'k=2', 'sigmoid', 'no_suff_var'] as const) {
      const ds = syntheticDataset(Rng.fromSeed(3), { ...base, variant, splits: { train: n } });
      const { z, actions: a } = ds.splits.train!;
      const g = ds.graph;
      const mean = (q: number) => {
        const r = Math.floor(q / 4);
        const i = q % 4;
        let m = 0;
        for (let l = 0; l < 4; l++) {
          const u = a![r * 4 + l]!;
          if (variant === 'trivial') return Math.sin(a![r * 4 + i]!);
          if (variant === 'no_suff_var') m += ds.linear![i * 4 + l]! * u;
          else if (g.data[i * 4 + l] === 1)
            m +=
              variant === 'sigmoid'
                ? sig(4 * (u - (-2 + (4 * i) / 3)))
                : Math.sin((u * (i + 3)) / Math.PI + i);
        }
        return m;
      };
      const variance = (q: number) => {
        if (variant !== 'k=2') return MECHANISM_VARIANCE;
        const r = Math.floor(q / 4);
        const i = q % 4;
        let c = 0;
        for (let l = 0; l < 4; l++)
          if (g.data[i * 4 + l] === 1) c += Math.cos((a![r * 4 + l]! * (i + 3)) / Math.PI + i);
        return (0.1 / 4) * Math.exp(c);
      };
      const s = residualStats(z, mean, variance, n * 4);
      // z is stored in float32 (|z| ≲ 2, ulp ~ 1e-7 ≪ the 1e-2 noise std), so the residual is exact enough.
      expect(Math.abs(s.mean)).toBeLessThan(4 / Math.sqrt(n * 4));
      expect(Math.abs(s.std - 1)).toBeLessThan(0.05);
    }
  });

  it('no_suff_var: A = N(0,1) ∘ G is supported on the graph', () => {
    const ds = syntheticDataset(Rng.fromSeed(4), { ...base, variant: 'no_suff_var' });
    for (let q = 0; q < 16; q++) {
      if (ds.graph.data[q] === 0) expect(ds.linear![q]).toBe(0);
      else expect(ds.linear![q]).not.toBe(0);
    }
  });

  it('x = standardise(mix(z)) + N(0, 0.01²), with a full-rank mixing Jacobian', () => {
    const n = 3000;
    const clean = syntheticDataset(Rng.fromSeed(5), { ...base, noiseStd: 0, splits: { train: n } });
    const x = clean.splits.train!.x;
    for (let j = 0; j < 8; j++) {
      let s = 0;
      let ss = 0;
      for (let r = 0; r < n; r++) s += x[r * 8 + j]!;
      for (let r = 0; r < n; r++) ss += (x[r * 8 + j]! - s / n) ** 2;
      expect(Math.abs(s / n)).toBeLessThan(1e-6);
      expect(Math.sqrt(ss / n)).toBeCloseTo(1, 5);
    }
    // Recompute from z (float32) through the mixing and the standardisation: agrees to float32 rounding.
    const f = applyMixing(clean.mixing, clean.splits.train!.z);
    const mu = new Float64Array(8);
    const sd = new Float64Array(8);
    for (let r = 0; r < n; r++) for (let j = 0; j < 8; j++) mu[j]! += f[r * 8 + j]! / n;
    for (let r = 0; r < n; r++) for (let j = 0; j < 8; j++) sd[j]! += (f[r * 8 + j]! - mu[j]!) ** 2 / n;
    let worst = 0;
    for (let r = 0; r < n; r++)
      for (let j = 0; j < 8; j++)
        worst = Math.max(worst, Math.abs((f[r * 8 + j]! - mu[j]!) / Math.sqrt(sd[j]!) - x[r * 8 + j]!));
    expect(worst).toBeLessThan(1e-4);
    const noisy = syntheticDataset(Rng.fromSeed(5), { ...base, splits: { train: n } }).splits.train!.x;
    let ss = 0;
    for (let k = 0; k < noisy.length; k++) ss += (noisy[k]! - x[k]!) ** 2;
    expect(Math.sqrt(ss / noisy.length)).toBeCloseTo(0.01, 3);
    expect(minJacobianSingularValue(clean.mixing, clean.splits.train!.z.subarray(0, 4 * 50))).toBeGreaterThan(
      1e-6,
    );
    const lin = syntheticDataset(Rng.fromSeed(5), { ...base, mixing: 'linear' });
    expect(lin.mixing.kind).toBe('linear');
  });

  it('take named, random and custom graphs (d_a from the graph)', () => {
    const easy = syntheticDataset(Rng.fromSeed(6), {
      setting: 'action',
      latentDim: 10,
      graph: namedGraph('graph_action_3_easy'),
      splits: { train: 100 },
    });
    expect(easy.actionDim).toBe(5);
    expect(easy.splits.train!.actions!.length).toBe(500);
    const g = randomGraph(Rng.fromSeed(7), { kind: 'action', latentDim: 4, actionDim: 3, density: 0.5 });
    expect(syntheticDataset(Rng.fromSeed(6), { ...base, graph: g }).actionDim).toBe(3);
  });
});

describe('temporal datasets', () => {
  const base = { setting: 'temporal' as const, latentDim: 4, observedDim: 8, splits: { train: 3000 } };

  it('are pairs with z¹ = z⁰ + 0.5·Δ(z⁰) + N(0, 1e-4) for every variant', () => {
    const n = 3000;
    for (const variant of ['trivial', 'non_trivial', 'k=2', 'sigmoid', 'no_suff_var'] as const) {
      const ds = syntheticDataset(Rng.fromSeed(8), { ...base, variant });
      expect(ds.steps).toBe(2);
      expect(ds.actionDim).toBe(0);
      expect(ds.graph).toEqual(variant === 'trivial' ? identityGraph(4) : defaultTemporalGraph(4));
      const { z, x, actions } = ds.splits.train!;
      expect(actions).toBeNull();
      expect(x.length).toBe(n * 2 * 8);
      const g = ds.graph;
      const z0 = (r: number, j: number) => z[r * 8 + j]!;
      const delta = (r: number, i: number) => {
        if (variant === 'trivial') return Math.sin(z0(r, i));
        let m = 0;
        for (let j = 0; j < 4; j++) {
          if (variant === 'no_suff_var') m += ds.linear![i * 4 + j]! * z0(r, j);
          else if (g.data[i * 4 + j] === 1)
            m +=
              variant === 'sigmoid'
                ? sig(4 * (z0(r, j) - (-2 + (4 * i) / 3)))
                : Math.sin((z0(r, j) * (i + 3)) / Math.PI + i);
        }
        return m;
      };
      const variance = (r: number, i: number) => {
        if (variant !== 'k=2') return MECHANISM_VARIANCE;
        let c = 0;
        for (let j = 0; j < 4; j++)
          if (g.data[i * 4 + j] === 1) c += Math.cos((z0(r, j) * (i + 3)) / Math.PI + i);
        return (0.1 / 4) * Math.exp(c);
      };
      const z1 = new Float32Array(n * 4);
      for (let r = 0; r < n; r++) for (let i = 0; i < 4; i++) z1[r * 4 + i] = z[r * 8 + 4 + i]!;
      const s = residualStats(
        z1,
        (q) => z0(Math.floor(q / 4), q % 4) + 0.5 * delta(Math.floor(q / 4), q % 4),
        (q) => variance(Math.floor(q / 4), q % 4),
        n * 4,
      );
      expect(Math.abs(s.mean)).toBeLessThan(4 / Math.sqrt(n * 4));
      expect(Math.abs(s.std - 1)).toBeLessThan(0.05);
    }
  });

  it('standardise both steps together over the split', () => {
    const ds = syntheticDataset(Rng.fromSeed(9), { ...base, noiseStd: 0 });
    const x = ds.splits.train!.x;
    const n = 6000;
    for (let j = 0; j < 8; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x[r * 8 + j]!;
      expect(Math.abs(s / n)).toBeLessThan(1e-6);
    }
  });
});

describe('bad input', () => {
  it('names the parameter', () => {
    const ok: SyntheticConfig = { setting: 'temporal', latentDim: 3, observedDim: 6, splits: { train: 10 } };
    expectParameter(
      () =>
        syntheticDataset(Rng.fromSeed(1), {
          ...ok,
          graph: [
            [1, 0, 0],
            [1, 0, 0],
            [0, 0, 1],
          ],
        }),
      'graph[1][1]',
    );
    expect(() =>
      syntheticDataset(Rng.fromSeed(1), {
        ...ok,
        graph: [
          [0, 1, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
      }),
    ).toThrow(/diagonal/);
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, latentDim: 7 }), 'latentDim');
    expect(() => syntheticDataset(Rng.fromSeed(1), { ...ok, latentDim: 7 })).toThrow(/injective/);
    expectParameter(
      () => syntheticDataset(Rng.fromSeed(1), { ...ok, variant: 'trivial', graph: defaultTemporalGraph(3) }),
      'graph',
    );
    expectParameter(
      () => syntheticDataset(Rng.fromSeed(1), { ...ok, graph: defaultTemporalGraph(4) }),
      'graph',
    );
    expectParameter(
      () =>
        syntheticDataset(Rng.fromSeed(1), {
          ...ok,
          setting: 'action',
          graph: [
            [1, 2],
            [0, 1],
            [1, 1],
          ],
        }),
      'graph[0][1]',
    );
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, splits: { train: 0 } }), 'splits.train');
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, splits: {} }), 'splits');
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, variant: 'k=3' as never }), 'variant');
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, mixing: 'tanh' as never }), 'mixing');
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, noiseStd: -0.1 }), 'noiseStd');
    expectParameter(() => syntheticDataset(Rng.fromSeed(1), { ...ok, setting: 'both' as never }), 'setting');
  });
});
