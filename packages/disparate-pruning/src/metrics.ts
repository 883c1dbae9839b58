import { checkAllFinite, checkNonNegative, PaperkitInputError } from '@paperkit/tensor-core';
import type { GroupAssignment } from './groups.js';

/**
 * A per-example quantity averaged over the whole set and over each group: accuracy when the values are
 * 0/1 correctness bits, mean cross-entropy when they are losses.
 */
export interface GroupRates {
  /** Mean over all examples (sample-weighted, like the reference's A(θ|D)). */
  readonly overall: number;
  /** Mean over each group's examples; NaN for a group with no example in this set. */
  readonly groups: Float64Array;
  /** Examples per group. */
  readonly counts: Float64Array;
}

/** Averages per-example `values` overall and per group (float64, exact sums). */
export function groupRates(values: ArrayLike<number>, groups: GroupAssignment): GroupRates {
  if (values === null || typeof values !== 'object' || values.length !== groups.count)
    throw new PaperkitInputError('values', values, `an array of ${groups.count} per-example values`);
  const sums = new Float64Array(groups.numGroups);
  const counts = new Float64Array(groups.numGroups);
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  for (const layer of groups.memberships)
    for (let i = 0; i < layer.length; i++) {
      sums[layer[i]!]! += values[i]!;
      counts[layer[i]!]!++;
    }
  const means = sums.map((s, g) => (counts[g]! > 0 ? s / counts[g]! : Number.NaN));
  return { overall: total / values.length, groups: means, counts };
}

/**
 * Rates from counts, for a partition into groups: `hits[g]` of `sizes[g]` (e.g. correct predictions),
 * overall = Σ hits / Σ sizes. A group of size 0 gets NaN.
 */
export function ratesFromCounts(sizes: ArrayLike<number>, hits: ArrayLike<number>): GroupRates {
  if (sizes === null || typeof sizes !== 'object' || sizes.length === 0)
    throw new PaperkitInputError('sizes', sizes, 'a non-empty array of group sizes');
  if (hits === null || typeof hits !== 'object' || hits.length !== sizes.length)
    throw new PaperkitInputError('hits', hits, `an array of ${sizes.length} counts (one per group)`);
  checkAllFinite('sizes', sizes);
  checkAllFinite('hits', hits);
  let n = 0;
  let h = 0;
  const counts = Float64Array.from(sizes);
  const groups = new Float64Array(sizes.length);
  for (let g = 0; g < sizes.length; g++) {
    if (counts[g]! < 0) throw new PaperkitInputError(`sizes[${g}]`, counts[g], 'a count >= 0');
    if (hits[g]! < 0 || hits[g]! > counts[g]!)
      throw new PaperkitInputError(`hits[${g}]`, hits[g], `a count in [0, ${counts[g]}]`);
    n += counts[g]!;
    h += hits[g]!;
    groups[g] = counts[g]! > 0 ? hits[g]! / counts[g]! : Number.NaN;
  }
  if (n === 0) throw new PaperkitInputError('sizes', sizes, 'at least one non-empty group');
  return { overall: h / n, groups, counts };
}

/**
 * How pruning changed per-group accuracy (the paper's §3 definitions, Hashemizadeh et al. 2024).
 * Δ = A(θ_d) − A(θ_s) is the global accuracy gap, Δ_g the same on group g, ψ_g = Δ_g − Δ the excess
 * accuracy gap (positive: group g lost more than average).
 */
export interface DisparityReport {
  /** Δ. */
  readonly globalGap: number;
  /** Δ_g per group (NaN where the group is empty in this set). */
  readonly groupGaps: Float64Array;
  /** ψ_g per group (NaN where empty). */
  readonly excessGaps: Float64Array;
  /** max_g ψ_g over non-empty groups: the paper's disparity metric. NaN when no group is measured. */
  readonly maxExcessGap: number;
  /** min_g ψ_g over non-empty groups. */
  readonly minExcessGap: number;
  /** Ψ_PW = max_{g,g'} (Δ_g − Δ_g') = max ψ − min ψ. */
  readonly pairwiseDisparity: number;
  /** The group with the largest ψ_g, or −1. */
  readonly worstGroup: number;
  /** ε of the constraint ψ_g ≤ ε. */
  readonly epsilon: number;
  /** ψ_g − ε, the constraint values in the "≤ 0" convention (NaN where empty). */
  readonly violations: Float64Array;
  /** max_g (ψ_g − ε) ≤ 0 over non-empty groups; empty groups are skipped, not counted as 0. */
  readonly feasible: boolean;
}

