import type { NeuralGraph } from '../src/index.js';

/**
 * The edge bijection a node relabelling σ induces, or null when σ is not an automorphism of the graph
 * (some edge u→v of type t has no edge σ(u)→σ(v) of type t). Requires at most one edge per
 * (u, v, type), i.e. no flatten multigraph.
 */
export function edgeMap(graph: NeuralGraph, sigma: Int32Array): Int32Array | null {
  const n = graph.numNodes;
  const key = (u: number, v: number, t: number) => (u * n + v) * 16 + t;
  const index = new Map<number, number>();
  for (let e = 0; e < graph.numEdges; e++)
    index.set(key(graph.src[e]!, graph.dst[e]!, graph.edgeType[e]!), e);
  const map = new Int32Array(graph.numEdges);
  const hit = new Uint8Array(graph.numEdges);
  for (let e = 0; e < graph.numEdges; e++) {
    const to = index.get(key(sigma[graph.src[e]!]!, sigma[graph.dst[e]!]!, graph.edgeType[e]!));
    if (to === undefined || hit[to]) return null;
    hit[to] = 1;
    map[e] = to;
  }
  return map;
}

/** θ' with θ'[slot(map[e], f)] = θ[slot(e, f)]: the parameters of the relabelled model. */
export function permuteParams(graph: NeuralGraph, map: Int32Array, theta: Float32Array): Float32Array {
  const out = new Float32Array(theta.length);
  for (let e = 0; e < graph.numEdges; e++) {
    const p = graph.paramIndex[e]!;
    if (p < 0) continue;
    const q = graph.paramIndex[map[e]!]!;
    for (let f = 0; f < graph.featureCount[e]!; f++)
      out[q + f * graph.featureStride[map[e]!]!] = theta[p + f * graph.featureStride[e]!]!;
  }
  return out;
}

/** The identity relabelling of `n` nodes. */
export function identityPerm(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Applies permutation `p` (of `count` items) to the node range starting at `start` inside `sigma`. */
export function permuteRange(sigma: Int32Array, start: number, p: ArrayLike<number>): void {
  for (let i = 0; i < p.length; i++) sigma[start + i] = start + p[i]!;
}

/** Rows of a row-major [N, k] encoding moved with σ: out[σ(v)] = lpe[v]. */
export function permuteRows(lpe: Float32Array, sigma: Int32Array, k: number): Float32Array {
  const out = new Float32Array(lpe.length);
  for (let v = 0; v < sigma.length; v++) out.set(lpe.subarray(v * k, v * k + k), sigma[v]! * k);
  return out;
}
