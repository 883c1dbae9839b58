import { inverse, type Matrix, matmul, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  childInclusion,
  consistencyPattern,
  defaultActionGraph,
  edgeCount,
  entanglementGraph,
  type Graph,
  graphicalCriterion,
  identityGraph,
  isGPreserving,
  NAMED_GRAPHS,
  namedGraph,
  parentInclusion,
  preservesGraphs,
  randomGraph,
  toGraph,
  transposedPattern,
} from '../src/index.js';

const rows = (g: Graph): number[][] =>
  Array.from({ length: g.rows }, (_, i) => Array.from(g.data.subarray(i * g.cols, (i + 1) * g.cols)));

/** 2×2 all-ones blocks on (0,1), (2,3), … of a d×d matrix. */
function pairs(d: number): number[][] {
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => (i >> 1 === j >> 1 ? 1 : 0)),
  );
}

function eye(d: number): number[][] {
  return rows(identityGraph(d));
}

function expectParameter(fn: () => unknown, parameter: string | RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaperkitInputError);
    const p = (e as PaperkitInputError).parameter;
    if (typeof parameter === 'string') expect(p).toBe(parameter);
    else expect(p).toMatch(parameter);
    return;
  }
  expect.unreachable('expected a PaperkitInputError');
}

describe('consistency patterns of the named graphs (reference repo, d_z = 10)', () => {
  it('are the identity for the default action, trivial and lower-triangular temporal graphs', () => {
    expect(rows(consistencyPattern({ action: namedGraph('action_non_trivial') }))).toEqual(eye(10));
    expect(rows(consistencyPattern({ action: namedGraph('action_trivial') }))).toEqual(eye(10));
    expect(rows(consistencyPattern({ temporal: namedGraph('temporal_non_trivial') }))).toEqual(eye(10));
    expect(edgeCount(namedGraph('action_non_trivial'))).toBe(20);
    expect(edgeCount(namedGraph('temporal_non_trivial'))).toBe(55);
  });

  it('tril: the parents-only pattern is upper triangular and the children condition fixes it', () => {
    const tril = namedGraph('temporal_non_trivial', 5);
    const up = rows(parentInclusion(tril));
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(up[i]![j]).toBe(i <= j ? 1 : 0);
    const low = rows(childInclusion(tril));
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(low[i]![j]).toBe(i >= j ? 1 : 0);
  });

  it('gives the pairs pattern for 3_easy and the extra entries for 3_hard', () => {
    const easy = namedGraph('graph_action_3_easy');
    expect([easy.rows, easy.cols, edgeCount(easy)]).toEqual([10, 5, 10]);
    expect(rows(consistencyPattern({ action: easy }))).toEqual(pairs(10));
    const hard = namedGraph('graph_action_3_hard');
    expect(edgeCount(hard)).toBe(12);
    const want = pairs(10);
    for (const i of [0, 1]) for (const j of [8, 9]) want[i]![j] = 1;
    expect(rows(consistencyPattern({ action: hard }))).toEqual(want);
    expect(rows(consistencyPattern({ temporal: namedGraph('graph_temporal_3_easy') }))).toEqual(pairs(10));
    expect(edgeCount(namedGraph('graph_temporal_3_easy'))).toBe(20);
    const thard = namedGraph('graph_temporal_3_hard');
    expect(edgeCount(thard)).toBe(32);
    expect(rows(consistencyPattern({ temporal: thard }))).toEqual(want);
  });

  it('no_graph_crit: pairs (action) and two 5×5 blocks (temporal), i.e. partial disentanglement', () => {
    expect(rows(consistencyPattern({ action: namedGraph('action_no_graph_crit') }))).toEqual(pairs(10));
    const blocks = rows(consistencyPattern({ temporal: namedGraph('temporal_no_graph_crit') }));
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 10; j++)
        expect(blocks[i]![j]).toBe(Math.floor(i / 5) === Math.floor(j / 5) ? 1 : 0);
    expect(graphicalCriterion({ action: namedGraph('action_no_graph_crit') }).holds).toBe(false);
  });

  it('the default action graph has two parents per row, 2d edges in all', () => {
    for (const d of [2, 3, 7]) {
      const g = defaultActionGraph(d);
      expect(edgeCount(g)).toBe(2 * d);
      for (let i = 0; i < d; i++) expect(g.data[i * d + i]! + g.data[i * d + ((i + d - 1) % d)]!).toBe(2);
    }
  });

  it('every named graph builds at its dimension, and the fixed designs refuse another d_z', () => {
    for (const n of NAMED_GRAPHS) {
      const d = n.latentDim === 10 ? 10 : 6;
      const g = namedGraph(n.name, d);
      expect(g.rows).toBe(d);
      if (n.kind === 'temporal') for (let i = 0; i < d; i++) expect(g.data[i * d + i]).toBe(1);
    }
    expectParameter(() => namedGraph('graph_action_3_easy', 8), 'latentDim');
    expectParameter(() => namedGraph('graph_action_2', 5), 'latentDim');
    expectParameter(() => namedGraph('nope' as never), 'name');
  });
});

