import { PaperkitInputError } from '@paperkit/tensor-core';
import type { Graph } from '../graph/graph.js';
import type { Trajectory } from './episode.js';

// The θ-independent inputs of the differentiable pass, built on the host from a played trajectory.

/** Actions of `trajectory` as a row-major [T, N] float array (0/1). */
export function flatActions(trajectory: Trajectory, T: number, n: number): Float32Array {
  if (trajectory?.actions?.length !== T)
    throw new PaperkitInputError(
      'trajectory',
      trajectory,
      `a trajectory of ${T} rounds from this game's play()`,
    );
  const y = new Float32Array(T * n);
  for (let t = 0; t < T; t++) y.set(trajectory.actions[t]!, t * n);
  return y;
}

/**
 * The θ-independent terms of pass 2, computed on the host: 1 − y of every neighbour slot [P, N·T]
 * (1 in padded slots), and log I_t = log(1 − τ₀) + Σ_{s<t} Σ_{j∈N(i)} log P(y_sj | α) as [N, T].
 */
export function hostTerms(
  trajectory: Trajectory,
  graph: Graph,
  alpha: number,
  prior: number,
  T: number,
  P: number,
): { defectNb: Float32Array; logInnate: Float32Array } {
  const n = graph.n;
  if (trajectory?.actions?.length !== T)
    throw new PaperkitInputError(
      'trajectory',
      trajectory,
      `a trajectory of ${T} rounds from this game's play()`,
    );
  const la = Math.log(alpha);
  const l1a = Math.log(1 - alpha);
  const defectNb = new Float32Array(P * n * T).fill(1);
  const logInnate = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    const lo = graph.offsets[i]!;
    const deg = graph.offsets[i + 1]! - lo;
    let acc = Math.log(1 - prior);
    for (let t = 0; t < T; t++) {
      logInnate[i * T + t] = acc;
      const y = trajectory.actions[t]!;
      for (let s = 0; s < deg; s++) {
        const yj = y[graph.neighbors[lo + s]!]!;
        defectNb[s * n * T + i * T + t] = 1 - yj;
        acc += yj ? la : l1a;
      }
    }
  }
  return { defectNb, logInnate };
}
