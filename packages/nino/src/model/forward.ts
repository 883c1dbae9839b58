import { checkInteger, dense, PaperkitInputError, type ParamTensors, param } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { NinoConfig } from './config.js';
import { type DeviceGraph, gatherRows, meanAggregate } from './message-passing.js';

/** Which horizons to predict: one k in 1..K (inference) or all K at once (meta-training, DMS). */
export type Horizon = number | 'all';

function checkInputs(config: NinoConfig, g: DeviceGraph, features: tf.Tensor, horizon: Horizon): number {
  const fg = g.featureSize;
  if (config.kind === 'nino' && fg > config.maxFeatureSize)
    throw new PaperkitInputError(
      'graph.featureSize',
      fg,
      `at most the model's maxFeatureSize (${config.maxFeatureSize}); this checkpoint cannot nowcast kernels of ${fg} values`,
    );
  const c = config.context;
  if (features.rank !== 2 || features.shape[0] !== g.numEdges || features.shape[1] !== fg * c)
    throw new PaperkitInputError('features', features, `a tensor [${g.numEdges}, ${fg * c}] (edges × F·c)`);
  if (horizon !== 'all') {
    checkInteger('k', horizon, 1);
    if (horizon > config.horizons)
      throw new PaperkitInputError('k', horizon, `an integer in [1, ${config.horizons}]`);
  }
  return fg;
}

/** Columns of a DMS head with F_max·K outputs (row f·K + k−1) kept for F_g slots and the horizon(s). */
function headColumns(config: NinoConfig, fg: number, horizon: Horizon): Int32Array {
  const kmax = config.horizons;
  const ks = horizon === 'all' ? kmax : 1;
  const cols = new Int32Array(fg * ks);
  for (let f = 0; f < fg; f++)
    for (let j = 0; j < ks; j++) cols[f * ks + j] = f * kmax + (horizon === 'all' ? j : horizon - 1);
  return cols;
}

/**
 * A dense layer restricted to some output columns (only the requested horizons are evaluated). A
 * contiguous range is a slice (differentiable everywhere); scattered columns (one k of several
 * kernel slots, inference only) a gather.
 */
function denseColumns(params: ParamTensors, name: string, x: tf.Tensor2D, cols: Int32Array): tf.Tensor2D {
  const w = param(params, `${name}.weight`) as tf.Tensor2D;
  const b = param(params, `${name}.bias`) as tf.Tensor1D;
  const n = cols.length;
  if (n === w.shape[1]) return dense(params, name, x) as tf.Tensor2D;
  const contiguous = cols.every((c, i) => c === cols[0]! + i);
  return tf.tidy(() => {
    if (contiguous)
      return tf.add(
        tf.matMul(x, tf.slice(w, [0, cols[0]!], [-1, n]) as tf.Tensor2D),
        tf.slice(b, cols[0]!, n),
      ) as tf.Tensor2D;
    const idx = tf.tensor1d(cols, 'int32');
    return tf.add(tf.matMul(x, tf.gather(w, idx, 1) as tf.Tensor2D), tf.gather(b, idx)) as tf.Tensor2D;
  });
}

const silu = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.sigmoid(x));

/** Rows of the edge-type embedding per edge, [E, H]. */
function typeEmbedding(params: ParamTensors, g: DeviceGraph): tf.Tensor2D {
  return gatherRows(param(params, 'layer_embed.weight') as tf.Tensor2D, g.edgeType, g.edgeType2d, g.edgeIds);
}

/**
 * The NiNo graph network (Knyazev et al. 2025; official `optim/model.py` + `optim/gnn.py`, eval
 * path) on scaled edge features [E, F_g·c] (column f·c + t). Returns the scaled prediction
 * θ̃ = last + upd_scale·Δ as [E, F_g] for one horizon k, or [E, F_g, K] for `'all'`.
 *
 * Message passing is batched over all edges: node-level projections are gathered per edge and
 * messages summed into nodes with a scatter-add, never a loop over edges. A message
 * m = pre_nn([x_dst ‖ x_src]) is computed as x_dst·A₁ + x_src·A₂ + a on node projections (the same
 * linear map, evaluated N instead of E times), modulated by the edge (FiLM: scale·m + shift), and
 * averaged over incoming edges. The node output of the last layer is never read (the edge head reads e
 * after the last edge update, `final_edge_update=False`), so that layer is skipped.
 */
