import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import type { NeuralGraph } from './types.js';

/** Throws unless `theta` is a flat parameter vector of `graph` (length `graph.paramCount`). */
export function checkFlatParams(parameter: string, graph: NeuralGraph, theta: unknown): Float32Array {
  if (!(theta instanceof Float32Array) || theta.length !== graph.paramCount)
    throw new PaperkitInputError(
      parameter,
      theta,
      `a Float32Array of length ${graph.paramCount} (the flat parameter vector of the graph's model)`,
    );
  return theta;
}

/**
 * Edge features of a history of flat parameter vectors (oldest first): a row-major Float32Array
 * [E, F·c] with column `f·c + t` = feature slot f of the edge at time t (`NeuralGraph.to_edges` of
 * the official code). Structural edges hold their constant (1, or 2 for self-loops) in slot 0 at every
 * t; padded slots are 0. Values are copied, never rounded, so {@link paramsFromEdgeFeatures} inverts
 * this bit for bit.
 * @param featureSize slots per edge F (default `graph.featureSize`; a model may pad to more).
 */
export function edgeFeatures(
  graph: NeuralGraph,
  history: readonly Float32Array[],
  featureSize: number = graph.featureSize,
): Float32Array {
  if (!Array.isArray(history) || history.length === 0)
    throw new PaperkitInputError('history', history, 'a non-empty array of flat parameter vectors');
  history.forEach((h, t) => {
    checkFlatParams(`history[${t}]`, graph, h);
  });
  const fs = checkInteger('featureSize', featureSize, graph.featureSize);
  const c = history.length;
  const e = graph.numEdges;
  const width = fs * c;
  const out = new Float32Array(e * width);
  const { paramIndex, featureStride, featureCount, constant } = graph;
  for (let i = 0; i < e; i++) {
    const row = i * width;
    const p = paramIndex[i]!;
    if (p < 0) {
      out.fill(constant[i]!, row, row + c);
      continue;
    }
    const k = featureCount[i]!;
    const s = featureStride[i]!;
    for (let f = 0; f < k; f++) {
      const idx = p + f * s;
      const base = row + f * c;
      for (let t = 0; t < c; t++) out[base + t] = history[t]![idx]!;
    }
  }
  return out;
}

/**
 * The flat parameter vector held by column `t` of edge features [E, F·c] (the inverse of
 * {@link edgeFeatures}; `NeuralGraph.to_vector` of the official code). Structural edges are skipped.
 */
export function paramsFromEdgeFeatures(
  graph: NeuralGraph,
  features: Float32Array,
  t: number,
  context: number,
  featureSize: number = graph.featureSize,
): Float32Array {
  const c = checkInteger('context', context, 1);
  checkInteger('t', t, 0);
  if (t >= c) throw new PaperkitInputError('t', t, `an integer < context (${c})`);
  const fs = checkInteger('featureSize', featureSize, graph.featureSize);
  if (!(features instanceof Float32Array) || features.length !== graph.numEdges * fs * c)
    throw new PaperkitInputError(
      'features',
      features,
      `a Float32Array of length ${graph.numEdges * fs * c} [E, F·c]`,
    );
  const out = new Float32Array(graph.paramCount);
  const { paramIndex, featureStride, featureCount } = graph;
  const width = fs * c;
  for (let i = 0; i < graph.numEdges; i++) {
    const p = paramIndex[i]!;
    if (p < 0) continue;
    const k = featureCount[i]!;
    const s = featureStride[i]!;
    for (let f = 0; f < k; f++) out[p + f * s] = features[i * width + f * c + t]!;
  }
  return out;
}

/**
 * The flat parameter vector from one value per edge slot, `values` [E, F] row-major (a nowcast
 * model's output). Structural edges and padded slots are ignored.
 */
export function paramsFromEdgeValues(
  graph: NeuralGraph,
  values: Float32Array,
  featureSize: number = graph.featureSize,
): Float32Array {
  const fs = checkInteger('featureSize', featureSize, graph.featureSize);
  if (!(values instanceof Float32Array) || values.length !== graph.numEdges * fs)
    throw new PaperkitInputError('values', values, `a Float32Array of length ${graph.numEdges * fs} [E, F]`);
  const out = new Float32Array(graph.paramCount);
  const { paramIndex, featureStride, featureCount } = graph;
  for (let i = 0; i < graph.numEdges; i++) {
    const p = paramIndex[i]!;
    if (p < 0) continue;
    const k = featureCount[i]!;
    const s = featureStride[i]!;
    for (let f = 0; f < k; f++) out[p + f * s] = values[i * fs + f]!;
  }
  return out;
}

/**
 * 1 for every edge slot that holds a parameter, 0 for structural edges and padding: [E, F]. The
 * meta-training loss averages over these slots only (auxiliary edges and self-loops are not
 * parameters, `dataset/dataset.py` of the official code).
 */
export function parameterSlotMask(graph: NeuralGraph, featureSize: number = graph.featureSize): Float32Array {
  const fs = checkInteger('featureSize', featureSize, graph.featureSize);
  const mask = new Float32Array(graph.numEdges * fs);
  for (let i = 0; i < graph.numEdges; i++) {
    if (graph.paramIndex[i]! < 0) continue;
    mask.fill(1, i * fs, i * fs + graph.featureCount[i]!);
  }
  return mask;
}
