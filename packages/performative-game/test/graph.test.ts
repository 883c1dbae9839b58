import { PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  barabasiAlbert,
  barabasiAlbertNetworkx,
  chainGraph,
  completeGraph,
  degrees,
  type Graph,
  graphFromEdges,
  maxDegree,
  PythonRandom,
  pythonIntSetOrder,
  torusGrid,
} from '../src/index.js';

const adjacency = (g: Graph) =>
  Array.from({ length: g.n }, (_, i) => Array.from(g.neighbors.slice(g.offsets[i], g.offsets[i + 1])));

/** Every edge appears in both lists, no self-loops, no duplicates. */
function expectSimpleUndirected(g: Graph): void {
  const adj = adjacency(g);
  adj.forEach((nb, i) => {
    expect(new Set(nb).size).toBe(nb.length);
    expect(nb).not.toContain(i);
    for (const j of nb) expect(adj[j]).toContain(i);
  });
}

describe('deterministic graphs', () => {
  it('complete, chain and torus have the right degrees', () => {
    expect(Array.from(degrees(completeGraph(6)))).toEqual([5, 5, 5, 5, 5, 5]);
    expect(adjacency(chainGraph(3))).toEqual([[1], [0, 2], [1]]);
    const t = torusGrid(4);
    expect(t.n).toBe(16);
    expect(Array.from(degrees(t)).every((d) => d === 4)).toBe(true);
    expect(adjacency(t)[0]!.sort((a, b) => a - b)).toEqual([1, 3, 4, 12]);
    for (const g of [completeGraph(5), chainGraph(7), t]) expectSimpleUndirected(g);
  });

  it('graphFromEdges merges duplicate edges as nx.Graph does', () => {
    const g = graphFromEdges(3, [
      [0, 1],
      [1, 0],
      [1, 2],
    ]);
    expect(adjacency(g)).toEqual([[1], [0, 2], [1]]);
    expect(maxDegree(g)).toBe(2);
  });
});

describe('Python-compatible randomness (oracles from CPython 3.11)', () => {
  it('random.Random(seed).getrandbits(32) streams match', () => {
    const r0 = new PythonRandom(0);
    expect(Array.from({ length: 5 }, () => r0.getrandbits(32))).toEqual([
      3626764237, 1654615998, 3255389356, 3823568514, 1806341205,
    ]);
    const big = new PythonRandom(123456789012);
    expect(Array.from({ length: 3 }, () => big.getrandbits(32))).toEqual([1619264890, 2798649831, 88888752]);
  });

  it('random.choice matches', () => {
    const r = new PythonRandom(7);
    const seq = Array.from({ length: 37 }, (_, i) => i);
    expect(Array.from({ length: 10 }, () => r.choice(seq))).toEqual([20, 9, 25, 3, 4, 34, 6, 23, 3, 32]);
  });

  it('set iteration order of small ints matches CPython, collisions and resizes included', () => {
    const cases: [number[], number[]][] = [
      [
        [9, 1],
        [9, 1],
      ],
      [
        [3, 11],
        [11, 3],
      ],
      [
        [11, 3],
        [3, 11],
      ],
      [
        [5, 13, 21, 29],
        [29, 13, 21, 5],
      ],
      [
        [2, 10, 18, 26, 34, 42],
        [2, 34, 10, 42, 18, 26],
      ],
      [
        [7, 3, 100, 15, 8, 64, 1, 9, 33],
        [64, 1, 33, 3, 100, 7, 8, 9, 15],
      ],
    ];
    for (const [keys, order] of cases) expect(pythonIntSetOrder(keys)).toEqual(order);
  });
});

describe('Barabási–Albert graphs', () => {
  it('networkx BA(20, 2, seed 0) is reproduced edge for edge (networkx 3.6.1)', () => {
    const g = barabasiAlbertNetworkx(20, 2, 0);
    expect(adjacency(g)).toEqual([
      [1, 2, 3, 4, 5, 8, 9, 13],
      [0],
      [0, 3],
      [0, 2, 4, 5, 7, 9, 10, 11, 12, 15, 17, 18],
      [0, 3, 6, 8, 10],
      [0, 3, 6],
      [4, 5, 7, 12, 14],
      [3, 6, 16],
      [0, 4, 16, 18, 19],
      [0, 3, 14],
      [3, 4, 11, 15],
      [10, 3, 17],
      [3, 6, 13],
      [0, 12],
      [9, 6],
      [10, 3],
      [8, 7],
      [11, 3],
      [8, 3, 19],
      [8, 18],
    ]);
    // §II.1: degrees [1, 2×7, 3×6, 4, 5×3, 8, 12].
    expect(Array.from(degrees(g)).sort((a, b) => a - b)).toEqual([
      1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 5, 5, 5, 8, 12,
    ]);
  });

  it('seeded BA graphs are simple, have (m + (n − m − 1)·m) edges, and replay from the same stream', () => {
    for (const [n, m] of [
      [20, 2],
      [50, 3],
      [8, 1],
    ] as const) {
      const g = barabasiAlbert(n, m, Rng.fromSeed(4).stream('ba'));
      expectSimpleUndirected(g);
      expect(g.neighbors.length / 2).toBe(m + (n - m - 1) * m);
      expect(adjacency(barabasiAlbert(n, m, Rng.fromSeed(4).stream('ba')))).toEqual(adjacency(g));
    }
    const a = adjacency(barabasiAlbert(30, 2, Rng.fromSeed(1).stream('ba')));
    const b = adjacency(barabasiAlbert(30, 2, Rng.fromSeed(2).stream('ba')));
    expect(a).not.toEqual(b);
  });

  it('rejects bad sizes with the parameter, value and allowed range', () => {
    expect(() => barabasiAlbertNetworkx(5, 5, 0)).toThrow(
      /m must be an integer in \[1, n − 1\] = \[1, 4\]; got 5/,
    );
    expect(() => barabasiAlbertNetworkx(1, 1, 0)).toThrow(PaperkitInputError);
    expect(() => barabasiAlbertNetworkx(10, 2, -1)).toThrow(
      /seed must be a non-negative safe integer; got -1/,
    );
    expect(() => completeGraph(1)).toThrow(/n must be an integer >= 2; got 1/);
    expect(() => torusGrid(2)).toThrow(/side must be an integer >= 3; got 2/);
    expect(() => graphFromEdges(3, [[0, 3]])).toThrow(
      /edges\[0\]\[1\] must be an agent index in \[0, 2\]; got 3/,
    );
    expect(() => graphFromEdges(3, [[1, 1]])).toThrow(/no self-loops/);
  });
});
