import { PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  batchGraphs,
  buildNeuralGraph,
  cnnLayers,
  EDGE_TYPES,
  edgeFeatures,
  type Layer,
  laplacianPE,
  mlpLayers,
  type NeuralGraph,
  parameterSlotMask,
  paramsFromEdgeFeatures,
  paramsFromEdgeValues,
  transformerLayers,
} from '../src/index.js';

const gpt = (layers: number, extra: Partial<Parameters<typeof transformerLayers>[0]> = {}) =>
  transformerLayers({
    vocabSize: 5,
    contextLength: 3,
    dModel: 6,
    heads: 2,
    layers,
    tiedHead: true,
    ...extra,
  });

function histogram(g: NeuralGraph): Record<number, number> {
  const h: Record<number, number> = {};
  for (const t of g.edgeType) h[t] = (h[t] ?? 0) + 1;
  return h;
}

function randomHistory(g: NeuralGraph, c: number, seed: number): Float32Array[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: c }, () => rng.fillNormal(new Float32Array(g.paramCount)));
}

describe('MLP graphs', () => {
  it('builds the exact edge list of the (2,3,1) MLP', () => {
    const g = buildNeuralGraph(mlpLayers([2, 3, 1]));
    expect(g.numNodes).toBe(8);
    const edges = Array.from(g.src, (s, e) => [s, g.dst[e]!, g.edgeType[e]!]);
    expect(edges).toEqual([
      [0, 3, 1],
      [0, 4, 1],
      [0, 5, 1],
      [1, 3, 1],
      [1, 4, 1],
      [1, 5, 1],
      [2, 3, 2],
      [2, 4, 2],
      [2, 5, 2],
      [3, 7, 1],
      [4, 7, 1],
      [5, 7, 1],
      [6, 7, 2],
      ...Array.from({ length: 8 }, (_, v) => [v, v, 13]),
    ]);
  });

  it('counts N = Σd + biased layers, #params parameter edges, #params + N edges', () => {
    const g = buildNeuralGraph(mlpLayers([8, 16, 16, 4]));
    expect([g.numNodes, g.paramCount, g.numEdges]).toEqual([47, 484, 531]);
    const nb = buildNeuralGraph(mlpLayers([8, 16, 16, 4], { bias: false }));
    expect([nb.numNodes, nb.paramCount, nb.numEdges]).toEqual([44, 448, 448 + 44]);
  });
});

describe('CNN graphs (the paper’s Net)', () => {
  const table: [string, number, number[], number, number, number, number][] = [
    ['FM-16', 1, [16, 32, 32], 10, 95, 2057, 14378],
    ['C10-16', 3, [16, 32, 32], 10, 97, 2091, 14666],
    ['FM-32', 1, [32, 64, 64], 10, 175, 7161, 56394],
    ['C10-32', 3, [32, 64, 64], 10, 177, 7227, 56970],
    ['C100-32', 3, [32, 64, 64], 100, 267, 13167, 62820],
  ];
  for (const [name, cin, channels, classes, nodes, edges, params] of table)
    it(`${name}: ${nodes} nodes, ${edges} edges, ${params} params`, () => {
      const g = buildNeuralGraph(cnnLayers({ inChannels: cin, channels, classes }));
      expect([g.numNodes, g.numEdges, g.paramCount, g.featureSize]).toEqual([nodes, edges, params, 9]);
    });

  it('puts the 3×3 kernel of each (in, out) pair on one edge in row-major order, in both layouts', () => {
    const values = Float32Array.from({ length: 2 * 3 * 9 }, (_, i) => i + 1);
    const torch = buildNeuralGraph([
      { kind: 'conv', in: 2, out: 3, kernel: [3, 3], weight: 'w', layout: 'oihw' },
    ]);
    const feats = edgeFeatures(torch, [values]);
    // Edge i·3 + o is in_i → out_o; torch weight [o, i, r, s] at ((o·2 + i)·3 + r)·3 + s.
    for (let i = 0; i < 2; i++)
      for (let o = 0; o < 3; o++)
        for (let f = 0; f < 9; f++) expect(feats[(i * 3 + o) * 9 + f]).toBe(values[(o * 2 + i) * 9 + f]);
    const hwio = buildNeuralGraph([{ kind: 'conv', in: 2, out: 3, kernel: [3, 3], weight: 'w' }]);
    const fh = edgeFeatures(hwio, [values]);
    for (let i = 0; i < 2; i++)
      for (let o = 0; o < 3; o++)
        for (let f = 0; f < 9; f++) expect(fh[(i * 3 + o) * 9 + f]).toBe(values[(f * 2 + i) * 3 + o]);
  });
});

