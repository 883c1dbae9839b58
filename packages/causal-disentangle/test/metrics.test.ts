import { type Matrix, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  alignedShd,
  consistencyPattern,
  consistentR,
  defaultActionGraph,
  defaultTemporalGraph,
  evaluateDisentanglement,
  linearR,
  namedGraph,
  stepRows,
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

function latents(rng: Rng, n: number, d: number): Matrix {
  return { rows: n, cols: d, data: rng.fillNormal(new Float64Array(n * d)) };
}

/** ẑ_{perm[i]} = f_i(z_i): a permuted element-wise transform. */
function permuted(z: Matrix, perm: readonly number[], f: (v: number, i: number) => number): Matrix {
  const out = new Float64Array(z.data.length);
  for (let r = 0; r < z.rows; r++)
    for (let i = 0; i < z.cols; i++) out[r * z.cols + perm[i]!] = f(z.data[r * z.cols + i]!, i);
  return { rows: z.rows, cols: z.cols, data: out };
}

describe('MCC properties', () => {
  const z = latents(Rng.fromSeed(1), 2000, 4);
  const perm = [2, 0, 3, 1];

  it('a permuted, affinely scaled copy has Pearson MCC 1 and π inverts the permutation', () => {
    const s = evaluateDisentanglement(
      z,
      permuted(z, perm, (v, i) => (i % 2 ? -3 : 0.5) * v + i),
    );
    expect(s.mcc).toBeCloseTo(1, 12);
    expect(Array.from(s.assignment)).toEqual(perm);
    expect(s.r).toBeCloseTo(1, 10);
  });

  it('a permuted monotone transform has Spearman MCC 1 but Pearson MCC < 1', () => {
    const s = evaluateDisentanglement(
      z,
      permuted(z, perm, (v, i) => (i === 0 ? Math.exp(v) : i === 1 ? v ** 3 : Math.tanh(v) - v)),
    );
    expect(s.mccSpearman).toBeCloseTo(1, 12);
    expect(s.mcc).toBeLessThan(0.97);
    expect(Array.from(s.assignment)).toEqual(perm);
  });

  it('an independent copy scores near 0', () => {
    const s = evaluateDisentanglement(z, latents(Rng.fromSeed(2), 2000, 4));
    // |corr| of independent samples is ~ 1/√n; the max-weight matching picks the largest of them.
    expect(s.mcc).toBeLessThan(0.06);
    expect(s.r).toBeLessThan(0.1);
  });
});

describe('consistent R', () => {
  it('reaches 1 under partial disentanglement (mixing inside the pairs of C) while the MCC stays lower', () => {
    const d = 4;
    const z = latents(Rng.fromSeed(3), 3000, d);
    // Pairs graph on 4 latents: C = two 2×2 blocks; ẑ mixes z0/z1 and z2/z3, then permutes.
    const graphs = { action: namedGraph('action_no_graph_crit', d) };
    const mixed = new Float64Array(3000 * d);
    for (let r = 0; r < 3000; r++) {
      const [a, b, c, e] = [0, 1, 2, 3].map((k) => z.data[r * d + k]!);
      mixed.set([c! - 0.7 * e!, a! + 0.8 * b!, 0.6 * c! + e!, b! - 0.5 * a!], r * d);
    }
    const s = evaluateDisentanglement(z, { rows: 3000, cols: d, data: mixed }, { graphs });
    expect(s.consistentR!).toBeCloseTo(1, 8);
    expect(s.mcc).toBeLessThan(0.9);
    expect(s.r).toBeCloseTo(1, 8);
    expect(Array.from(s.pattern!.data)).toEqual(Array.from(consistencyPattern(graphs).data));
  });

  it('with C = I it is the matched correlation of a linear copy; the transposed pattern reads the other way', () => {
    const z = latents(Rng.fromSeed(4), 3000, 2);
    // Pa(0) = {a0}, Pa(1) = {a0, a1}: C = [[1,1],[0,1]] lets z0 depend on ẑ1, not z1 on ẑ0.
    const graphs = {
      action: [
        [1, 0],
        [1, 1],
      ],
    };
    const zHat = new Float64Array(6000);
    for (let r = 0; r < 3000; r++) {
      const z0 = z.data[2 * r]!;
      const z1 = z.data[2 * r + 1]!;
      // z0 = ẑ0 − ẑ1 and z1 = ẑ1: allowed by C, not by Cᵀ.
      zHat.set([z0 + z1, z1], 2 * r);
    }
    const s = evaluateDisentanglement(z, { rows: 3000, cols: 2, data: zHat }, { graphs });
    expect(Array.from(s.assignment)).toEqual([0, 1]);
    expect(s.consistentR!).toBeCloseTo(1, 8);
    expect(s.transposedConsistentR!).toBeLessThan(0.95);
    const id = consistentR(
      z,
      { rows: 3000, cols: 2, data: zHat },
      [
        [1, 0],
        [0, 1],
      ],
      s.assignment,
    );
    expect(id).toBeCloseTo((s.matched[0]! + s.matched[1]!) / 2, 8);
  });

  it('survives a collapsed (constant) learned latent', () => {
    const z = latents(Rng.fromSeed(5), 500, 2);
    const zHat = { rows: 500, cols: 2, data: Float64Array.from(z.data, (v, k) => (k % 2 === 1 ? 0.5 : v)) };
    const s = evaluateDisentanglement(z, zHat, { graphs: { action: [[1], [1]] } });
    expect(Number.isFinite(s.consistentR!)).toBe(true);
    expect(Number.isFinite(linearR(z, zHat))).toBe(true);
    expect(s.mcc).toBeCloseTo(0.5, 6);
  });
});

describe('SHD after alignment', () => {
  it('SHD(G, G) = 0, and a learned graph in another latent order aligns back to 0', () => {
    const ga = defaultActionGraph(4);
    const gz = defaultTemporalGraph(4);
    const id = Int32Array.of(0, 1, 2, 3);
    expect(alignedShd({ action: ga, temporal: gz }, { action: ga, temporal: gz }, id).total).toBe(0);
    // Learned latent π(i) plays true latent i: Ĝ^a[π(i)][·] = G^a[i][·], Ĝ^z[π(i)][π(j)] = G^z[i][j].
    const pi = Int32Array.of(2, 0, 3, 1);
    const la = new Float64Array(16);
    const lz = new Float64Array(16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        la[pi[i]! * 4 + j] = ga.data[i * 4 + j]!;
        lz[pi[i]! * 4 + pi[j]!] = gz.data[i * 4 + j]!;
      }
    const learned = { action: { rows: 4, cols: 4, data: la }, temporal: { rows: 4, cols: 4, data: lz } };
    const ok = alignedShd({ action: ga, temporal: gz }, learned, pi);
    expect([ok.action, ok.temporal, ok.total]).toEqual([0, 0, 0]);
    expect(Array.from(ok.aligned.temporal!.data)).toEqual(Array.from(gz.data));
    expect(alignedShd({ action: ga }, learned, id).action).toBeGreaterThan(0);
    // One missing and one extra edge: fn + fp = 2; probabilities are thresholded at 0.5.
    const bad = Float64Array.from(ga.data);
    bad[0] = 0.2;
    bad[2] = 0.9;
    expect(alignedShd({ action: ga }, { action: { rows: 4, cols: 4, data: bad } }, id).action).toBe(2);
  });

  it('rejects mismatched graphs and bad assignments', () => {
    const g = defaultActionGraph(3);
    expectParameter(
      () => alignedShd({ action: g }, { action: defaultActionGraph(4) }, [0, 1, 2]),
      'learned.action',
    );
    expectParameter(() => alignedShd({ action: g }, {}, [0, 1, 2]), 'learned.action');
    expectParameter(() => alignedShd({ action: g }, { action: g }, [0, 0, 2]), 'assignment');
    expectParameter(() => alignedShd({}, { action: g }, [0, 1, 2]), 'truth');
  });
});

describe('bad input', () => {
  it('names the parameter', () => {
    const z = latents(Rng.fromSeed(6), 10, 2);
    expectParameter(() => evaluateDisentanglement(z, latents(Rng.fromSeed(6), 9, 2)), 'zHat');
    expectParameter(
      () => evaluateDisentanglement(z, { rows: 10, cols: 2, data: new Float64Array(20).fill(Number.NaN) }),
      'zHat.data[0]',
    );
    expectParameter(() => evaluateDisentanglement(z, z, { graphs: { action: [[1], [1], [1]] } }), 'graphs');
    expectParameter(() => evaluateDisentanglement(z, z, { learned: { action: [[1], [1]] } }), 'graphs');
    expectParameter(
      () =>
        consistentR(
          z,
          z,
          [
            [1, 0],
            [0, 1],
          ],
          [0],
        ),
      'assignment',
    );
    expectParameter(() => consistentR(z, z, [[1, 0, 0]], [0, 1]), 'pattern');
  });

  it('stepRows picks one time step of [n, T, d] data', () => {
    const v = Float32Array.from({ length: 12 }, (_, k) => k);
    expect(Array.from(stepRows(v, 2, 2, 3, 1).data)).toEqual([3, 4, 5, 9, 10, 11]);
  });
});
