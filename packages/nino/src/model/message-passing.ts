import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { NeuralGraph } from '../graph/types.js';

/**
 * A graph on the device for message passing: edge endpoints as gather indices (and as [E, 1] scatter
 * indices), edge types, the in-degree of every node (for mean aggregation) and the node encodings.
 * Built once per architecture and reused by every nowcast; the caller disposes it.
 */
export interface DeviceGraph {
  readonly numNodes: number;
  readonly numEdges: number;
  /** Feature slots per edge F_g. */
  readonly featureSize: number;
  /** Source node per edge, int32 [E]. */
  readonly src: tf.Tensor1D;
  /** Target node per edge, int32 [E]. */
  readonly dst: tf.Tensor1D;
  /** The same as [E, 1] scatter indices. */
  readonly src2d: tf.Tensor2D;
  readonly dst2d: tf.Tensor2D;
  /** Edge type per edge, int32 [E], and as [E, 1]. */
  readonly edgeType: tf.Tensor1D;
  readonly edgeType2d: tf.Tensor2D;
  /** 0, 1, …, E−1 (segment ids of a row gather), int32 [E]. */
  readonly edgeIds: tf.Tensor1D;
  /** Incoming edges per node (self-loop included), clamped to ≥ 1, float32 [N, 1]. */
  readonly inDegree: tf.Tensor2D;
  /** Node encodings [N, lpeDim] (Laplacian PE), or null for models that use none (WNN+). */
  readonly lpe: tf.Tensor2D | null;
  /** Frees every tensor. */
  dispose(): void;
}

/**
 * Uploads `graph` for message passing. `lpe` is a row-major [N, lpeDim] encoding (from `laplacianPE`
 * or recorded), required by NiNo and ignored by WNN+ (pass null).
 */
export function prepareDeviceGraph(graph: NeuralGraph, lpe: Float32Array | null, lpeDim = 8): DeviceGraph {
  checkInteger('lpeDim', lpeDim, 1);
  if (lpe !== null && (!(lpe instanceof Float32Array) || lpe.length !== graph.numNodes * lpeDim))
    throw new PaperkitInputError(
      'lpe',
      lpe,
      `a Float32Array of length ${graph.numNodes * lpeDim} [N, ${lpeDim}] or null`,
    );
  const deg = new Float32Array(graph.numNodes);
  for (let e = 0; e < graph.numEdges; e++) deg[graph.dst[e]!]!++;
  for (let v = 0; v < graph.numNodes; v++) if (deg[v] === 0) deg[v] = 1;
  const e = graph.numEdges;
  const tensors = {
    src: tf.tensor1d(graph.src, 'int32'),
    dst: tf.tensor1d(graph.dst, 'int32'),
    src2d: tf.tensor2d(graph.src, [e, 1], 'int32'),
    dst2d: tf.tensor2d(graph.dst, [e, 1], 'int32'),
    edgeType: tf.tensor1d(graph.edgeType, 'int32'),
    edgeType2d: tf.tensor2d(graph.edgeType, [e, 1], 'int32'),
    edgeIds: tf.range(0, e, 1, 'int32') as tf.Tensor1D,
    inDegree: tf.tensor2d(deg, [graph.numNodes, 1]),
    lpe: lpe === null ? null : tf.tensor2d(lpe, [graph.numNodes, lpeDim]),
  };
  return {
    numNodes: graph.numNodes,
    numEdges: graph.numEdges,
    featureSize: graph.featureSize,
    ...tensors,
    dispose() {
      tf.dispose([
        tensors.src,
        tensors.dst,
        tensors.src2d,
        tensors.dst2d,
        tensors.edgeType,
        tensors.edgeType2d,
        tensors.edgeIds,
        tensors.inDegree,
      ]);
      if (tensors.lpe) tensors.lpe.dispose();
    },
  };
}

/**
 * Rows `index` of `x` [N, H] → [E, H] (`ids` = 0…E−1), differentiable on every backend. The rows are
 * taken with `sparseSegmentSum` over one-row segments (each output row is 0 + one input row, so the
 * values are exact): tfjs's `GatherV2` kernels copy element by element and are 10× slower on wasm and
 * cpu at message-passing sizes. The gradient is a scatter-add (`ScatterNd`), not tfjs's gather
 * gradient, which needs `UnsortedSegmentSum` (missing on wasm).
 */
export function gatherRows(
  x: tf.Tensor2D,
  index: tf.Tensor1D,
  index2d: tf.Tensor2D,
  ids: tf.Tensor1D,
): tf.Tensor2D {
  const n = x.shape[0];
  const h = x.shape[1];
  const f = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.sparse.sparseSegmentSum(inputs[0] as tf.Tensor2D, index, ids),
    gradFunc: (dy: tf.Tensor) => tf.scatterND(index2d, dy, [n, h]),
  })) as (t: tf.Tensor) => tf.Tensor;
  return f(x) as tf.Tensor2D;
}

/**
 * Sums rows of `x` [E, H] into `numNodes` segments by `index` (a scatter-add; duplicates accumulate),
 * → [N, H]. Its gradient is the row gather of {@link gatherRows}.
 */
export function segmentSum(
  x: tf.Tensor2D,
  index: tf.Tensor1D,
  index2d: tf.Tensor2D,
  ids: tf.Tensor1D,
  numNodes: number,
): tf.Tensor2D {
  const h = x.shape[1];
  const f = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.scatterND(index2d, inputs[0] as tf.Tensor, [numNodes, h]),
    gradFunc: (dy: tf.Tensor) => tf.sparse.sparseSegmentSum(dy as tf.Tensor2D, index, ids),
  })) as (t: tf.Tensor) => tf.Tensor;
  return f(x) as tf.Tensor2D;
}

/** Mean of incoming messages per node (torch_geometric's `aggr='mean'`: sum / count, count ≥ 1). */
export function meanAggregate(messages: tf.Tensor2D, g: DeviceGraph): tf.Tensor2D {
  return tf.tidy(
    () => tf.div(segmentSum(messages, g.dst, g.dst2d, g.edgeIds, g.numNodes), g.inDegree) as tf.Tensor2D,
  );
}
