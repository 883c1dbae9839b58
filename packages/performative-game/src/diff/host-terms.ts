import { PaperkitInputError } from '@paperkit/tensor-core';
import type { Population } from '../agents/population.js';
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

/**
 * The predictor's running estimate of each agent's trust, which the reference's backward pass uses
 * in place of the hidden τ when `use_trust_estimate` is set (`Agent.update_predictors_trust_estimate`):
 * each round, an agent whose action equals the one full trust would dictate, 1[r·e·g_pred − c > 0],
 * counts as trusting, and τ̂ ← s·[match] + (1 − s)·τ̂ from τ̂ = `initial`. Returns, agent-major [N, T]:
 * `tauHat`, τ̂ after round t's update (the reference updates it before the round's gain, so it is the
 * factor of ∂gain_t/∂g_pred); and `sens`, u(1 − u) for the posterior u = τ̂L_P / (τ̂L_P + (1 − τ̂)L_I)
 * of round t − 1 (0 at t = 0): the sensitivity of τ_t to the log-likelihoods, estimated as the
 * reference's `GetUpdatedTrust` backward does from log τ̂.
 */
export function trustEstimateTerms(
  trajectory: Trajectory,
  pop: Population,
  T: number,
  smoothing: number,
  initial: number,
): { tauHat: Float32Array; sens: Float32Array } {
  const n = pop.n;
  const { offsets, neighbors } = pop.graph;
  const { r, e, c } = pop.crd;
  const la = Math.log(pop.alpha);
  const l1a = Math.log(1 - pop.alpha);
  const tauHat = new Float32Array(n * T);
  const sens = new Float32Array(n * T);
  const est = new Float64Array(n).fill(initial);
  const pivot = new Float64Array(n);
  for (let t = 0; t < T; t++) {
    const theta = trajectory.theta[t]!;
    const y = trajectory.actions[t]!;
    pop.predictedPivot(theta, pivot);
    for (let i = 0; i < n; i++) {
      const trusting = r * e * pivot[i]! - c > 0 ? 1 : 0;
      est[i] = smoothing * (y[i] === trusting ? 1 : 0) + (1 - smoothing) * est[i]!;
      tauHat[i * T + t] = est[i]!;
      if (t + 1 === T) continue;
      // Clamped so that τ̂ = 1 (smoothing 1) and a zero-probability miss give u ∈ {0, 1}, not NaN.
      const q = Math.min(Math.max(est[i]!, 1e-12), 1 - 1e-12);
      let logit = Math.log(q) - Math.log1p(-q);
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
        const j = neighbors[k]!;
        logit += Math.log(y[j] ? theta[j]! : 1 - theta[j]!) - (y[j] ? la : l1a);
      }
      const u = 1 / (1 + Math.exp(-logit));
      sens[i * T + t + 1] = u * (1 - u);
    }
  }
  return { tauHat, sens };
}