export function ninoForward(
  params: ParamTensors,
  config: NinoConfig,
  g: DeviceGraph,
  features: tf.Tensor2D,
  horizon: Horizon,
): tf.Tensor {
  const fg = checkInputs(config, g, features, horizon);
  if (config.kind === 'wnn+') return wnnForward(params, config, g, features, horizon, fg);
  if (g.lpe === null || g.lpe.shape[1] !== config.lpeDim)
    throw new PaperkitInputError(
      'graph.lpe',
      g.lpe,
      `node encodings [N, ${config.lpeDim}] (NiNo needs the Laplacian PE)`,
    );
  const c = config.context;
  const h = config.hidden;
  return tf.tidy(() => {
    const x3 = tf.reshape(features, [g.numEdges, fg, c]);
    const last = tf.reshape(tf.slice(x3, [0, 0, c - 1], [-1, -1, 1]), [g.numEdges, fg]);
    // The input projection reads only the first F_g·c columns of a model built for F_max (l.221-224).
    const wIn = tf.slice(param(params, 'edge_proj.fc.0.weight'), [0, 0], [fg * c, h]);
    let e = tf.add(
      tf.add(tf.matMul(features, wIn as tf.Tensor2D), param(params, 'edge_proj.fc.0.bias')),
      typeEmbedding(params, g),
    ) as tf.Tensor2D;
    let x = dense(params, 'node_proj.fc.0', g.lpe!) as tf.Tensor2D;
    for (let l = 0; l + 1 < config.layers; l++) {
      const conv = `gnn.convs.${l}`;
      const pre = param(params, `${conv}.pre_nns.0.0.weight`) as tf.Tensor2D;
      const toDst = tf.matMul(x, tf.slice(pre, [0, 0], [h, h]) as tf.Tensor2D) as tf.Tensor2D;
      const toSrc = tf.matMul(x, tf.slice(pre, [h, 0], [h, h]) as tf.Tensor2D) as tf.Tensor2D;
      const m = tf.add(
        tf.add(gatherRows(toDst, g.dst, g.dst2d, g.edgeIds), gatherRows(toSrc, g.src, g.src2d, g.edgeIds)),
        param(params, `${conv}.pre_nns.0.0.bias`),
      );
      const film = dense(params, `${conv}.edge_encoder`, e);
      const [scale, shift] = tf.split(film, 2, 1);
      const agg = meanAggregate(tf.add(tf.mul(scale!, m), shift!) as tf.Tensor2D, g);
      const post = param(params, `${conv}.post_nns.0.0.weight`) as tf.Tensor2D;
      const fromSelf = tf.matMul(x, tf.slice(post, [0, 0], [h, h]) as tf.Tensor2D);
      const fromAgg = tf.matMul(agg, tf.slice(post, [h, 0], [h, h]) as tf.Tensor2D);
      const upd = tf.add(
        tf.add(fromSelf, fromAgg),
        param(params, `${conv}.post_nns.0.0.bias`),
      ) as tf.Tensor2D;
      x = silu(dense(params, `${conv}.lin`, upd)) as tf.Tensor2D;
      const eu = `gnn.edge_update.${l}`;
      const s = gatherRows(dense(params, `${eu}.lin_s`, x) as tf.Tensor2D, g.src, g.src2d, g.edgeIds);
      const t = gatherRows(dense(params, `${eu}.lin_t`, x) as tf.Tensor2D, g.dst, g.dst2d, g.edgeIds);
      e = dense(
        params,
        `${eu}.lin1`,
        silu(tf.add(tf.add(dense(params, `${eu}.lin_e`, e), s), t)),
      ) as tf.Tensor2D;
    }
    const hidden = silu(dense(params, 'edge_out.fc.0', e)) as tf.Tensor2D;
    const delta = denseColumns(params, 'edge_out.fc.2', hidden, headColumns(config, fg, horizon));
    return residual(config, last, delta, g.numEdges, fg, horizon);
  });
}

/** θ̃ = last + upd_scale·Δ, shaped [E, F_g] or [E, F_g, K]. */
function residual(
  config: NinoConfig,
  last: tf.Tensor,
  delta: tf.Tensor,
  e: number,
  fg: number,
  horizon: Horizon,
): tf.Tensor {
  const scaled = config.updateScale === 1 ? delta : tf.mul(delta, config.updateScale);
  if (horizon !== 'all') return tf.add(last, tf.reshape(scaled, [e, fg]));
  return tf.add(tf.expandDims(last, 2), tf.reshape(scaled, [e, fg, config.horizons]));
}

/**
 * WNN+ (official `optim/model.py` with `gnn=False`): every feature slot of every edge independently,
 * h = Linear(c→H)(its c scaled values) + TypeEmb[type], then Linear, SiLU ×3 and Linear(H→K).
 */
function wnnForward(
  params: ParamTensors,
  config: NinoConfig,
  g: DeviceGraph,
  features: tf.Tensor2D,
  horizon: Horizon,
  fg: number,
): tf.Tensor {
  const c = config.context;
  return tf.tidy(() => {
    const rows = tf.reshape(features, [g.numEdges * fg, c]) as tf.Tensor2D;
    const last = tf.reshape(tf.slice(rows, [0, c - 1], [-1, 1]), [g.numEdges, fg]);
    let typeEmb: tf.Tensor = typeEmbedding(params, g);
    if (fg > 1) typeEmb = tf.reshape(tf.tile(tf.expandDims(typeEmb, 1), [1, fg, 1]), [g.numEdges * fg, -1]);
    let h = tf.add(dense(params, 'edge_proj.fc.0', rows), typeEmb) as tf.Tensor2D;
    for (const i of [0, 2, 4]) h = silu(dense(params, `edge_mlp.fc.${i}`, h)) as tf.Tensor2D;
    const cols =
      horizon === 'all'
        ? Int32Array.from({ length: config.horizons }, (_, j) => j)
        : Int32Array.of(horizon - 1);
    const delta = denseColumns(params, 'edge_mlp.fc.6', h, cols);
    return residual(config, last, delta, g.numEdges, fg, horizon);
  });
}
