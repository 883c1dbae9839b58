import {
  type CorrelationMethod,
  checkAllFinite,
  checkMatrix,
  cholesky,
  choleskySolve,
  edgeErrors,
  type Matrix,
  type MatrixLike,
  meanCorrelationCoefficient,
  PaperkitInputError,
  permuteAdjacency,
} from '@paperkit/tensor-core';
import { consistencyPattern, transposedPattern } from '../graphs/consistency.js';
import { type Graph, type GraphLike, type Graphs, toGraph } from '../graphs/graph.js';

/**
 * The scores of the reference's `metrics.py`: MCC with its assignment, the linear "consistent R" and
 * "R" scores (averages of the coefficient of multiple correlation √R², comparable to an MCC), and the
 * SHD of the learned graphs after aligning them to the true latent order.
 */

/** Least squares of y on the columns `cols` of x (with an intercept), as R² ∈ [0, 1]. */
function r2OnColumns(x: MatrixLike, cols: readonly number[], y: Float64Array): number {
  const n = x.rows;
  const k = cols.length;
  let ym = 0;
  for (let r = 0; r < n; r++) ym += y[r]!;
  ym /= n;
  let sst = 0;
  for (let r = 0; r < n; r++) sst += (y[r]! - ym) ** 2;
  if (sst === 0) return 1;
  if (k === 0) return 0;
  // Centred normal equations (the intercept absorbs the means) with a 1e-8 ridge, so that a collapsed
  // (constant) learned latent does not make the system singular.
  const xm = new Float64Array(k);
  for (let r = 0; r < n; r++) for (let a = 0; a < k; a++) xm[a]! += x.data[r * x.cols + cols[a]!]!;
  for (let a = 0; a < k; a++) xm[a]! /= n;
  const g = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  const row = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < k; a++) row[a] = x.data[r * x.cols + cols[a]!]! - xm[a]!;
    const yc = y[r]! - ym;
    for (let a = 0; a < k; a++) {
      rhs[a]! += row[a]! * yc;
      for (let b = 0; b <= a; b++) g[a * k + b]! += row[a]! * row[b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) g[b * k + a] = g[a * k + b]!;
    g[a * k + a]! += 1e-8;
  }
  const beta = choleskySolve(cholesky({ rows: k, cols: k, data: g }), rhs);
  let sse = 0;
  for (let r = 0; r < n; r++) {
    let pred = ym;
    for (let a = 0; a < k; a++) pred += beta[a]! * (x.data[r * x.cols + cols[a]!]! - xm[a]!);
    sse += (y[r]! - pred) ** 2;
  }
  return Math.min(1, Math.max(0, 1 - sse / sst));
}

function checkPair(z: MatrixLike, zHat: MatrixLike): void {
  checkMatrix('z', z);
  checkMatrix('zHat', zHat);
  if (zHat.rows !== z.rows || zHat.cols !== z.cols)
    throw new PaperkitInputError(
      'zHat',
      `a ${zHat.rows}×${zHat.cols} matrix`,
      `a ${z.rows}×${z.cols} matrix (as z)`,
    );
  if (z.rows < 2) throw new PaperkitInputError('z', `${z.rows} rows`, 'at least 2 samples');
  checkAllFinite('z.data', z.data);
  checkAllFinite('zHat.data', zHat.data);
}

function columnOf(m: MatrixLike, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.data[r * m.cols + j]!;
  return out;
}

/**
 * The reference's "consistent R": with L = C·P (P the MCC permutation matrix, P[i][π(i)] = 1), regress
 * each true z_i on the learned latents that L allows for it (ẑ ⊙ L[i, :]), linearly with an intercept,
 * and average √R² over i. With C = I it is about the per-pair correlation; with partial
 * disentanglement it can approach 1 while the MCC stays lower. `pattern` is C (or Cᵀ for the
 * reference's `transposed_consistent_r`).
 */
export function consistentR(
  z: MatrixLike,
  zHat: MatrixLike,
  pattern: GraphLike,
  assignment: ArrayLike<number>,
): number {
  checkPair(z, zHat);
  const d = z.cols;
  const c = toGraph('pattern', pattern, { rows: d, square: true });
  if (assignment.length !== d)
    throw new PaperkitInputError('assignment', assignment, `a permutation of 0..${d - 1}`);
  let total = 0;
  for (let i = 0; i < d; i++) {
    // L[i][j] = C[i][π⁻¹(j)]: learned j is allowed for true i when its true match k = π⁻¹(j) has C[i][k] = 1.
    const cols: number[] = [];
    for (let k = 0; k < d; k++) if (c.data[i * d + k] === 1) cols.push(assignment[k]!);
    total += Math.sqrt(
      r2OnColumns(
        zHat,
        cols.sort((a, b) => a - b),
        columnOf(z, i),
      ),
    );
  }
  return total / d;
}