describe('the two-latent derivation (Pa(0) = {a0}, Pa(1) = {a0, a1})', () => {
  it('allows ẑ₀ = z₀ + z₁ (C[0][1] = 1) and forbids ẑ₁ = z₀ + z₁ (C[1][0] = 0)', () => {
    const c = consistencyPattern({
      action: [
        [1, 0],
        [1, 1],
      ],
    });
    expect(rows(c)).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(rows(transposedPattern(c))).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(
      rows(
        entanglementGraph({
          action: [
            [1, 0],
            [1, 1],
          ],
        }),
      ),
    ).toEqual([
      [0, 1],
      [0, 0],
    ]);
  });
});

function randomPair(rng: Rng): { action: Graph; temporal: Graph } {
  const d = 2 + rng.int(5);
  return {
    action: randomGraph(rng, {
      kind: 'action',
      latentDim: d,
      actionDim: 1 + rng.int(5),
      density: rng.uniform(0.1, 0.9),
    }),
    temporal: randomGraph(rng, { kind: 'temporal', latentDim: d, density: rng.uniform(0.05, 0.9) }),
  };
}

/** The spec's matrix form 1[G(1−G)ᵀ = 0] (∘ 1[Gᵀ(1−G) = 0] for temporal graphs), by matrix products. */
function matrixForm(g: { action?: Graph; temporal?: Graph }): number[][] {
  const d = (g.action ?? g.temporal)!.rows;
  const c = Array.from({ length: d }, () => new Array<number>(d).fill(1));
  const comp = (m: Graph): Matrix => ({ rows: m.rows, cols: m.cols, data: m.data.map((v) => 1 - v) });
  const tr = (m: Matrix): Matrix => ({
    rows: m.cols,
    cols: m.rows,
    data: Float64Array.from(
      { length: m.rows * m.cols },
      (_, k) => m.data[(k % m.rows) * m.cols + Math.floor(k / m.rows)]!,
    ),
  });
  const apply = (p: Matrix) => {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (p.data[i * d + j] !== 0) c[i]![j] = 0;
  };
  if (g.action) apply(matmul(g.action, tr(comp(g.action))));
  if (g.temporal) {
    apply(matmul(g.temporal, tr(comp(g.temporal))));
    apply(matmul(tr(g.temporal), comp(g.temporal)));
  }
  return c;
}

describe('criterion ⇔ C = I, against brute-force set intersections', () => {
  it('row i of C is the indicator of the set intersection S_i, on 300 random graph pairs', () => {
    const rng = Rng.fromSeed(11);
    let holds = 0;
    for (let t = 0; t < 300; t++) {
      const g = randomPair(rng);
      for (const which of [{ action: g.action }, { temporal: g.temporal }, g]) {
        const c = consistencyPattern(which);
        const crit = graphicalCriterion(which);
        const d = c.rows;
        for (let i = 0; i < d; i++) {
          const row = Array.from(c.data.subarray(i * d, (i + 1) * d));
          expect(row).toEqual(
            Array.from({ length: d }, (_, j) => (crit.intersections[i]!.includes(j) ? 1 : 0)),
          );
        }
        expect(rows(c)).toEqual(matrixForm(which));
        const isIdentity = rows(c).every((r, i) => r.every((v, j) => v === (i === j ? 1 : 0)));
        expect(crit.holds).toBe(isIdentity);
        if (crit.holds) holds++;
      }
    }
    // Both outcomes occur, so the equivalence is exercised in both directions.
    expect(holds).toBeGreaterThan(20);
    expect(holds).toBeLessThan(880);
  });

  it('a latent without parents fails (an empty family intersects to all latents)', () => {
    const r = graphicalCriterion({ action: namedGraph('graph_action_1') });
    expect(r.latents[8]).toBe(false);
    expect(r.intersections[8]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.holds).toBe(false);
  });
});

