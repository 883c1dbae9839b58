import { checkFinite, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { edgeFeatures, paramsFromEdgeValues } from '../graph/edge-features.js';
import { laplacianPE } from '../graph/lpe.js';
import type { NeuralGraph } from '../graph/types.js';
import { ninoForward } from '../model/forward.js';
import { type DeviceGraph, prepareDeviceGraph } from '../model/message-passing.js';
import { NinoModel } from '../model/model.js';
import { linefit } from './linefit.js';
import { checkHistory, computeScales, scaleParams, type TensorScales, unscaleParams } from './scaling.js';

/** What predicts future parameters: a NiNo or WNN+ network, or the linefit baseline. */
export type Nowcaster = NinoModel | 'linefit';

/** Options of {@link prepareNowcast} and {@link nowcast}. */
export interface NowcastOptions {
  /**
   * Node encodings [N, lpeDim] row-major for NiNo (ignored by WNN+ and linefit). Default:
   * `laplacianPE(graph)`. Eigenvector signs are not unique, so pass a recorded encoding to reproduce
   * reference outputs exactly.
   */
  readonly lpe?: Float32Array;
  /** Snapshots linefit fits (it has no fixed context); default 5. */
  readonly linefitContext?: number;
  /**
   * Multiplier of the predicted change, θ̃ = last + s·Δ (the official wrapper's `upd_scale`); default
   * the checkpoint's (1). Values below 1 damp the jumps.
   */
  readonly updateScale?: number;
}

/** A nowcaster bound to one architecture's graph, with its device tensors uploaded once. */
export interface PreparedNowcast {
  /** What predicts: a NiNo or WNN+ network, or linefit. */
  readonly kind: 'nino' | 'wnn+' | 'linefit';
  /** The graph it is bound to: its `params` give the names, shapes and order of the flat vectors. */
  readonly graph: NeuralGraph;
  /** Snapshots each call needs (c). */
  readonly context: number;
  /** Largest horizon k it predicts (K; unbounded for linefit). */
  readonly maxHorizon: number;
  /**
   * New flat parameters k snapshot intervals after the last of `history` (c flat vectors of the
   * graph's model, oldest first). Throws when the prediction is not finite.
   */
  run(history: readonly Float32Array[], k: number): Promise<Float32Array>;
  /**
   * {@link PreparedNowcast.run} with a synchronous read of the network's output (`dataSync`), for
   * callers that cannot await, such as an optimizer step (`withNowcasting`). Same numbers.
   */
  runSync(history: readonly Float32Array[], k: number): Float32Array;
  /** Frees the device tensors. */
  dispose(): void;
}

function checkFinitePrediction(graph: NeuralGraph, theta: Float32Array, who: string): Float32Array {
  for (let i = 0; i < theta.length; i++)
    if (!Number.isFinite(theta[i]!)) {
      const p = graph.params.find((q) => i >= q.offset && i < q.offset + q.size);
      throw new Error(
        `${who} predicted a non-finite value for ${p ? `${p.name}[${i - p.offset}]` : `parameter ${i}`}; the history is probably diverging`,
      );
    }
  return theta;
}

/**
 * Binds a nowcaster to a graph (Knyazev et al. 2025, inference; official `optim/nino.py` `step`): per-tensor scaling of the
 * history, edge features, one forward pass for horizon k, back to parameters, unscaling. The
 * Laplacian encoding and the device graph are computed once here; each {@link PreparedNowcast.run}
 * is one forward pass and one host read.
 */
export function prepareNowcast(
  nowcaster: Nowcaster,
  graph: NeuralGraph,
  options: NowcastOptions = {},
): PreparedNowcast {
  if (nowcaster === 'linefit') {
    const c = checkInteger('linefitContext', options.linefitContext ?? 5, 2);
    const runSync = (history: readonly Float32Array[], k: number) => {
      checkHistory(graph, history, c);
      return checkFinitePrediction(graph, linefit(history, k), 'linefit');
    };
    return {
      kind: 'linefit',
      graph,
      context: c,
      maxHorizon: Number.POSITIVE_INFINITY,
      run: async (history, k) => runSync(history, k),
      runSync,
      dispose: () => {},
    };
  }
  if (!(nowcaster instanceof NinoModel))
    throw new PaperkitInputError(
      'nowcaster',
      nowcaster,
      'a NinoModel (loadCheckpoint, NinoModel.init) or "linefit"',
    );
  const model = nowcaster;
  const cfg =
    options.updateScale === undefined
      ? model.config
      : { ...model.config, updateScale: checkFinite('updateScale', options.updateScale) };
  if (cfg.kind === 'nino' && graph.featureSize > cfg.maxFeatureSize)
    throw new PaperkitInputError(
      'graph',
      graph.featureSize,
      `a graph with at most ${cfg.maxFeatureSize} values per edge (this NiNo's maxFeatureSize); use a checkpoint trained with larger kernels`,
    );
  let lpe: Float32Array | null = null;
  if (cfg.kind === 'nino') lpe = options.lpe ?? laplacianPE(graph, { dim: cfg.lpeDim });
  const device: DeviceGraph = prepareDeviceGraph(graph, lpe, cfg.lpeDim);
  let disposed = false;
  // One forward pass for horizon k: scaling and edge features on the host, the network on the device.
  const forward = (history: readonly Float32Array[], k: number) => {
    if (disposed) throw new Error('this prepared nowcast was disposed');
    checkHistory(graph, history, cfg.context);
    checkInteger('k', k, 1);
    if (k > cfg.horizons)
      throw new PaperkitInputError('k', k, `an integer in [1, ${cfg.horizons}] (the model's horizons)`);
    const scales = computeScales(graph, history);
    const scaled = history.map((h) => scaleParams(graph, h, scales));
    const feats = edgeFeatures(graph, scaled, graph.featureSize);
    const out = tf.tidy(() => {
      const x = tf.tensor2d(feats, [graph.numEdges, graph.featureSize * cfg.context]);
      return ninoForward(model.params.tensors(), cfg, device, x, k);
    });
    return { out, scales };
  };
  const finish = (values: Float32Array, scales: TensorScales) => {
    const theta = unscaleParams(graph, paramsFromEdgeValues(graph, values, graph.featureSize), scales);
    return checkFinitePrediction(graph, theta, cfg.kind === 'nino' ? 'NiNo' : 'WNN+');
  };
  return {
    kind: cfg.kind,
    graph,
    context: cfg.context,
    maxHorizon: cfg.horizons,
    async run(history, k) {
      const { out, scales } = forward(history, k);
      let values: Float32Array;
      try {
        values = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
      return finish(values, scales);
    },
    runSync(history, k) {
      const { out, scales } = forward(history, k);
      let values: Float32Array;
      try {
        values = out.dataSync() as Float32Array;
      } finally {
        out.dispose();
      }
      return finish(values, scales);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      device.dispose();
    },
  };
}

/**
 * One nowcast: the parameters k snapshot intervals after the last of `history` (c flat parameter
 * vectors of `graph`'s model, oldest first). This is the pure step a nowcasting optimizer calls every
 * `period` steps; for repeated calls on one architecture use {@link prepareNowcast}.
 */
export async function nowcast(
  nowcaster: Nowcaster,
  graph: NeuralGraph,
  history: readonly Float32Array[],
  k: number,
  options: NowcastOptions = {},
): Promise<Float32Array> {
  const p = prepareNowcast(nowcaster, graph, options);
  try {
    return await p.run(history, k);
  } finally {
    p.dispose();
  }
}