/**
 * The reference's linear score "R": standardise z and ẑ, regress each true z_i on all of ẑ linearly,
 * and average √R² over i (1 for any invertible linear map between the two).
 */
export function linearR(z: MatrixLike, zHat: MatrixLike): number {
  checkPair(z, zHat);
  const d = z.cols;
  const all = Array.from({ length: d }, (_, j) => j);
  let total = 0;
  // Standardising is a per-column affine map, which leaves R² with an intercept unchanged.
  for (let i = 0; i < d; i++) total += Math.sqrt(r2OnColumns(zHat, all, columnOf(z, i)));
  return total / d;
}

/** SHD of learned graphs against true ones after alignment (the reference's fn + fp count). */
export interface AlignedShd {
  /** Action graph: fn + fp of P·Ĝ^a against G^a, or null without an action graph. */
  readonly action: number | null;
  /** Temporal graph: fn + fp of P·Ĝ^z·Pᵀ against G^z, or null. */
  readonly temporal: number | null;
  /** Sum of the two. */
  readonly total: number;
  /** The learned graphs in the true latent order. */
  readonly aligned: { readonly action?: Graph; readonly temporal?: Graph };
}

/**
 * Aligns learned graphs to the true latent order with the MCC assignment π (learned latent π(i) is
 * matched to true latent i) and counts the element-wise errors: P·Ĝ^a (rows permuted) for the action
 * graph and P·Ĝ^z·Pᵀ (rows and columns) for the temporal graph; SHD = false negatives + false
 * positives, each mismatched entry counted once, as the reference does. Entries above 0.5 are edges,
 * so edge probabilities can be passed as they are.
 */
export function alignedShd(truth: Graphs, learned: Graphs, assignment: ArrayLike<number>): AlignedShd {
  const aligned: { action?: Graph; temporal?: Graph } = {};
  let action: number | null = null;
  let temporal: number | null = null;
  const threshold = (parameter: string, g: GraphLike): Graph => {
    const m = Array.isArray(g) ? toGraph(parameter, g) : checkMatrix(parameter, g as MatrixLike);
    checkAllFinite(`${parameter}.data`, m.data);
    return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data, (v) => (v > 0.5 ? 1 : 0)) };
  };
  if (truth.action !== undefined) {
    const t = toGraph('truth.action', truth.action);
    if (learned.action === undefined)
      throw new PaperkitInputError('learned.action', undefined, 'a learned action graph (the truth has one)');
    const l = threshold('learned.action', learned.action);
    if (l.rows !== t.rows || l.cols !== t.cols)
      throw new PaperkitInputError(
        'learned.action',
        `a ${l.rows}×${l.cols} matrix`,
        `a ${t.rows}×${t.cols} graph (as the truth)`,
      );
    checkAssignment(assignment, t.rows);
    const out = new Float64Array(t.rows * t.cols);
    for (let i = 0; i < t.rows; i++)
      out.set(l.data.subarray(assignment[i]! * t.cols, (assignment[i]! + 1) * t.cols), i * t.cols);
    aligned.action = { rows: t.rows, cols: t.cols, data: out };
    action = edgeErrors(t, aligned.action).total;
  }
  if (truth.temporal !== undefined) {
    const t = toGraph('truth.temporal', truth.temporal, { square: true });
    if (learned.temporal === undefined)
      throw new PaperkitInputError(
        'learned.temporal',
        undefined,
        'a learned temporal graph (the truth has one)',
      );
    const l = threshold('learned.temporal', learned.temporal);
    if (l.rows !== t.rows || l.cols !== t.cols)
      throw new PaperkitInputError(
        'learned.temporal',
        `a ${l.rows}×${l.cols} matrix`,
        `a ${t.rows}×${t.cols} graph (as the truth)`,
      );
    checkAssignment(assignment, t.rows);
    aligned.temporal = permuteAdjacency(l, assignment);
    temporal = edgeErrors(t, aligned.temporal).total;
  }
  if (action === null && temporal === null)
    throw new PaperkitInputError('truth', truth, 'an object with an action graph, a temporal graph or both');
  return { action, temporal, total: (action ?? 0) + (temporal ?? 0), aligned };
}