describe('C is a preorder and its matrices form an incidence algebra', () => {
  it('reflexive and transitive on random graphs', () => {
    const rng = Rng.fromSeed(12);
    for (let t = 0; t < 100; t++) {
      const c = consistencyPattern(randomPair(rng));
      const d = c.rows;
      for (let i = 0; i < d; i++) expect(c.data[i * d + i]).toBe(1);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++)
          for (let k = 0; k < d; k++)
            if (c.data[i * d + j] === 1 && c.data[j * d + k] === 1) expect(c.data[i * d + k]).toBe(1);
    }
  });

  it('random M with supp(M) ⊆ C has supp(M⁻¹) ⊆ C and supp(M²) ⊆ C (1e-10)', () => {
    const rng = Rng.fromSeed(13);
    let nonTrivial = 0;
    for (let t = 0; t < 60; t++) {
      const g = randomPair(rng);
      const c = consistencyPattern(g);
      const d = c.rows;
      const m: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
      for (let k = 0; k < d * d; k++) if (c.data[k] === 1) m.data[k] = rng.normal();
      for (let i = 0; i < d; i++) m.data[i * d + i]! += 3 * Math.sign(m.data[i * d + i]! || 1);
      for (const p of [inverse(m), matmul(m, m)])
        for (let k = 0; k < d * d; k++) if (c.data[k] === 0) expect(Math.abs(p.data[k]!)).toBeLessThan(1e-10);
      if (c.data.some((v, k) => v === 1 && Math.floor(k / d) !== k % d)) nonTrivial++;
      expect(isGPreserving(m, g)).toBe(true);
    }
    expect(nonTrivial).toBeGreaterThan(10);
  });

  it('supp(M) ⊆ C ⇔ the graph form (MᵀG and G·M add no edges), on random supports', () => {
    const rng = Rng.fromSeed(14);
    let yes = 0;
    for (let t = 0; t < 400; t++) {
      const g = randomPair(rng);
      const d = g.action.rows;
      const m: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
      for (let i = 0; i < d; i++) m.data[i * d + i] = 1;
      const extra = rng.int(3);
      for (let e = 0; e < extra; e++) m.data[rng.int(d) * d + rng.int(d)] = rng.normal();
      for (const which of [{ action: g.action }, { temporal: g.temporal }, g]) {
        const a = isGPreserving(m, which);
        expect(preservesGraphs(m, which)).toBe(a);
        if (a) yes++;
      }
    }
    expect(yes).toBeGreaterThan(100);
    expect(yes).toBeLessThan(1100);
  });
});

describe('graph validation', () => {
  it('rejects non-binary entries, ragged rows, wrong shapes and mismatched latent dimensions', () => {
    expectParameter(() => consistencyPattern({ action: [[1, 0.5]] }), 'graphs.action[0][1]');
    expect(() => consistencyPattern({ action: [[1, 2]] })).toThrow(/0 or 1; got 2/);
    expectParameter(() => consistencyPattern({ action: [[1, 0], [1]] }), 'graphs.action[1]');
    expectParameter(
      () =>
        consistencyPattern({
          temporal: [
            [1, 0, 1],
            [0, 1, 1],
          ],
        }),
      'graphs.temporal',
    );
    expectParameter(() => consistencyPattern({ action: [[1], [1]], temporal: [[1]] }), 'graphs.action');
    expectParameter(() => consistencyPattern({}), 'graphs');
    expectParameter(
      () => consistencyPattern({ action: { rows: 2, cols: 2, data: [1, 0, 1] } }),
      'graphs.action.data',
    );
    expectParameter(() => graphicalCriterion({ action: [] }), 'graphs.action');
    expectParameter(
      () =>
        toGraph(
          'g',
          [
            [1, 0],
            [0, 1],
          ],
          { rows: 3 },
        ),
      'g',
    );
    expectParameter(
      () =>
        toGraph(
          'g',
          [
            [0, 0],
            [0, 1],
          ],
          { diagonal: true },
        ),
      'g[0][0]',
    );
    expect(() =>
      toGraph(
        'g',
        [
          [0, 0],
          [0, 1],
        ],
        { diagonal: true },
      ),
    ).toThrow(/diagonal/);
    expectParameter(
      () => isGPreserving({ rows: 3, cols: 3, data: new Float64Array(9) }, { action: [[1], [1]] }),
      'm',
    );
    expectParameter(() => isGPreserving(identityGraph(2), { action: [[1], [1]] }, -1), 'tolerance');
    expectParameter(() => transposedPattern([[1, 0, 0]]), 'c');
  });
});
