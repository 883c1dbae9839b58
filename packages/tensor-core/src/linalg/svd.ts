import { checkAllFinite } from '../validate/errors.js';
import { checkMatrix, type Matrix, type MatrixLike } from './matrix.js';

/** A thin SVD `a = u · diag(s) · vᵀ` with k = min(m, n). */
export interface SvdDecomposition {
  /** m×k, orthonormal columns (left singular vectors). */
  readonly u: Matrix;
  /** k singular values, non-negative and descending. */
  readonly s: Float64Array;
  /** n×k, orthonormal columns (right singular vectors). */
  readonly v: Matrix;
}

const MAX_SWEEPS = 80;

/**
 * Thin singular value decomposition of any m×n matrix by one-sided (Hestenes) Jacobi: plane rotations
 * orthogonalise the columns of a (of aᵀ when m < n) until every pair satisfies
 * |⟨a_p, a_q⟩| ≤ m·ε·‖a_p‖‖a_q‖. Singular values come out with high relative accuracy, and u, v are
 * orthonormal to O(m·ε). Columns of u for exactly-zero singular values are completed to an
 * orthonormal set (Gram–Schmidt on unit vectors), so uᵀu = I holds for rank-deficient input too.
 * Cost O(sweeps·m·n²) with ~6–10 sweeps: milliseconds for 128×128.
 */
export function svd(a: MatrixLike): SvdDecomposition {
  checkMatrix('a', a);
  checkAllFinite('a.data', a.data);
  const m = a.rows;
  const n = a.cols;
  if (m < n) {
    // svd(aᵀ) = v s uᵀ: orthogonalise the rows of a, which are already contiguous.
    const t = jacobi(n, m, Float64Array.from(a.data));
    return { u: t.v, s: t.s, v: t.u };
  }
  const w = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j * m + i] = a.data[i * n + j]!;
  return jacobi(m, n, w);
}

/**
 * SVD of the m×n matrix (m ≥ n) whose columns are the rows of `w` (n rows of length m, row-major).
 * Rotating rows of w keeps every inner loop contiguous.
 */
function jacobi(m: number, n: number, w: Float64Array): SvdDecomposition {
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vt[i * n + i] = 1;
  const tol = Math.max(m, 1) * Number.EPSILON;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      const op = p * m;
      for (let q = p + 1; q < n; q++) {
        const oq = q * m;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[op + i]!;
          const y = w[oq + i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // Rotation angle zeroing ⟨w_p, w_q⟩: t = tan θ is the smaller root of t² + 2ζt − 1 = 0.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(w, op, oq, m, c, s);
        rotate(vt, p * n, q * n, n, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += w[j * m + i]! * w[j * m + i]!;
    norms[j] = Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y]! - norms[x]!);
  const s = new Float64Array(n);
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  const missing: number[] = [];
  for (let c = 0; c < n; c++) {
    const src = order[c]!;
    const sigma = norms[src]!;
    s[c] = sigma;
    for (let i = 0; i < n; i++) v[i * n + c] = vt[src * n + i]!;
    const inv = 1 / sigma;
    if (sigma === 0 || !Number.isFinite(inv)) {
      missing.push(c);
      continue;
    }
    for (let i = 0; i < m; i++) u[i * n + c] = w[src * m + i]! * inv;
  }
  if (missing.length > 0) completeColumns(u, m, n, missing);
  return { u: { rows: m, cols: n, data: u }, s, v: { rows: n, cols: n, data: v } };
}

/** [x_p; x_q] ← [c·x_p − s·x_q; s·x_p + c·x_q] for two rows of length len. */
function rotate(x: Float64Array, op: number, oq: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const a = x[op + i]!;
    const b = x[oq + i]!;
    x[op + i] = c * a - s * b;
    x[oq + i] = s * a + c * b;
  }
}

/**
 * Fills the listed (zero) columns of the m×n row-major `u` with unit vectors orthogonal to every other
 * column: for each, the unit basis vector with the largest residual after two Gram–Schmidt passes.
 */
function completeColumns(u: Float64Array, m: number, n: number, missing: number[]): void {
  const filled = new Uint8Array(n).fill(1);
  for (const c of missing) filled[c] = 0;
  const r = new Float64Array(m);
  const best = new Float64Array(m);
  for (const c of missing) {
    let bestNorm = -1;
    for (let e = 0; e < m; e++) {
      r.fill(0);
      r[e] = 1;
      for (let pass = 0; pass < 2; pass++)
        for (let j = 0; j < n; j++) {
          if (!filled[j]) continue;
          let d = 0;
          for (let i = 0; i < m; i++) d += u[i * n + j]! * r[i]!;
          for (let i = 0; i < m; i++) r[i]! -= d * u[i * n + j]!;
        }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += r[i]! * r[i]!;
      if (norm > bestNorm) {
        bestNorm = norm;
        best.set(r);
      }
    }
    const inv = 1 / Math.sqrt(bestNorm);
    for (let i = 0; i < m; i++) u[i * n + c] = best[i]! * inv;
    filled[c] = 1;
  }
}
