import { PaperkitInputError } from '@paperkit/tensor-core';
import { checkFlatParams } from '../graph/edge-features.js';
import type { NeuralGraph } from '../graph/types.js';

/** The ε in the scaling denominator (`utils/scale.py` of the official code). */
export const SCALE_EPS = 1e-6;

/** Per-tensor statistics of a history: one mean and one unbiased standard deviation per graph parameter. */
export interface TensorScales {
  /** Mean of each parameter tensor over its n·c values (float32 values, as the reference computes them). */
  readonly mean: Float32Array;
  /** Unbiased standard deviation of each tensor over its n·c values (0 when n·c = 1). */
  readonly std: Float32Array;
}

/** Throws unless `history` is a non-empty array of flat parameter vectors of `graph`. */
export function checkHistory(
  graph: NeuralGraph,
  history: unknown,
  context?: number,
): readonly Float32Array[] {
  if (!Array.isArray(history) || history.length === 0)
    throw new PaperkitInputError(
      'history',
      history,
      'a non-empty array of flat parameter vectors (oldest first)',
    );
  if (context !== undefined && history.length !== context)
    throw new PaperkitInputError(
      'history',
      history,
      `exactly ${context} snapshots (the nowcaster's context c)`,
    );
  history.forEach((h, t) => {
    checkFlatParams(`history[${t}]`, graph, h);
  });
  return history as Float32Array[];
}

/**
 * Per-tensor z-scoring statistics (Knyazev et al. 2025; official `utils/scale.py`, method `std`, the
 * default): for each parameter tensor, the mean and unbiased standard deviation over all its values in
 * all c snapshots jointly. Accumulated in float64, rounded to float32.
 */
export function computeScales(graph: NeuralGraph, history: readonly Float32Array[]): TensorScales {
  checkHistory(graph, history);
  const m = graph.params.length;
  const mean = new Float32Array(m);
  const std = new Float32Array(m);
  graph.params.forEach((p, i) => {
    let s = 0;
    for (const h of history) for (let j = p.offset; j < p.offset + p.size; j++) s += h[j]!;
    const n = p.size * history.length;
    const mu = s / n;
    let ss = 0;
    for (const h of history)
      for (let j = p.offset; j < p.offset + p.size; j++) {
        const d = h[j]! - mu;
        ss += d * d;
      }
    mean[i] = mu;
    std[i] = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  });
  return { mean, std };
}

function checkScales(graph: NeuralGraph, scales: TensorScales): void {
  const m = graph.params.length;
  if (
    !(scales?.mean instanceof Float32Array) ||
    scales.mean.length !== m ||
    !(scales.std instanceof Float32Array) ||
    scales.std.length !== m
  )
    throw new PaperkitInputError('scales', scales, `per-tensor mean and std Float32Arrays of length ${m}`);
}

/**
 * x̃ = (x − μ)/(σ + 1e-6) per tensor, with float32 rounding after each operation (the reference's
 * float32 arithmetic, so results agree bit for bit given the same μ and σ).
 */
export function scaleParams(graph: NeuralGraph, theta: Float32Array, scales: TensorScales): Float32Array {
  checkFlatParams('theta', graph, theta);
  checkScales(graph, scales);
  const out = new Float32Array(theta.length);
  graph.params.forEach((p, i) => {
    const mu = scales.mean[i]!;
    const den = Math.fround(scales.std[i]! + SCALE_EPS);
    for (let j = p.offset; j < p.offset + p.size; j++) out[j] = Math.fround(theta[j]! - mu) / den;
  });
  return out;
}

/** x = x̃·σ + μ per tensor (no ε, as the reference unscales), float32 arithmetic. */
export function unscaleParams(graph: NeuralGraph, scaled: Float32Array, scales: TensorScales): Float32Array {
  checkFlatParams('scaled', graph, scaled);
  checkScales(graph, scales);
  const out = new Float32Array(scaled.length);
  graph.params.forEach((p, i) => {
    const mu = scales.mean[i]!;
    const sd = scales.std[i]!;
    for (let j = p.offset; j < p.offset + p.size; j++) out[j] = Math.fround(scaled[j]! * sd) + mu;
  });
  return out;
}
