import { checkMatrix, type Matrix, type MatrixLike } from '../linalg/matrix.js';
import { checkOneOf, PaperkitInputError } from '../validate/errors.js';
import { linearSumAssignment } from './assignment.js';
import { pearsonCorrelationMatrix, spearmanCorrelationMatrix } from './correlation.js';

/** Which correlation {@link meanCorrelationCoefficient} matches latents with. */
export type CorrelationMethod = 'pearson' | 'spearman';

/** Options of {@link meanCorrelationCoefficient}. */
export interface MccOptions {
  /**
   * `pearson` (default): 1 only for affine element-wise maps. `spearman`: rank correlation, 1 for any
   * strictly monotone element-wise map (disentanglement spec §0.2).
   */
  readonly method?: CorrelationMethod;
}

/** The MCC, the matching that achieves it, and the correlations it was computed from. */
export interface MccResult {
  /** Mean of |C_i,π(i)| over the matched pairs, in [0, 1]. */
  readonly mcc: number;
  /** For each true latent i, the index π(i) of its matched estimate, or −1 when d > d' leaves it unmatched. */
  readonly assignment: Int32Array;
  /** Signed correlations, d×d' (rows: true latents, columns: estimates). */
  readonly correlation: Matrix;
  /** |C_i,π(i)| for each true latent (0 when unmatched). */
  readonly matched: Float64Array;
  /**
   * d×d' 0/1 matrix with P[i][π(i)] = 1 (the mechanism-sparsity repo's `perm_mat`), for aligning
   * learned graphs to the true latent order.
   */
  readonly permutation: Matrix;
}

/**
 * Mean correlation coefficient between true latents `z` (n×d) and estimates `zHat` (n×d'): the
 * |correlation| matrix, then the assignment π maximising Σ_i |C_i,π(i)| (Hungarian, exact), and
 * MCC = the mean of the matched |C|. With d ≠ d' only min(d, d') pairs are matched and the mean runs
 * over them, as the reference implementations that call scipy's `linear_sum_assignment` do. Multiply
 * by 100 for the "LMS" of the additive-decoders paper.
 */
export function meanCorrelationCoefficient(
  z: MatrixLike,
  zHat: MatrixLike,
  options: MccOptions = {},
): MccResult {
  checkMatrix('z', z);
  checkMatrix('zHat', zHat);
  const method = checkOneOf('method', options.method ?? 'pearson', ['pearson', 'spearman'] as const);
  if (zHat.rows !== z.rows)
    throw new PaperkitInputError(
      'zHat',
      `a matrix with ${zHat.rows} rows`,
      `${z.rows} rows (one per sample, as z)`,
    );
  if (z.cols < 1 || zHat.cols < 1)
    throw new PaperkitInputError(
      z.cols < 1 ? 'z' : 'zHat',
      'a matrix without columns',
      'at least one latent column',
    );
  const correlation =
    method === 'pearson' ? pearsonCorrelationMatrix(z, zHat) : spearmanCorrelationMatrix(z, zHat);
  const d = z.cols;
  const e = zHat.cols;
  const abs = new Float64Array(d * e);
  for (let i = 0; i < d * e; i++) abs[i] = Math.abs(correlation.data[i]!);
  const { rowToCol } = linearSumAssignment({ rows: d, cols: e, data: abs }, { maximize: true });
  const matched = new Float64Array(d);
  const permutation = new Float64Array(d * e);
  let total = 0;
  let pairs = 0;
  for (let i = 0; i < d; i++) {
    const j = rowToCol[i]!;
    if (j < 0) continue;
    matched[i] = abs[i * e + j]!;
    permutation[i * e + j] = 1;
    total += matched[i]!;
    pairs++;
  }
  return {
    mcc: total / pairs,
    assignment: rowToCol,
    correlation,
    matched,
    permutation: { rows: d, cols: e, data: permutation },
  };
}
