import { checkMatrix, checkNonNegative, type MatrixLike, PaperkitInputError } from '@paperkit/tensor-core';
import { checkGraphs, type Graph, type GraphLike, type Graphs, toGraph } from './graph.js';

/**
 * Inclusion relations and the consistency pattern of Lachapelle et al. (2024): which learned latent
 * may still be entangled with which true latent when the mechanisms are sparse.
 *
 * Orientation (the row-inclusion form of the reference code's `metrics.test_consistency`): C[i][j] = 1
 * allows true z_i to depend on learned ẑ_j (after the MCC alignment π, rows = true, columns =
 * learned), i.e. ∂z_i/∂ẑ_j may be non-zero only where C[i][j] = 1. The paper states its "G-preserving"
 * maps with the transposed convention; {@link transposedPattern} gives that reading.
 */

/**
 * R[i][j] = 1 ⇔ Pa(i) ⊆ Pa(j) (row inclusion), for any d_z×k graph. Equals 1[G·(1 − G)ᵀ = 0] because
 * (G(1−G)ᵀ)_ij = |Pa(i) \ Pa(j)|.
 */
export function parentInclusion(g: GraphLike): Graph {
  const m = toGraph('g', g);
  const d = m.rows;
  const k = m.cols;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let sub = 1;
      for (let l = 0; l < k; l++)
        if (m.data[i * k + l] === 1 && m.data[j * k + l] === 0) {
          sub = 0;
          break;
        }
      out[i * d + j] = sub;
    }
  return { rows: d, cols: d, data: out };
}

/** R[i][j] = 1 ⇔ Ch(i) ⊆ Ch(j) for a square graph, i.e. 1[Gᵀ·(1 − G) = 0]. */
export function childInclusion(g: GraphLike): Graph {
  const m = toGraph('g', g, { square: true });
  const d = m.rows;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let sub = 1;
      for (let r = 0; r < d; r++)
        if (m.data[r * d + i] === 1 && m.data[r * d + j] === 0) {
          sub = 0;
          break;
        }
      out[i * d + j] = sub;
    }
  return { rows: d, cols: d, data: out };
}

/**
 * The consistency pattern C = R^a ∘ R^z (element-wise), using the graphs that are given:
 * R^a[i][j] = 1 ⇔ Pa^a(i) ⊆ Pa^a(j) and R^z[i][j] = 1 ⇔ Pa^z(i) ⊆ Pa^z(j) ∧ Ch^z(i) ⊆ Ch^z(j).
 * C is reflexive and transitive (a preorder), so matrices supported on C are closed under products
 * and inverses. Complete disentanglement (up to permutation and element-wise maps) holds iff C = I
 * ({@link graphicalCriterion} computes the same from the sets).
 */
export function consistencyPattern(graphs: Graphs): Graph {
  const { action, temporal, latentDim: d } = checkGraphs('graphs', graphs);
  const out = new Float64Array(d * d).fill(1);
  const mult = (r: Graph) => {
    for (let k = 0; k < out.length; k++) out[k]! *= r.data[k]!;
  };
  if (action) mult(parentInclusion(action));
  if (temporal) {
    mult(parentInclusion(temporal));
    mult(childInclusion(temporal));
  }
  return { rows: d, cols: d, data: out };
}

/** Cᵀ: the reference code's `transposed_consistent_r` orientation (some of its runs had it flipped). */
export function transposedPattern(c: GraphLike): Graph {
  const m = toGraph('c', c, { square: true });
  const d = m.rows;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = m.data[i * d + j]!;
  return { rows: d, cols: d, data: out };
}

/**
 * The entanglement graph V: C with a zero diagonal. An edge j → i (V[i][j] = 1) reads "true z_i may
 * be a function of learned ẑ_j besides ẑ_i's own match", so V = 0 is complete disentanglement.
 */
export function entanglementGraph(graphs: Graphs): Graph {
  const c = consistencyPattern(graphs);
  for (let i = 0; i < c.rows; i++) c.data[i * c.cols + i] = 0;
  return c;
}

function support(parameter: string, m: MatrixLike, d: number, tol: number): Uint8Array {
  checkMatrix(parameter, m);
  if (m.rows !== d || m.cols !== d)
    throw new PaperkitInputError(parameter, `a ${m.rows}×${m.cols} matrix`, `a ${d}×${d} matrix (d_z×d_z)`);
  const s = new Uint8Array(d * d);
  for (let k = 0; k < d * d; k++) {
    const v = m.data[k]!;
    if (!Number.isFinite(v)) throw new PaperkitInputError(`${parameter}.data[${k}]`, v, 'a finite number');
    s[k] = Math.abs(v) > tol ? 1 : 0;
  }
  return s;
}

/**
 * Whether a d_z×d_z matrix M (e.g. the Jacobian ∂z/∂ẑ of the map from learned to true latents, rows =
 * true) is G-preserving: supp(M) ⊆ C(G), an entry counting as non-zero when |M_ij| > `tolerance`
 * (default 0).
 */
export function isGPreserving(m: MatrixLike, graphs: Graphs, tolerance = 0): boolean {
  const c = consistencyPattern(graphs);
  const s = support('m', m, c.rows, checkNonNegative('tolerance', tolerance));
  for (let k = 0; k < s.length; k++) if (s[k] === 1 && c.data[k] === 0) return false;
  return true;
}

/**
 * The graph form of {@link isGPreserving}, with supports multiplied as boolean matrices (no numerical
 * cancellation): supp(Mᵀ·G^a) ⊆ supp(G^a) for the action graph, and for the temporal graph both
 * supp(Mᵀ·G^z) ⊆ supp(G^z) (parents) and supp(G^z·M) ⊆ supp(G^z) (children). M maps the true graph
 * to one the learned model can express without new edges. Equivalent to supp(M) ⊆ C; kept as a
 * separate computation so the two definitions check each other.
 */
export function preservesGraphs(m: MatrixLike, graphs: Graphs, tolerance = 0): boolean {
  const { action, temporal, latentDim: d } = checkGraphs('graphs', graphs);
  const s = support('m', m, d, checkNonNegative('tolerance', tolerance));
  const parentsKept = (g: Graph) => {
    const k = g.cols;
    // (MᵀG)[j][l] ≠ 0 ⇔ ∃ i: M[i][j] ≠ 0 ∧ G[i][l] = 1; must imply G[j][l] = 1.
    for (let j = 0; j < d; j++)
      for (let l = 0; l < k; l++) {
        if (g.data[j * k + l] === 1) continue;
        for (let i = 0; i < d; i++) if (s[i * d + j] === 1 && g.data[i * k + l] === 1) return false;
      }
    return true;
  };
  if (action && !parentsKept(action)) return false;
  if (temporal) {
    if (!parentsKept(temporal)) return false;
    // (G·M)[r][j] ≠ 0 ⇔ ∃ i: G[r][i] = 1 ∧ M[i][j] ≠ 0; must imply G[r][j] = 1.
    for (let r = 0; r < d; r++)
      for (let j = 0; j < d; j++) {
        if (temporal.data[r * d + j] === 1) continue;
        for (let i = 0; i < d; i++) if (temporal.data[r * d + i] === 1 && s[i * d + j] === 1) return false;
      }
  }
  return true;
}
