import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { checkGraphs, children, type Graph, type Graphs, parents } from './graph.js';

/** What {@link graphicalCriterion} found, latent by latent. */
export interface CriterionResult {
  /** Whether every latent is identified up to an element-wise map (complete disentanglement). */
  readonly holds: boolean;
  /** Per latent i: whether its intersection is exactly {i}. */
  readonly latents: readonly boolean[];
  /**
   * Per latent i, the sorted intersection S_i of the families below; S_i always contains i, and row i
   * of the consistency pattern C is the indicator of S_i.
   */
  readonly intersections: readonly (readonly number[])[];
}

function intersect(into: Set<number>, family: readonly number[]): void {
  const keep = new Set(family);
  for (const v of [...into]) if (!keep.has(v)) into.delete(v);
}

/**
 * The graphical criterion for complete disentanglement, from the sets themselves (Lachapelle et al.
 * 2024; an empty family intersects to all of [d_z], so a latent without parents or children fails):
 * - actions: ∀i ∩_{ℓ∈Pa^a(i)} Ch^a(ℓ) = {i};
 * - time: ∀i (∩_{j∈Pa^z(i)} Ch^z(j)) ∩ (∩_{j∈Ch^z(i)} Pa^z(j)) = {i};
 * - both: the intersection of all three families.
 * Holds iff {@link consistencyPattern} is the identity (the test suite checks both computations agree).
 */
export function graphicalCriterion(graphs: Graphs): CriterionResult {
  const { action, temporal, latentDim: d } = checkGraphs('graphs', graphs);
  const intersections: number[][] = [];
  const latents: boolean[] = [];
  for (let i = 0; i < d; i++) {
    const s = new Set<number>(Array.from({ length: d }, (_, k) => k));
    if (action) for (const l of parents(action, i)) intersect(s, children(action, l));
    if (temporal) {
      for (const j of parents(temporal, i)) intersect(s, children(temporal, j));
      for (const j of children(temporal, i)) intersect(s, parents(temporal, j));
    }
    const sorted = [...s].sort((a, b) => a - b);
    intersections.push(sorted);
    latents.push(sorted.length === 1 && sorted[0] === i);
  }
  return { holds: latents.every(Boolean), latents, intersections };
}

/**
 * The action graph of K multi-node interventions with unknown targets (one-hot a ∈ {0..K}, 0 =
 * observational, its column dropped): G^a[i][k] = 1 ⇔ latent i ∈ I_k, a d_z×K graph. Each target
 * set lists distinct latent indices in [0, d_z).
 */
export function interventionGraph(targets: readonly (readonly number[])[], latentDim: number): Graph {
  const d = checkInteger('latentDim', latentDim, 1);
  if (!Array.isArray(targets) || targets.length === 0)
    throw new PaperkitInputError(
      'targets',
      targets,
      'a non-empty array of target sets (arrays of latent indices)',
    );
  const k = targets.length;
  const data = new Float64Array(d * k);
  targets.forEach((set, c) => {
    if (!Array.isArray(set)) throw new PaperkitInputError(`targets[${c}]`, set, 'an array of latent indices');
    for (const i of set) {
      if (!Number.isInteger(i) || i < 0 || i >= d)
        throw new PaperkitInputError(`targets[${c}]`, set, `distinct latent indices in [0, ${d})`);
      if (data[i * k + c] === 1)
        throw new PaperkitInputError(`targets[${c}]`, set, 'distinct latent indices (no repeats)');
      data[i * k + c] = 1;
    }
  });
  return { rows: d, cols: k, data };
}

/**
 * The criterion for multi-node interventions with unknown targets: ∀i ∩_{k: i∈I_k} I_k = {i}. Every
 * latent must be targeted at least once. Single-node interventions satisfy it, and so does the
 * 3-latent design I₁ = {0,1}, I₂ = {1,2}, I₃ = {0,2}.
 */
export function interventionCriterion(
  targets: readonly (readonly number[])[],
  latentDim: number,
): CriterionResult {
  return graphicalCriterion({ action: interventionGraph(targets, latentDim) });
}
