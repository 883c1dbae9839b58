import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { batchGraphs } from '../graph/batch.js';
import { edgeFeatures, parameterSlotMask } from '../graph/edge-features.js';
import type { NeuralGraph } from '../graph/types.js';
import { computeScales, scaleParams } from '../nowcast/scaling.js';
import type { Trajectory } from './trajectories.js';

/** One training window: c input snapshots from `start` of trajectory `trajectory`, then up to K targets. */
export interface WindowPick {
  readonly trajectory: number;
  readonly start: number;
  /** Per-column sign (±1) applied to the node encodings of this window (augmentation). */
  readonly signs?: Float32Array;
}

/** A meta-training batch: the disjoint union of the windows' graphs with inputs, targets and mask. */
export interface MetaBatch {
  readonly graph: NeuralGraph;
  /** Node encodings of the union [N, lpeDim] (each window's, sign-flipped), or null without LPE. */
  readonly lpe: Float32Array | null;
  /** Scaled input edge features [E, F·c]. */
  readonly features: Float32Array;
  /** Scaled targets [E, F, K] (horizon k at index k−1), scaled with the input window's statistics. */
  readonly targets: Float32Array;
  /** 1 where a target is a parameter slot with an available horizon, else 0: [E, F, K]. */
  readonly mask: Float32Array;
}

/** Options of {@link buildMetaBatch}. */
export interface MetaBatchOptions {
  /** Snapshots per input c. */
  readonly context: number;
  /** Horizons K. */
  readonly horizons: number;
  /** Node encodings per trajectory's graph (`laplacianPE`), or null for a model without LPE. */
  readonly lpe: ((trajectory: number) => Float32Array) | null;
  /** Encoding width; default 8. */
  readonly lpeDim?: number;
}

/**
 * Assembles a batch of windows (the official `dataset/dataset.py`, scaled down): for each window, the
 * c inputs θ_start … θ_{start+c−1} are z-scored per tensor, and the K targets θ_{start+c−1+k} are
 * scaled with the *input's* statistics; horizons past the end of the trajectory, structural edges,
 * self-loops and padded slots are masked out. Windows become one disjoint-union graph.
 */
export function buildMetaBatch(
  trajectories: readonly Trajectory[],
  picks: readonly WindowPick[],
  options: MetaBatchOptions,
): MetaBatch {
  const c = checkInteger('context', options.context, 2);
  const kmax = checkInteger('horizons', options.horizons, 1);
  const lpeDim = checkInteger('lpeDim', options.lpeDim ?? 8, 1);
  if (!Array.isArray(picks) || picks.length === 0)
    throw new PaperkitInputError('picks', picks, 'a non-empty array of windows');
  const graphs = picks.map((p, i) => {
    const t = trajectories[p.trajectory];
    if (!t)
      throw new PaperkitInputError(
        `picks[${i}].trajectory`,
        p.trajectory,
        `an index < ${trajectories.length}`,
      );
    if (!Number.isInteger(p.start) || p.start < 0 || p.start + c >= t.numSnapshots)
      throw new PaperkitInputError(
        `picks[${i}].start`,
        p.start,
        `an integer in [0, ${t.numSnapshots - c - 1}] (at least one target)`,
      );
    return t.graph;
  });
  const union = batchGraphs(graphs);
  const fs = union.featureSize;
  const features = new Float32Array(union.numEdges * fs * c);
  const targets = new Float32Array(union.numEdges * fs * kmax);
  const mask = new Float32Array(union.numEdges * fs * kmax);
  const lpe = options.lpe ? new Float32Array(union.numNodes * lpeDim) : null;
  let e0 = 0;
  let n0 = 0;
  picks.forEach((pick) => {
    const t = trajectories[pick.trajectory]!;
    const g = t.graph;
    const p = g.paramCount;
    const snap = (j: number) => t.snapshots.subarray(j * p, (j + 1) * p);
    const history = Array.from({ length: c }, (_, i) => snap(pick.start + i));
    const scales = computeScales(g, history);
    features.set(
      edgeFeatures(
        g,
        history.map((h) => scaleParams(g, h, scales)),
        fs,
      ),
      e0 * fs * c,
    );
    const zero = new Float32Array(p);
    const future = Array.from({ length: kmax }, (_, k) => {
      const j = pick.start + c + k;
      return j < t.numSnapshots ? scaleParams(g, snap(j), scales) : zero;
    });
    targets.set(edgeFeatures(g, future, fs), e0 * fs * kmax);
    const slots = parameterSlotMask(g, fs);
    const valid = Math.min(kmax, t.numSnapshots - pick.start - c);
    for (let e = 0; e < g.numEdges; e++)
      for (let f = 0; f < fs; f++)
        if (slots[e * fs + f] === 1)
          mask.fill(1, ((e0 + e) * fs + f) * kmax, ((e0 + e) * fs + f) * kmax + valid);
    if (lpe && options.lpe) {
      const enc = options.lpe(pick.trajectory);
      for (let v = 0; v < g.numNodes; v++)
        for (let j = 0; j < lpeDim; j++)
          lpe[(n0 + v) * lpeDim + j] = enc[v * lpeDim + j]! * (pick.signs ? pick.signs[j]! : 1);
    }
    e0 += g.numEdges;
    n0 += g.numNodes;
  });
  return { graph: union, lpe, features, targets, mask };
}
