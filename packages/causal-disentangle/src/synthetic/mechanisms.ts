import type { Graph } from '../graphs/graph.js';

/**
 * The latent mechanisms of the reference synthetic datasets (`data/synthetic.py`): the conditional
 * mean μ_i(u) and variance v_i(u) of z_i given its context u (the action a in the action setting, the
 * previous latent z^{t−1} in the temporal setting), with i and ℓ 0-based in every formula.
 */

/** The dataset variants of the reference (`action_sparsity_*`, `temporal_sparsity_*`). */
export const MECHANISM_VARIANTS = ['trivial', 'non_trivial', 'k=2', 'no_suff_var', 'sigmoid'] as const;

/** One of {@link MECHANISM_VARIANTS}. */
export type MechanismVariant = (typeof MECHANISM_VARIANTS)[number];

/** Variance of the additive Gaussian noise of every variant except `k=2`. */
export const MECHANISM_VARIANCE = 1e-4;

/** Step size of the temporal transition z¹ = z⁰ + 0.5·Δ(z⁰). */
export const TEMPORAL_STEP = 0.5;

/** What a mechanism needs besides the context: the graph, and A = N(0,1) ∘ G for `no_suff_var`. */
export interface MechanismParams {
  readonly variant: MechanismVariant;
  /** d_z×k graph (k = d_a or d_z). */
  readonly graph: Graph;
  /** d_z×k matrix A of `no_suff_var` (row-major), else null. */
  readonly linear: Float64Array | null;
}

/**
 * f_i(u) = Σ_ℓ G[i][ℓ]·φ(u_ℓ·(i+3)/π + i) for φ = sin or cos: the "non-trivial" mechanism, where
 * every parent enters through a different frequency and phase per child.
 */
function periodic(
  p: MechanismParams,
  u: Float64Array,
  r: number,
  i: number,
  fn: (x: number) => number,
): number {
  const k = p.graph.cols;
  let s = 0;
  for (let l = 0; l < k; l++)
    if (p.graph.data[i * k + l] === 1) s += fn((u[r * k + l]! * (i + 3)) / Math.PI + i);
  return s;
}

/**
 * The conditional means f(u) [n, d_z] and variances [n, d_z] of a variant, for contexts u [n, k]:
 * - `trivial`: f = sin(u) (G = I);
 * - `non_trivial`: f_i = Σ_ℓ G[i][ℓ] sin(u_ℓ(i+3)/π + i);
 * - `k=2`: the same mean, variance (0.1/k)·exp(Σ_ℓ G[i][ℓ] cos(u_ℓ(i+3)/π + i)) (two sufficient
 *   statistics move with the context);
 * - `no_suff_var`: f = A·u with A = N(0,1) ∘ G (linear mean, constant variance: breaks the
 *   sufficient-variability assumption on purpose);
 * - `sigmoid`: f_i = Σ_ℓ G[i][ℓ]·σ(4(u_ℓ − s_i)) with s = linspace(−2, 2, d_z).
 * Every variant but `k=2` has variance {@link MECHANISM_VARIANCE}. The action setting uses z = f(a)
 * plus noise; the temporal setting uses Δ = f(z⁰) in z¹ = z⁰ + 0.5·Δ plus noise.
 */
export function mechanismMoments(
  p: MechanismParams,
  u: Float64Array,
  n: number,
): { mean: Float64Array; variance: Float64Array } {
  const d = p.graph.rows;
  const k = p.graph.cols;
  const mean = new Float64Array(n * d);
  const variance = new Float64Array(n * d).fill(MECHANISM_VARIANCE);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++) {
      let m = 0;
      switch (p.variant) {
        case 'trivial':
          m = Math.sin(u[r * k + i]!);
          break;
        case 'non_trivial':
          m = periodic(p, u, r, i, Math.sin);
          break;
        case 'k=2':
          m = periodic(p, u, r, i, Math.sin);
          variance[r * d + i] = (0.1 / k) * Math.exp(periodic(p, u, r, i, Math.cos));
          break;
        case 'no_suff_var':
          for (let l = 0; l < k; l++) m += p.linear![i * k + l]! * u[r * k + l]!;
          break;
        case 'sigmoid': {
          const s = d === 1 ? -2 : -2 + (4 * i) / (d - 1);
          for (let l = 0; l < k; l++)
            if (p.graph.data[i * k + l] === 1) m += 1 / (1 + Math.exp(-4 * (u[r * k + l]! - s)));
          break;
        }
      }
      mean[r * d + i] = m;
    }
  return { mean, variance };
}