describe('transformer graphs (GPT-2 layout)', () => {
  it('counts N = V+P+d+L(10+H+8d)+2 and #params + 4dL + N edges', () => {
    const g1 = buildNeuralGraph(gpt(1));
    expect([g1.paramCount, g1.numNodes, g1.numEdges]).toEqual([570, 76, 670]);
    const g2 = buildNeuralGraph(gpt(2));
    expect([g2.paramCount, g2.numNodes, g2.numEdges]).toEqual([1080, 136, 1264]);
  });

  it('counts the LM1B-3-24 graph (V=50257, P=1024, d=24, L=3, H=3)', () => {
    const g = buildNeuralGraph(
      transformerLayers({
        vocabSize: 50257,
        contextLength: 1024,
        dModel: 24,
        heads: 3,
        layers: 3,
        tiedHead: true,
      }),
    );
    expect([g.paramCount, g.numNodes, g.numEdges]).toEqual([1_252_464, 51_922, 1_304_674]);
  });

  it('has the expected edge-type histogram (V=5, P=3, d=6, L=2, H=2)', () => {
    expect(histogram(buildNeuralGraph(gpt(2)))).toEqual({
      1: 648,
      2: 138,
      4: 30,
      5: 30,
      6: 18,
      7: 72,
      8: 72,
      9: 72,
      10: 24,
      11: 24,
      13: 136,
    });
  });

  it('is structurally sound: no isolated node, one self-loop each, K reverses Q, heads own d/H dims', () => {
    const g = buildNeuralGraph(gpt(2));
    const touched = new Uint8Array(g.numNodes);
    const loops = new Int32Array(g.numNodes);
    for (let e = 0; e < g.numEdges; e++) {
      if (g.src[e] === g.dst[e]) {
        loops[g.src[e]!]!++;
        expect(g.edgeType[e]).toBe(EDGE_TYPES.selfLoop);
      } else touched[g.src[e]!] = touched[g.dst[e]!] = 1;
    }
    expect(Array.from(touched).every((t) => t === 1)).toBe(true);
    expect(Array.from(loops).every((c) => c === 1)).toBe(true);
    const pairs = (type: number) =>
      Array.from({ length: g.numEdges }, (_, e) => e)
        .filter((e) => g.edgeType[e] === type)
        .map((e) => `${g.src[e]}-${g.dst[e]}`);
    const reversedK = pairs(EDGE_TYPES.key).map((p) => p.split('-').reverse().join('-'));
    expect(new Set(reversedK)).toEqual(new Set(pairs(EDGE_TYPES.query)));
    for (const grp of g.groups.filter((x) => x.kind === 'head')) {
      const qk = g.groups.find(
        (x) => x.kind === 'qk' && x.start < grp.start && x.name.startsWith(grp.name.split('.heads')[0]!),
      )!;
      const v = g.groups.find((x) => x.kind === 'v' && x.name === grp.name.replace('.heads', '.v'))!;
      for (let h = 0; h < grp.count; h++) {
        const targets = Array.from({ length: g.numEdges }, (_, e) => e)
          .filter((e) => g.edgeType[e] === EDGE_TYPES.head && g.src[e] === grp.start + h)
          .map((e) => g.dst[e]!);
        expect(targets.filter((t) => t >= qk.start && t < qk.start + qk.count)).toEqual([
          qk.start + 3 * h,
          qk.start + 3 * h + 1,
          qk.start + 3 * h + 2,
        ]);
        expect(targets.filter((t) => t >= v.start && t < v.start + v.count)).toEqual([
          v.start + 3 * h,
          v.start + 3 * h + 1,
          v.start + 3 * h + 2,
        ]);
      }
    }
  });

  it('gives token nodes pos_w = id + 1 and every other node 0', () => {
    const g = buildNeuralGraph(gpt(1));
    const tok = g.groups.find((x) => x.kind === 'token')!;
    expect(Array.from(g.posW.subarray(tok.start, tok.start + 5))).toEqual([1, 2, 3, 4, 5]);
    expect(g.posW.reduce((a, b) => a + b, 0)).toBe(15);
  });
});

