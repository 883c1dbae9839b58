import { checkAllFinite, checkOneOf } from '../validate/errors.js';
import { checkMatrix, type Matrix, type MatrixLike } from './matrix.js';

/** Options of {@link qr}. */
export interface QrOptions {
  /**
   * `thin` (default): Q is m×k and R is k×n with k = min(m, n). `full`: Q is m×m and R is m×n.
   */
  readonly mode?: 'thin' | 'full';
}

/** A QR factorisation `a = q · r`: q has orthonormal columns, r is upper triangular (exact zeros below). */
export interface QrDecomposition {
  /** Orthonormal columns (m×k thin, m×m full). */
  readonly q: Matrix;
  /** Upper triangular factor (k×n thin, m×n full). Its diagonal may be negative. */
  readonly r: Matrix;
}

/** The factorisation plus how many non-identity reflectors it used; det(q) = (−1)^reflections when q is square. */
export interface HouseholderQr extends QrDecomposition {
  /** Number of Householder reflectors applied (each has determinant −1). */
  readonly reflections: number;
}

/**
 * Householder QR of any m×n matrix (Golub & Van Loan, Alg. 5.2.1). Each reflector takes
 * α = −sign(x₀)‖x‖ so that v = x − αe₁ never cancels; Q is accumulated backwards, touching only the
 * trailing block each reflector changes. Stable to machine precision: ‖a − qr‖ and ‖qᵀq − I‖ are
 * O(ε·‖a‖) and O(ε).
 */
export function qr(a: MatrixLike, options: QrOptions = {}): QrDecomposition {
  const { q, r } = householderQr(a, options);
  return { q, r };
}

/** {@link qr} that also reports the reflector count, for determinant signs (Haar sampling on SO(n)). */
export function householderQr(a: MatrixLike, options: QrOptions = {}): HouseholderQr {
  checkMatrix('a', a);
  checkAllFinite('a.data', a.data);
  const mode = checkOneOf('mode', options.mode ?? 'thin', ['thin', 'full'] as const);
  const m = a.rows;
  const n = a.cols;
  const k = Math.min(m, n);
  const w = Float64Array.from(a.data);
  // Reflector j is stored in vs[j*m + j .. j*m + m); betas[j] = 2 / vᵀv (0 for an identity reflector).
  const vs = new Float64Array(k * m);
  const betas = new Float64Array(k);
  const s = new Float64Array(n);
  let reflections = 0;
  for (let j = 0; j < k; j++) {
    let norm2 = 0;
    for (let i = j; i < m; i++) norm2 += w[i * n + j]! * w[i * n + j]!;
    if (norm2 === 0) continue;
    const x0 = w[j * n + j]!;
    const norm = Math.sqrt(norm2);
    const alpha = x0 >= 0 ? -norm : norm;
    const vo = j * m;
    vs[vo + j] = x0 - alpha;
    for (let i = j + 1; i < m; i++) vs[vo + i] = w[i * n + j]!;
    // vᵀv = ‖x‖² − 2αx₀ + α² = 2‖x‖(‖x‖ + |x₀|), free of cancellation.
    const beta = 1 / (norm * (norm + Math.abs(x0)));
    betas[j] = beta;
    reflections++;
    applyReflector(w, n, vs, vo, beta, j, m, j + 1, n, s);
    w[j * n + j] = alpha;
    for (let i = j + 1; i < m; i++) w[i * n + j] = 0;
  }
  const rRows = mode === 'thin' ? k : m;
  const r = new Float64Array(rRows * n);
  for (let i = 0; i < Math.min(rRows, m); i++) for (let j = i; j < n; j++) r[i * n + j] = w[i * n + j]!;
  const qCols = mode === 'thin' ? k : m;
  const q = new Float64Array(m * qCols);
  for (let i = 0; i < qCols; i++) q[i * qCols + i] = 1;
  const sq = new Float64Array(qCols);
  for (let j = k - 1; j >= 0; j--) {
    if (betas[j] === 0) continue;
    // Q_j = H_j · Q_{j+1}; Q_{j+1} equals the identity outside rows/columns ≥ j+1, so columns < j stay put.
    applyReflector(q, qCols, vs, j * m, betas[j]!, j, m, j, qCols, sq);
  }
  return {
    q: { rows: m, cols: qCols, data: q },
    r: { rows: rRows, cols: n, data: r },
    reflections,
  };
}

/**
 * Applies H = I − β v vᵀ (v stored at vs[vo + i] for rows i in [r0, r1)) to columns [c0, c1) of the
 * row-major matrix `x` with `cols` columns, in place. `s` is scratch of length ≥ cols.
 */
function applyReflector(
  x: Float64Array,
  cols: number,
  vs: Float64Array,
  vo: number,
  beta: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  s: Float64Array,
): void {
  s.fill(0, c0, c1);
  for (let i = r0; i < r1; i++) {
    const vi = vs[vo + i]!;
    if (vi === 0) continue;
    const o = i * cols;
    for (let c = c0; c < c1; c++) s[c]! += vi * x[o + c]!;
  }
  for (let i = r0; i < r1; i++) {
    const f = beta * vs[vo + i]!;
    if (f === 0) continue;
    const o = i * cols;
    for (let c = c0; c < c1; c++) x[o + c]! -= f * s[c]!;
  }
}
