import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * An undirected simple graph on agents `0..n−1` in compressed adjacency form: the neighbours of `i`
 * are `neighbors[offsets[i] .. offsets[i+1]−1]`, in the order the edges were added (networkx keeps the
 * same insertion order, so a graph built from networkx's edge list iterates identically).
 */
export interface Graph {
  /** Number of agents. */
  readonly n: number;
  /** Start of each adjacency list; length `n + 1`. */
  readonly offsets: Int32Array;
  /** Concatenated adjacency lists; length `2 · #edges`. */
  readonly neighbors: Int32Array;
  /** Human-readable description, e.g. `BA(20, m=2, networkx seed 0)`. */
  readonly label: string;
}

/**
 * Builds a simple graph from an edge list. Duplicate edges are merged (as `nx.Graph.add_edges_from`
 * does); self-loops and out-of-range endpoints are rejected.
 */
export function graphFromEdges(
  n: number,
  edges: Iterable<readonly [number, number]>,
  label = `graph(${n})`,
): Graph {
  checkInteger('n', n, 1);
  const adj: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<number>();
  let k = 0;
  for (const e of edges) {
    const [a, b] = e;
    for (const [name, v] of [
      [`edges[${k}][0]`, a],
      [`edges[${k}][1]`, b],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= n)
        throw new PaperkitInputError(name, v, `an agent index in [0, ${n - 1}]`);
    }
    if (a === b)
      throw new PaperkitInputError(
        `edges[${k}]`,
        [a, b],
        'an edge between two distinct agents (no self-loops)',
      );
    const key = Math.min(a, b) * n + Math.max(a, b);
    if (!seen.has(key)) {
      seen.add(key);
      adj[a]!.push(b);
      adj[b]!.push(a);
    }
    k++;
  }
  return fromAdjacency(adj, label);
}

/** Packs adjacency lists into a {@link Graph}. */
export function fromAdjacency(adj: readonly (readonly number[])[], label: string): Graph {
  const n = adj.length;
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + adj[i]!.length;
  const neighbors = new Int32Array(offsets[n]!);
  for (let i = 0; i < n; i++) neighbors.set(adj[i]!, offsets[i]!);
  return { n, offsets, neighbors, label };
}

/** The complete graph K_n (every agent's group is the whole population). */
export function completeGraph(n: number): Graph {
  checkInteger('n', n, 2);
  const adj = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n - 1 }, (_, j) => (j < i ? j : j + 1)),
  );
  return fromAdjacency(adj, `complete(${n})`);
}

/** The path 0–1–…–(n−1); `chainGraph(3)` is the 3-node chain of the trust-oscillation study (Fig. 6). */
export function chainGraph(n: number): Graph {
  checkInteger('n', n, 2);
  const edges: [number, number][] = [];
  for (let i = 0; i + 1 < n; i++) edges.push([i, i + 1]);
  return graphFromEdges(n, edges, `chain(${n})`);
}

/**
 * The periodic side×side lattice (`nx.grid_graph(dim=(side, side), periodic=True)`): agent
 * `row·side + col` is joined to its four wrap-around neighbours. `side ≥ 3` keeps it 4-regular.
 */
export function torusGrid(side: number): Graph {
  checkInteger('side', side, 3);
  const edges: [number, number][] = [];
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++) {
      const i = r * side + c;
      edges.push([i, r * side + ((c + 1) % side)]);
      edges.push([i, ((r + 1) % side) * side + c]);
    }
  return graphFromEdges(side * side, edges, `torus(${side}×${side})`);
}

/** Degree of agent `i`. */
export function degree(g: Graph, i: number): number {
  return g.offsets[i + 1]! - g.offsets[i]!;
}

/** All degrees. */
export function degrees(g: Graph): Int32Array {
  const d = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) d[i] = degree(g, i);
  return d;
}

/** Largest degree (0 for an edgeless graph). */
export function maxDegree(g: Graph): number {
  let m = 0;
  for (let i = 0; i < g.n; i++) m = Math.max(m, degree(g, i));
  return m;
}

/** Throws unless `g` is a well-formed {@link Graph} (used by entry points that accept user graphs). */
export function checkGraph(parameter: string, g: Graph): Graph {
  if (
    g === null ||
    typeof g !== 'object' ||
    !Number.isInteger(g.n) ||
    g.n < 1 ||
    !(g.offsets instanceof Int32Array) ||
    !(g.neighbors instanceof Int32Array) ||
    g.offsets.length !== g.n + 1 ||
    g.offsets[g.n] !== g.neighbors.length
  )
    throw new PaperkitInputError(
      parameter,
      g,
      'a Graph built by graphFromEdges, completeGraph, barabasiAlbert, …',
    );
  return g;
}