describe('round trips', () => {
  const cases: [string, Layer[]][] = [
    ['MLP (paperkit layout)', mlpLayers([7, 5, 3])],
    ['MLP (torch layout)', mlpLayers([16, 32, 32, 8], { naming: 'torch' })],
    ['CNN (torch layout)', cnnLayers({ inChannels: 3, channels: [4, 6], classes: 5 })],
    [
      'CNN + flatten + norm (hwio)',
      [
        { kind: 'conv', in: 2, out: 4, kernel: [3, 3], weight: 'c0.w', bias: 'c0.b' },
        { kind: 'norm', dim: 4, gain: 'bn.g', bias: 'bn.b' },
        { kind: 'conv', in: 4, out: 3, kernel: [1, 2], weight: 'c1.w', bias: null },
        { kind: 'flatten', spatial: 4 },
        { kind: 'linear', in: 12, out: 5, weight: 'fc.w', bias: 'fc.b' },
      ],
    ],
    ['GPT-2 (fused c_attn)', gpt(2)],
    ['GPT-2 untied head', gpt(1, { tiedHead: false })],
  ];
  for (const [name, layers] of cases)
    it(`is bit-exact for ${name}, every one of the c columns`, () => {
      const g = buildNeuralGraph(layers);
      const history = randomHistory(g, 5, 3);
      const feats = edgeFeatures(g, history);
      for (let t = 0; t < 5; t++) expect(paramsFromEdgeFeatures(g, feats, t, 5)).toEqual(history[t]);
      // Every parameter sits in exactly one edge slot.
      const hits = new Int32Array(g.paramCount);
      for (let e = 0; e < g.numEdges; e++)
        for (let f = 0; f < g.featureCount[e]!; f++) hits[g.paramIndex[e]! + f * g.featureStride[e]!]!++;
      expect(hits.every((h) => h === 1)).toBe(true);
      const mask = parameterSlotMask(g);
      expect(mask.reduce((a, b) => a + b, 0)).toBe(g.paramCount);
    });

  it('puts 1 on auxiliary edges and 2 on self-loops in slot 0 at every t, 0 in padding', () => {
    const g = buildNeuralGraph(gpt(1));
    const feats = edgeFeatures(g, randomHistory(g, 3, 1), 2);
    for (let e = 0; e < g.numEdges; e++) {
      const row = Array.from(feats.subarray(e * 6, e * 6 + 6));
      if (g.edgeType[e] === EDGE_TYPES.selfLoop) expect(row).toEqual([2, 2, 2, 0, 0, 0]);
      else if (g.edgeType[e] === EDGE_TYPES.residual || g.edgeType[e] === EDGE_TYPES.head)
        expect(row).toEqual([1, 1, 1, 0, 0, 0]);
      else expect(row.slice(3)).toEqual([0, 0, 0]);
    }
  });

  it('maps one value per slot back to the flat vector', () => {
    const g = buildNeuralGraph(cnnLayers({ inChannels: 1, channels: [2], classes: 3 }));
    const [theta] = randomHistory(g, 1, 5);
    expect(paramsFromEdgeValues(g, edgeFeatures(g, [theta!]))).toEqual(theta);
  });
});

describe('batching as a disjoint union (graph side)', () => {
  it('offsets nodes, edges and the flat vector', () => {
    const a = buildNeuralGraph(mlpLayers([3, 4, 2]));
    const b = buildNeuralGraph(cnnLayers({ inChannels: 1, channels: [2], classes: 2 }));
    const u = batchGraphs([a, b]);
    expect([u.numNodes, u.numEdges, u.paramCount, u.featureSize]).toEqual([
      a.numNodes + b.numNodes,
      a.numEdges + b.numEdges,
      a.paramCount + b.paramCount,
      9,
    ]);
    const ha = randomHistory(a, 2, 1);
    const hb = randomHistory(b, 2, 2);
    const hu = ha.map((x, t) => Float32Array.from([...x, ...hb[t]!]));
    const fu = edgeFeatures(u, hu);
    const fa = edgeFeatures(a, ha, 9);
    const fb = edgeFeatures(b, hb, 9);
    expect(fu).toEqual(Float32Array.from([...fa, ...fb]));
    expect(u.src[a.numEdges]).toBe(b.src[0]! + a.numNodes);
  });
});

