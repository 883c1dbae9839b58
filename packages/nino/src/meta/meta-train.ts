import {
  AdamW,
  checkInteger,
  checkNonNegative,
  checkPositive,
  PaperkitInputError,
  type Rng,
  train,
  warmupCosineSchedule,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { laplacianPE } from '../graph/lpe.js';
import type { NeuralGraph } from '../graph/types.js';
import { type NinoConfig, resolveNinoConfig } from '../model/config.js';
import { ninoForward } from '../model/forward.js';
import { type DeviceGraph, prepareDeviceGraph } from '../model/message-passing.js';
import { NinoModel } from '../model/model.js';
import { buildMetaBatch, type MetaBatch, type WindowPick } from './samples.js';
import type { Trajectory } from './trajectories.js';

/**
 * Mean absolute error over the entries where `mask` is 1 (the official meta-training loss:
 * structural edges, padded slots and missing horizons contribute nothing).
 */
export function maskedL1(pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(pred.shape, target.shape) || !tf.util.arraysEqual(pred.shape, mask.shape))
    throw new PaperkitInputError(
      'target',
      target,
      `a tensor of the prediction's shape [${pred.shape}] (and the mask too)`,
    );
  return tf.tidy(
    () =>
      tf.div(tf.sum(tf.mul(tf.abs(tf.sub(pred, target)), mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar,
  );
}

/** Configuration of {@link metaTrain}; defaults are NiNo-small on our scaled protocol. */
export interface MetaTrainConfig {
  /** Network to train; default `{ kind: 'nino', hidden: 32, maxFeatureSize: 1 }` (NiNo-small, 33,768 parameters). */
  readonly model?: Partial<NinoConfig>;
  /** Optimisation steps; default 1000. */
  readonly iterations?: number;
  /** Trajectories per batch; default 4 (the paper's). */
  readonly trajectoriesPerBatch?: number;
  /** Windows per trajectory, shifted by one snapshot interval each; default 4 (the paper's). */
  readonly windowsPerTrajectory?: number;
  /** Peak AdamW learning rate, cosine-decayed to `minLr`; default 3e-3. */
  readonly lr?: number;
  /** Final learning rate; default 1e-6. */
  readonly minLr?: number;
  /** AdamW decoupled weight decay; default 1e-2. */
  readonly weightDecay?: number;
  /** Global gradient-norm clip; default 5. */
  readonly clipNorm?: number;
  /** Flip each Laplacian eigenvector's sign at random per trajectory sample; default true. */
  readonly flipLpeSigns?: boolean;
}

/** The defaults of {@link MetaTrainConfig} resolved. */
export interface ResolvedMetaTrainConfig {
  readonly model: NinoConfig;
  readonly iterations: number;
  readonly trajectoriesPerBatch: number;
  readonly windowsPerTrajectory: number;
  readonly lr: number;
  readonly minLr: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  readonly flipLpeSigns: boolean;
}

/** NiNo-small: hid 32, dense-only edges (F_max 1), the other settings the paper's. */
export const NINO_SMALL: Partial<NinoConfig> = { kind: 'nino', hidden: 32, maxFeatureSize: 1 };

/** Fills the defaults of a {@link MetaTrainConfig}. */
export function resolveMetaTrainConfig(config: MetaTrainConfig = {}): ResolvedMetaTrainConfig {
  return {
    model: resolveNinoConfig(config.model ?? NINO_SMALL),
    iterations: checkInteger('iterations', config.iterations ?? 1000, 1),
    trajectoriesPerBatch: checkInteger('trajectoriesPerBatch', config.trajectoriesPerBatch ?? 4, 1),
    windowsPerTrajectory: checkInteger('windowsPerTrajectory', config.windowsPerTrajectory ?? 4, 1),
    lr: checkPositive('lr', config.lr ?? 3e-3),
    minLr: checkNonNegative('minLr', config.minLr ?? 1e-6),
    weightDecay: checkNonNegative('weightDecay', config.weightDecay ?? 1e-2),
    clipNorm: checkPositive('clipNorm', config.clipNorm ?? 5),
    flipLpeSigns: config.flipLpeSigns ?? true,
  };
}

/** Caches one Laplacian encoding per architecture graph. */
export function lpeCache(dim: number): (graph: NeuralGraph) => Float32Array {
  const cache = new Map<NeuralGraph, Float32Array>();
  return (g) => {
    let v = cache.get(g);
    if (!v) {
      v = laplacianPE(g, { dim });
      cache.set(g, v);
    }
    return v;
  };
}

/** Draws a batch of windows: trajectories uniformly, a uniform start, `windows` consecutive shifts. */
export function drawWindows(
  rng: Rng,
  trajectories: readonly Trajectory[],
  count: number,
  windows: number,
  context: number,
  signRng: Rng | null,
  lpeDim: number,
): WindowPick[] {
  const picks: WindowPick[] = [];
  for (let b = 0; b < count; b++) {
    const ti = rng.int(trajectories.length);
    const t = trajectories[ti]!;
    const maxStart = t.numSnapshots - context - windows;
    if (maxStart < 0)
      throw new PaperkitInputError(
        'trajectories',
        t.numSnapshots,
        `trajectories of at least ${context + windows} snapshots`,
      );
    const start = rng.int(maxStart + 1);
    const signs = signRng
      ? Float32Array.from({ length: lpeDim }, () => (signRng.bernoulli(0.5) ? -1 : 1))
      : undefined;
    for (let w = 0; w < windows; w++)
      picks.push({ trajectory: ti, start: start + w, ...(signs ? { signs } : {}) });
  }
  return picks;
}

/** Options of {@link metaTrain}. */
export interface MetaTrainOptions {
  readonly signal?: AbortSignal;
  /** Called every `logEvery` iterations with the mean training loss of the window. */
  readonly onLog?: (iteration: number, loss: number) => void;
  /** Iterations between loss reads; default 10. */
  readonly logEvery?: number;
}

/** A trained network and its training-loss curve. */
export interface MetaTrainResult {
  readonly model: NinoModel;
  readonly losses: readonly { readonly iteration: number; readonly loss: number }[];
}

/** A meta-training batch uploaded for one network: graph, inputs, targets and mask on the device. */
export interface DeviceBatch {
  readonly graph: DeviceGraph;
  readonly features: tf.Tensor2D;
  readonly targets: tf.Tensor3D;
  readonly mask: tf.Tensor3D;
  dispose(): void;
}

/** Uploads a batch for a network with configuration `cfg`. */
export function uploadBatch(batch: MetaBatch, cfg: NinoConfig): DeviceBatch {
  const e = batch.graph.numEdges;
  const fs = batch.graph.featureSize;
  const graph = prepareDeviceGraph(batch.graph, cfg.kind === 'nino' ? batch.lpe : null, cfg.lpeDim);
  const features = tf.tensor2d(batch.features, [e, fs * cfg.context]);
  const targets = tf.tensor3d(batch.targets, [e, fs, cfg.horizons]);
  const mask = tf.tensor3d(batch.mask, [e, fs, cfg.horizons]);
  return {
    graph,
    features,
    targets,
    mask,
    dispose() {
      graph.dispose();
      tf.dispose([features, targets, mask]);
    },
  };
}

/** The masked-L1 loss of a network on an uploaded batch, all horizons at once. */
export function batchLoss(model: NinoModel, batch: DeviceBatch): tf.Scalar {
  return tf.tidy(() =>
    maskedL1(
      ninoForward(model.params.tensors(), model.config, batch.graph, batch.features, 'all'),
      batch.targets,
      batch.mask,
    ),
  );
}

/**
 * Meta-trains a nowcasting network on stored trajectories (Knyazev et al. 2025; official `train_nino.py`, `dataset/dataset.py`): batches of
 * `trajectoriesPerBatch × windowsPerTrajectory` windows as one disjoint-union graph, all K horizons
 * predicted at once (DMS) against the masked L1 loss, AdamW with cosine decay and gradient clipping.
 * Initialisation from `rng.stream('model')`, windows from `rng.stream('windows')`, encoding signs from
 * `rng.stream('lpe-signs')`. Diverging losses stop with a `DivergenceError`.
 */
export async function metaTrain(
  rng: Rng,
  trajectories: readonly Trajectory[],
  config: MetaTrainConfig = {},
  options: MetaTrainOptions = {},
): Promise<MetaTrainResult> {
  const c = resolveMetaTrainConfig(config);
  if (!Array.isArray(trajectories) || trajectories.length === 0)
    throw new PaperkitInputError('trajectories', trajectories, 'a non-empty array of trajectories');
  const cfg = c.model;
  const gnn = cfg.kind === 'nino';
  for (const t of trajectories)
    if (gnn && t.graph.featureSize > cfg.maxFeatureSize)
      throw new PaperkitInputError(
        'trajectories',
        t.graph.featureSize,
        `graphs with at most ${cfg.maxFeatureSize} values per edge`,
      );
  const model = NinoModel.init(rng.stream('model'), cfg);
  const windows = rng.stream('windows');
  const signs = gnn && c.flipLpeSigns ? rng.stream('lpe-signs') : null;
  const lpeOf = lpeCache(cfg.lpeDim);
  const opt = new AdamW({
    lr: warmupCosineSchedule({
      peak: c.lr,
      warmupSteps: 0,
      totalSteps: c.iterations,
      minLr: Math.min(c.minLr, c.lr),
    }),
    weightDecay: c.weightDecay,
    clipNorm: c.clipNorm,
  });
  const params = model.params.tensors();
  try {
    const result = await train({
      steps: c.iterations,
      checkEvery: options.logEvery ?? 10,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => options.onLog?.(p.step, p.loss),
      step: () => {
        const picks = drawWindows(
          windows,
          trajectories,
          c.trajectoriesPerBatch,
          c.windowsPerTrajectory,
          cfg.context,
          signs,
          cfg.lpeDim,
        );
        const batch = buildMetaBatch(trajectories, picks, {
          context: cfg.context,
          horizons: cfg.horizons,
          lpe: gnn ? (i) => lpeOf(trajectories[i]!.graph) : null,
          lpeDim: cfg.lpeDim,
        });
        const device = uploadBatch(batch, cfg);
        try {
          return opt.minimize(() => batchLoss(model, device), params);
        } finally {
          device.dispose();
        }
      },
    });
    return { model, losses: result.losses.map((l) => ({ iteration: l.step, loss: l.loss })) };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    opt.dispose();
  }
}
