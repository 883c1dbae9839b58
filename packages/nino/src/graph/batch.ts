import { PaperkitInputError } from '@paperkit/tensor-core';
import type { GraphParam, NeuralGraph, NodeGroup } from './types.js';

/**
 * The disjoint union of graphs (how the official meta-training batches 16 graphs into one message
 * passing call): node ids of graph g are shifted by the nodes of graphs 0..g−1, its flat parameter
 * vector follows theirs (parameter names become `g<index>/<name>`), and its self-loops stay where
 * they were, so an edge-wise model applied to the union equals the model applied to each graph.
 */
export function batchGraphs(graphs: readonly NeuralGraph[]): NeuralGraph {
  if (!Array.isArray(graphs) || graphs.length === 0)
    throw new PaperkitInputError('graphs', graphs, 'a non-empty array of neural graphs');
  let numNodes = 0;
  let numEdges = 0;
  let paramCount = 0;
  let featureSize = 1;
  for (const g of graphs) {
    numNodes += g.numNodes;
    numEdges += g.numEdges;
    paramCount += g.paramCount;
    featureSize = Math.max(featureSize, g.featureSize);
  }
  const src = new Int32Array(numEdges);
  const dst = new Int32Array(numEdges);
  const edgeType = new Int32Array(numEdges);
  const paramIndex = new Int32Array(numEdges);
  const featureStride = new Int32Array(numEdges);
  const featureCount = new Int32Array(numEdges);
  const constant = new Float32Array(numEdges);
  const posW = new Int32Array(numNodes);
  const params: GraphParam[] = [];
  const groups: NodeGroup[] = [];
  let n0 = 0;
  let e0 = 0;
  let p0 = 0;
  graphs.forEach((g, gi) => {
    for (let i = 0; i < g.numEdges; i++) {
      src[e0 + i] = g.src[i]! + n0;
      dst[e0 + i] = g.dst[i]! + n0;
      const p = g.paramIndex[i]!;
      paramIndex[e0 + i] = p < 0 ? -1 : p + p0;
    }
    edgeType.set(g.edgeType, e0);
    featureStride.set(g.featureStride, e0);
    featureCount.set(g.featureCount, e0);
    constant.set(g.constant, e0);
    posW.set(g.posW, n0);
    for (const p of g.params)
      params.push({ ...p, name: `g${gi}/${p.name}`, offset: p.offset + p0, edgeStart: p.edgeStart + e0 });
    for (const grp of g.groups) groups.push({ ...grp, name: `g${gi}/${grp.name}`, start: grp.start + n0 });
    n0 += g.numNodes;
    e0 += g.numEdges;
    p0 += g.paramCount;
  });
  return {
    numNodes,
    numEdges,
    src,
    dst,
    edgeType,
    paramIndex,
    featureStride,
    featureCount,
    constant,
    featureSize,
    posW,
    params,
    paramCount,
    groups,
  };
}