describe('bad layer lists', () => {
  const bad = (layers: unknown, parameter: RegExp) => {
    let err: unknown;
    try {
      buildNeuralGraph(layers as Layer[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PaperkitInputError);
    expect((err as PaperkitInputError).parameter).toMatch(parameter);
  };
  it('rejects inconsistent widths, unknown kinds, misplaced layers and duplicate names', () => {
    bad([], /layers/);
    bad(
      [
        { kind: 'linear', in: 3, out: 4, weight: 'a' },
        { kind: 'linear', in: 5, out: 2, weight: 'b' },
      ],
      /layers\[1\]\.in/,
    );
    bad([{ kind: 'dense', in: 3, out: 4, weight: 'a' }], /layers\[0\]\.kind/);
    bad([{ kind: 'linear', in: 3, out: 0, weight: 'a' }], /layers\[0\]\.out/);
    bad(
      [
        { kind: 'linear', in: 3, out: 4, weight: 'a' },
        { kind: 'norm', dim: 3, gain: 'g' },
      ],
      /layers\[1\]\.dim/,
    );
    bad([{ kind: 'norm', dim: 3, gain: 'g' }], /layers\[0\]/);
    bad(
      [
        { kind: 'linear', in: 3, out: 4, weight: 'a' },
        { kind: 'linear', in: 4, out: 2, weight: 'a' },
      ],
      /layers/,
    );
    bad([...gpt(1).slice(0, 1), { ...(gpt(1)[1] as object), heads: 4 }], /layers\[1\]\.heads/);
    bad([{ kind: 'conv', in: 2, out: 3, kernel: [3], weight: 'w' }], /layers\[0\]\.kernel/);
    bad([{ kind: 'linear', in: 3, out: 4, weight: 'a', layout: 'io' }], /layers\[0\]\.layout/);
  });

  it('rejects parameter shapes that disagree with the layer list, naming the parameter', () => {
    expect(() =>
      buildNeuralGraph(mlpLayers([3, 4]), { shapes: { 'fc0.weight': [4, 3], 'fc0.bias': [4] } }),
    ).toThrow(/fc0\.weight/);
    expect(() => buildNeuralGraph(mlpLayers([3, 4]), { paramOrder: ['fc0.bias'] })).toThrow(
      PaperkitInputError,
    );
  });
});

describe('Laplacian positional encodings', () => {
  /** Rayleigh quotients vᵀLv and residuals ‖Lv − λv‖ of each column of an [N, k] encoding. */
  function spectrum(g: NeuralGraph, lpe: Float32Array, k: number): { lambda: number[]; residual: number[] } {
    const n = g.numNodes;
    const nbr = Array.from({ length: n }, () => new Set<number>());
    for (let e = 0; e < g.numEdges; e++)
      if (g.src[e] !== g.dst[e]) {
        nbr[g.src[e]!]!.add(g.dst[e]!);
        nbr[g.dst[e]!]!.add(g.src[e]!);
      }
    const lambda: number[] = [];
    const residual: number[] = [];
    for (let j = 0; j < k; j++) {
      const v = Array.from({ length: n }, (_, i) => lpe[i * k + j]!);
      const lv = v.map(
        (x, i) => x - [...nbr[i]!].reduce((s, u) => s + v[u]! / Math.sqrt(nbr[i]!.size * nbr[u]!.size), 0),
      );
      const l = v.reduce((s, x, i) => s + x * lv[i]!, 0);
      lambda.push(l);
      residual.push(Math.sqrt(lv.reduce((s, x, i) => s + (x - l * v[i]!) ** 2, 0)));
    }
    return { lambda, residual };
  }

  it('returns unit eigenvectors 2…9 of the normalised Laplacian, with the block Krylov path matching the dense one', () => {
    const g = buildNeuralGraph(mlpLayers([20, 40, 40, 10]));
    const dense = laplacianPE(g);
    const krylov = laplacianPE(g, { denseLimit: 50 });
    const a = spectrum(g, dense, 8);
    const b = spectrum(g, krylov, 8);
    for (let j = 0; j < 8; j++) {
      expect(a.residual[j]!).toBeLessThan(1e-5);
      expect(b.residual[j]!).toBeLessThan(1e-3);
      expect(b.lambda[j]!).toBeCloseTo(a.lambda[j]!, 4);
    }
    // Ascending, first (trivial, λ = 0) dropped.
    expect(a.lambda[0]!).toBeGreaterThan(1e-6);
    for (let j = 1; j < 8; j++) expect(a.lambda[j]!).toBeGreaterThanOrEqual(a.lambda[j - 1]! - 1e-6);
  });

  it('pads graphs with fewer than dim + 1 nodes with zero columns', () => {
    const g = buildNeuralGraph(mlpLayers([2, 1], { bias: false }));
    const lpe = laplacianPE(g);
    expect(lpe.length).toBe(3 * 8);
    for (let i = 0; i < 3; i++)
      expect(Array.from(lpe.subarray(i * 8 + 2, i * 8 + 8))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