/**
 * Compares a sparse model's accuracies with its dense model's on the same examples. Both are
 * {@link GroupRates} of correctness bits (or {@link ratesFromCounts}); groups empty in this set are
 * reported as NaN and skipped by the max, the min and feasibility.
 */
export function disparity(dense: GroupRates, sparse: GroupRates, epsilon = 0): DisparityReport {
  checkNonNegative('epsilon', epsilon);
  if (dense.groups.length !== sparse.groups.length)
    throw new PaperkitInputError(
      'sparse.groups',
      sparse.groups,
      `${dense.groups.length} group rates (as many as the dense model's)`,
    );
  const globalGap = dense.overall - sparse.overall;
  const G = dense.groups.length;
  const groupGaps = new Float64Array(G);
  const excessGaps = new Float64Array(G);
  const violations = new Float64Array(G);
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  let worst = -1;
  for (let g = 0; g < G; g++) {
    const gap = dense.groups[g]! - sparse.groups[g]!;
    groupGaps[g] = gap;
    excessGaps[g] = gap - globalGap;
    violations[g] = gap - globalGap - epsilon;
    if (Number.isNaN(gap)) continue;
    if (excessGaps[g]! > max) {
      max = excessGaps[g]!;
      worst = g;
    }
    if (excessGaps[g]! < min) min = excessGaps[g]!;
  }
  const any = worst >= 0;
  return {
    globalGap,
    groupGaps,
    excessGaps,
    maxExcessGap: any ? max : Number.NaN,
    minExcessGap: any ? min : Number.NaN,
    pairwiseDisparity: any ? max - min : Number.NaN,
    worstGroup: worst,
    epsilon,
    violations,
    feasible: !any || max - epsilon <= 0,
  };
}

/**
 * CEAG's differentiable proxy of ψ_g (the reference's `compute_surrogate` with loss gaps, signs
 * flipped so that lower loss means higher accuracy): ψ̃_g = [L(θ|D_g) − L(θ_d|D_g)] − [L(θ|D) − L(θ_d|D)].
 * Host float64 version of what the training problem computes on tensors; NaN for empty groups.
 */
export function proxyExcessGaps(denseLoss: GroupRates, sparseLoss: GroupRates): Float64Array {
  if (denseLoss.groups.length !== sparseLoss.groups.length)
    throw new PaperkitInputError(
      'sparseLoss.groups',
      sparseLoss.groups,
      `${denseLoss.groups.length} group losses`,
    );
  const global = sparseLoss.overall - denseLoss.overall;
  return sparseLoss.groups.map((l, g) => l - denseLoss.groups[g]! - global);
}

/**
 * Per-example weights w with ∇[L̂ + Σ_{g∈O} λ_g ψ̃_g] = ∇ Σ_i w_i ℓ_i on a batch (L̂ the batch-mean loss,
 * O the groups present): w_i = (1 − Σ_{g∈O} λ_g)/B + Σ_{g∋i} λ_g/n_g (one term per group example i
 * belongs to), so Σ_i w_i = 1 exactly. Weights go negative when Σλ > 1; that is the formulation, not an error to clip.
 * @param batch the batch's group memberships
 * @param lambda one multiplier per group
 */
export function ceagSampleWeights(batch: GroupAssignment, lambda: ArrayLike<number>): Float64Array {
  if (lambda === null || typeof lambda !== 'object' || lambda.length !== batch.numGroups)
    throw new PaperkitInputError('lambda', lambda, `an array of ${batch.numGroups} multipliers`);
  const B = batch.count;
  const counts = new Float64Array(batch.numGroups);
  for (const layer of batch.memberships) for (let i = 0; i < B; i++) counts[layer[i]!]!++;
  let observed = 0;
  for (let g = 0; g < counts.length; g++) if (counts[g]! > 0) observed += lambda[g]!;
  const w = new Float64Array(B).fill((1 - observed) / B);
  for (const layer of batch.memberships)
    for (let i = 0; i < B; i++) w[i]! += lambda[layer[i]!]! / counts[layer[i]!]!;
  return w;
}