function checkAssignment(assignment: ArrayLike<number>, d: number): void {
  const seen = new Uint8Array(d);
  if (assignment.length !== d)
    throw new PaperkitInputError('assignment', assignment, `a permutation of 0..${d - 1}`);
  for (let i = 0; i < d; i++) {
    const a = assignment[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= d || seen[a])
      throw new PaperkitInputError('assignment', assignment, `a permutation of 0..${d - 1}`);
    seen[a] = 1;
  }
}

/** Options of {@link evaluateDisentanglement}. */
export interface EvaluateOptions {
  /** The true graphs, for the consistency pattern and the SHD. */
  readonly graphs?: Graphs;
  /** The learned graphs (or edge probabilities), for the SHD; needs `graphs`. */
  readonly learned?: Graphs;
  /** Correlation of the MCC and its assignment; default `pearson` (the reference's). */
  readonly method?: CorrelationMethod;
}

/** Every score of one learned representation. */
export interface DisentanglementScores {
  /** MCC (Pearson unless asked otherwise) between z and ẑ, with its assignment. */
  readonly mcc: number;
  /** Spearman MCC (1 for any monotone element-wise map). */
  readonly mccSpearman: number;
  /** π: true latent i is matched to learned latent π(i). */
  readonly assignment: Int32Array;
  /** |corr| of the matched pairs, per true latent. */
  readonly matched: Float64Array;
  /** Consistent R with C (null without graphs). */
  readonly consistentR: number | null;
  /** Consistent R with Cᵀ (the reference's transposed variant; null without graphs). */
  readonly transposedConsistentR: number | null;
  /** Linear R on all of ẑ. */
  readonly r: number;
  /** SHD after alignment (null without both true and learned graphs). */
  readonly shd: AlignedShd | null;
  /** The consistency pattern C used (null without graphs). */
  readonly pattern: Graph | null;
}

/**
 * Scores a representation ẑ (n×d_z) against the true latents z (n×d_z): Pearson and Spearman MCC, the
 * consistent R (C = consistency pattern of the true graphs) and its transposed variant, the linear R,
 * and, given learned graphs, the SHD after alignment by the MCC assignment.
 */
export function evaluateDisentanglement(
  z: MatrixLike,
  zHat: MatrixLike,
  options: EvaluateOptions = {},
): DisentanglementScores {
  checkPair(z, zHat);
  const method = options.method ?? 'pearson';
  const main = meanCorrelationCoefficient(z, zHat, { method });
  const spearman = method === 'spearman' ? main : meanCorrelationCoefficient(z, zHat, { method: 'spearman' });
  let pattern: Graph | null = null;
  let cons: number | null = null;
  let tcons: number | null = null;
  if (options.graphs) {
    pattern = consistencyPattern(options.graphs);
    if (pattern.rows !== z.cols)
      throw new PaperkitInputError(
        'graphs',
        `graphs with ${pattern.rows} latents`,
        `${z.cols} latents (the columns of z)`,
      );
    cons = consistentR(z, zHat, pattern, main.assignment);
    tcons = consistentR(z, zHat, transposedPattern(pattern), main.assignment);
  }
  let shd: AlignedShd | null = null;
  if (options.learned) {
    if (!options.graphs)
      throw new PaperkitInputError('graphs', undefined, 'the true graphs (needed to score learned graphs)');
    shd = alignedShd(options.graphs, options.learned, main.assignment);
  }
  return {
    mcc: main.mcc,
    mccSpearman: spearman.mcc,
    assignment: main.assignment,
    matched: main.matched,
    consistentR: cons,
    transposedConsistentR: tcons,
    r: linearR(z, zHat),
    shd,
    pattern,
  };
}

/** Columns of a row-major [n, T, d] array at step t, as an n×d matrix (e.g. the last step of pairs). */
export function stepRows(
  values: ArrayLike<number>,
  count: number,
  steps: number,
  dim: number,
  step: number,
): Matrix {
  const out = new Float64Array(count * dim);
  for (let r = 0; r < count; r++)
    for (let j = 0; j < dim; j++) out[r * dim + j] = values[(r * steps + step) * dim + j]!;
  return { rows: count, cols: dim, data: out };
}
