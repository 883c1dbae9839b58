import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { ninoForward } from '../model/forward.js';
import type { NinoModel } from '../model/model.js';
import { lpeCache, uploadBatch } from './meta-train.js';
import { buildMetaBatch, type MetaBatch, type WindowPick } from './samples.js';
import type { Trajectory } from './trajectories.js';

/** Mean absolute nowcast errors in scaled space over held-out windows. */
export interface NowcastErrors {
  /** The network's error over all valid (edge slot, horizon) entries. */
  readonly model: number;
  /** Predicting the last snapshot for every horizon (Δ = 0). */
  readonly lastValue: number;
  /** The linefit baseline at each horizon. */
  readonly linefit: number;
  /** Errors by horizon band: k = 1–5, 6–20, 21–K (model, last value, linefit). */
  readonly bands: readonly {
    readonly from: number;
    readonly to: number;
    readonly model: number;
    readonly lastValue: number;
    readonly linefit: number;
  }[];
  /** Windows evaluated. */
  readonly windows: number;
}

/** Options of {@link nowcastErrors}. */
export interface NowcastErrorOptions {
  /** Distance between window starts, in snapshots; default 5. */
  readonly stride?: number;
  /** Windows per forward pass; default 8. */
  readonly batchWindows?: number;
}

function accumulate(
  batch: MetaBatch,
  pred: Float32Array,
  c: number,
  kmax: number,
  sums: Float64Array,
  counts: Float64Array,
): void {
  const { features, targets, mask } = batch;
  const e = batch.graph.numEdges;
  const fs = batch.graph.featureSize;
  const tMean = (c - 1) / 2;
  let sxx = 0;
  for (let t = 0; t < c; t++) sxx += (t - tMean) ** 2;
  for (let i = 0; i < e * fs; i++) {
    if (mask[i * kmax] !== 1) continue;
    const row = Math.floor(i / fs) * fs * c + (i % fs) * c;
    let mean = 0;
    for (let t = 0; t < c; t++) mean += features[row + t]!;
    mean /= c;
    let sxy = 0;
    for (let t = 0; t < c; t++) sxy += (t - tMean) * (features[row + t]! - mean);
    const slope = sxy / sxx;
    const last = features[row + c - 1]!;
    for (let k = 1; k <= kmax; k++) {
      const j = i * kmax + k - 1;
      if (mask[j] !== 1) break;
      const y = targets[j]!;
      const line = mean + slope * (c - 1 + k - tMean);
      sums[3 * (k - 1)]! += Math.abs(pred[j]! - y);
      sums[3 * (k - 1) + 1]! += Math.abs(last - y);
      sums[3 * (k - 1) + 2]! += Math.abs(line - y);
      counts[k - 1]!++;
    }
  }
}

/**
 * Held-out nowcast errors of a network (the meta-training L1 in scaled space) beside two baselines
 * that need no training: the last value and linefit. Windows start every `stride` snapshots of every
 * trajectory; all K horizons are scored where the trajectory has them.
 */
export async function nowcastErrors(
  model: NinoModel,
  trajectories: readonly Trajectory[],
  options: NowcastErrorOptions = {},
): Promise<NowcastErrors> {
  const cfg = model.config;
  const stride = checkInteger('stride', options.stride ?? 5, 1);
  const per = checkInteger('batchWindows', options.batchWindows ?? 8, 1);
  if (!Array.isArray(trajectories) || trajectories.length === 0)
    throw new PaperkitInputError('trajectories', trajectories, 'a non-empty array of trajectories');
  const picks: WindowPick[] = [];
  trajectories.forEach((t, ti) => {
    for (let s = 0; s + cfg.context < t.numSnapshots; s += stride) picks.push({ trajectory: ti, start: s });
  });
  const lpeOf = lpeCache(cfg.lpeDim);
  const kmax = cfg.horizons;
  const sums = new Float64Array(3 * kmax);
  const counts = new Float64Array(kmax);
  for (let b = 0; b < picks.length; b += per) {
    const batch = buildMetaBatch(trajectories, picks.slice(b, b + per), {
      context: cfg.context,
      horizons: kmax,
      lpe: cfg.kind === 'nino' ? (i) => lpeOf(trajectories[i]!.graph) : null,
      lpeDim: cfg.lpeDim,
    });
    const device = uploadBatch(batch, cfg);
    const out = tf.tidy(() => ninoForward(model.params.tensors(), cfg, device.graph, device.features, 'all'));
    try {
      accumulate(batch, (await out.data()) as Float32Array, cfg.context, kmax, sums, counts);
    } finally {
      out.dispose();
      device.dispose();
    }
  }
  const mean = (from: number, to: number, which: number) => {
    let s = 0;
    let n = 0;
    for (let k = from; k <= Math.min(to, kmax); k++) {
      s += sums[3 * (k - 1) + which]!;
      n += counts[k - 1]!;
    }
    return n > 0 ? s / n : Number.NaN;
  };
  const bands = [
    [1, 5],
    [6, 20],
    [21, kmax],
  ]
    .filter(([from]) => from! <= kmax)
    .map(([from, to]) => ({
      from: from!,
      to: Math.min(to!, kmax),
      model: mean(from!, to!, 0),
      lastValue: mean(from!, to!, 1),
      linefit: mean(from!, to!, 2),
    }));
  return {
    model: mean(1, kmax, 0),
    lastValue: mean(1, kmax, 1),
    linefit: mean(1, kmax, 2),
    bands,
    windows: picks.length,
  };
}
