import { munkres } from 'munkres';
import { checkMatrix, type MatrixLike } from '../linalg/matrix.js';
import { checkAllFinite } from '../validate/errors.js';

/** Options of {@link linearSumAssignment}. */
export interface AssignmentOptions {
  /** Maximise the total instead of minimising it (e.g. for |correlation| matrices); default false. */
  readonly maximize?: boolean;
}

/** An optimal matching between the rows and columns of a weight matrix. */
export interface AssignmentResult {
  /** For each row, its matched column, or −1 when the matrix has more rows than columns. */
  readonly rowToCol: Int32Array;
  /** For each column, its matched row, or −1 when the matrix has more columns than rows. */
  readonly colToRow: Int32Array;
  /** Sum of the matched entries. */
  readonly total: number;
}

/**
 * The linear sum assignment problem (scipy's `linear_sum_assignment`): match min(m, n) rows of an
 * m×n cost matrix to distinct columns so that the total is minimal (or maximal). Solved exactly by
 * the Munkres/Hungarian algorithm of the `munkres` package, O(m²n) for m ≤ n; rectangular matrices
 * are allowed. Among several optimal matchings one is returned.
 */
export function linearSumAssignment(cost: MatrixLike, options: AssignmentOptions = {}): AssignmentResult {
  checkMatrix('cost', cost);
  checkAllFinite('cost.data', cost.data);
  const { rows: m, cols: n, data } = cost;
  const rowToCol = new Int32Array(m).fill(-1);
  const colToRow = new Int32Array(n).fill(-1);
  if (m === 0 || n === 0) return { rowToCol, colToRow, total: 0 };
  // munkres minimises; it reads rows through ArrayLike views, so a negated copy is all maximising needs.
  const sign = options.maximize === true ? -1 : 1;
  const work = new Float64Array(m * n);
  for (let i = 0; i < m * n; i++) work[i] = sign * data[i]!;
  const rows: Float64Array[] = [];
  for (let i = 0; i < m; i++) rows.push(work.subarray(i * n, (i + 1) * n));
  for (const [r, c] of munkres(rows)) {
    rowToCol[r] = c;
    colToRow[c] = r;
  }
  // Summed in row order, so the total does not depend on the order munkres lists its pairs.
  let total = 0;
  for (let r = 0; r < m; r++) if (rowToCol[r]! >= 0) total += data[r * n + rowToCol[r]!]!;
  return { rowToCol, colToRow, total };
}
