import { checkMatrix, checkSquare, type Matrix, type MatrixLike } from '../linalg/matrix.js';
import { checkAllFinite, checkNonNegative, checkOneOf, PaperkitInputError } from '../validate/errors.js';

/**
 * Graph comparison. Adjacency convention everywhere: `a[i][j]` (row i, column j) is the edge i → j,
 * present when |a[i][j]| > threshold. The default threshold 0 reads any non-zero entry as an edge;
 * pass 0.5 for edge probabilities or Gumbel-sigmoid masks (as the mechanism-sparsity code does).
 */

/** Options of {@link structuralHammingDistance}. */
export interface ShdOptions {
  /** An entry is an edge when its absolute value exceeds this; default 0. */
  readonly threshold?: number;
  /**
   * What one reversed edge costs: `once` (default; Tsamardinos et al. 2006, CDT with
   * `double_for_anticausal=False`) or `twice` (equal to the element-wise false negatives + false
   * positives for graphs without 2-cycles, as CDT's default and the mechanism-sparsity repo count).
   */
  readonly reversals?: 'once' | 'twice';
}

/** SHD and its parts; every unordered node pair contributes to at most one part. */
export interface ShdResult {
  /** insertions + deletions + reversed (×2 with `reversals: 'twice'`). */
  readonly shd: number;
  /** Pairs adjacent in the prediction but not in the truth (self-loops included). */
  readonly insertions: number;
  /** Pairs adjacent in the truth but not in the prediction (self-loops included). */
  readonly deletions: number;
  /**
   * Pairs adjacent in both whose orientation differs: a reversal, or a directed edge against a
   * 2-cycle (i → j and j → i).
   */
  readonly reversed: number;
}

/**
 * Structural Hamming distance between two directed graphs on the same n nodes: the number of edge
 * insertions, deletions and reversals that turn the predicted graph into the true one, counted per
 * unordered node pair {i, j} (a pair whose two entries both differ is one operation, not two).
 */
export function structuralHammingDistance(
  trueAdj: MatrixLike,
  predAdj: MatrixLike,
  options: ShdOptions = {},
): ShdResult {
  const n = checkSquare('trueAdj', trueAdj);
  const m = checkSquare('predAdj', predAdj);
  if (m !== n)
    throw new PaperkitInputError('predAdj', `a ${m}×${m} matrix`, `a ${n}×${n} matrix (as trueAdj)`);
  const threshold = checkNonNegative('threshold', options.threshold ?? 0);
  const mode = checkOneOf('reversals', options.reversals ?? 'once', ['once', 'twice'] as const);
  checkAllFinite('trueAdj.data', trueAdj.data);
  checkAllFinite('predAdj.data', predAdj.data);
  const t = (i: number, j: number) => Math.abs(trueAdj.data[i * n + j]!) > threshold;
  const p = (i: number, j: number) => Math.abs(predAdj.data[i * n + j]!) > threshold;
  let insertions = 0;
  let deletions = 0;
  let reversed = 0;
  for (let i = 0; i < n; i++) {
    if (t(i, i) !== p(i, i)) {
      if (t(i, i)) deletions++;
      else insertions++;
    }
    for (let j = i + 1; j < n; j++) {
      const tij = t(i, j);
      const tji = t(j, i);
      const pij = p(i, j);
      const pji = p(j, i);
      if (tij === pij && tji === pji) continue;
      const inTrue = tij || tji;
      const inPred = pij || pji;
      if (!inTrue) insertions++;
      else if (!inPred) deletions++;
      else reversed++;
    }
  }
  return {
    shd: insertions + deletions + (mode === 'twice' ? 2 : 1) * reversed,
    insertions,
    deletions,
    reversed,
  };
}

/** Element-wise edge errors between two masks of the same shape. */
export interface EdgeErrors {
  /** Entries that are edges in the truth but not in the prediction. */
  readonly falseNegatives: number;
  /** Entries that are edges in the prediction but not in the truth. */
  readonly falsePositives: number;
  /** falseNegatives + falsePositives. */
  readonly total: number;
}

/**
 * Element-wise mismatches of two edge masks of any (equal) shape, e.g. the rectangular action→latent
 * graph of the mechanism-sparsity paper, whose "SHD" is fn + fp. An entry is an edge when its absolute
 * value exceeds `threshold` (default 0).
 */
export function edgeErrors(trueMask: MatrixLike, predMask: MatrixLike, threshold = 0): EdgeErrors {
  checkMatrix('trueMask', trueMask);
  checkMatrix('predMask', predMask);
  if (predMask.rows !== trueMask.rows || predMask.cols !== trueMask.cols)
    throw new PaperkitInputError(
      'predMask',
      `a ${predMask.rows}×${predMask.cols} matrix`,
      `a ${trueMask.rows}×${trueMask.cols} matrix (as trueMask)`,
    );
  checkNonNegative('threshold', threshold);
  checkAllFinite('trueMask.data', trueMask.data);
  checkAllFinite('predMask.data', predMask.data);
  let falseNegatives = 0;
  let falsePositives = 0;
  for (let k = 0; k < trueMask.data.length; k++) {
    const t = Math.abs(trueMask.data[k]!) > threshold;
    const q = Math.abs(predMask.data[k]!) > threshold;
    if (t && !q) falseNegatives++;
    else if (q && !t) falsePositives++;
  }
  return { falseNegatives, falsePositives, total: falseNegatives + falsePositives };
}

/**
 * Relabels the nodes of a learned graph into the true order: out[i][j] = adj[π(i)][π(j)], i.e.
 * P·Â·Pᵀ with the permutation matrix P[i][π(i)] = 1 of an MCC assignment (`assignment` from
 * {@link meanCorrelationCoefficient}). `assignment` must be a permutation of 0..n−1.
 */
export function permuteAdjacency(adj: MatrixLike, assignment: ArrayLike<number>): Matrix {
  const n = checkSquare('adj', adj);
  if (assignment.length !== n)
    throw new PaperkitInputError('assignment', assignment, `a permutation of 0..${n - 1}`);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = assignment[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= n || seen[a])
      throw new PaperkitInputError('assignment', assignment, `a permutation of 0..${n - 1}`);
    seen[a] = 1;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const pi = assignment[i]!;
    for (let j = 0; j < n; j++) out[i * n + j] = adj.data[pi * n + assignment[j]!]!;
  }
  return { rows: n, cols: n, data: out };
}
