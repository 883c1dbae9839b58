import { checkMatrix, type Matrix, type MatrixLike } from '../linalg/matrix.js';
import { checkAllFinite, PaperkitInputError } from '../validate/errors.js';

/**
 * Pearson correlations between every column of `x` (n×d) and every column of `y` (n×d'), as a d×d'
 * matrix: C_ij = cov(x_i, y_j) / (std(x_i)·std(y_j)), in float64 on mean-centred columns and clamped
 * to [−1, 1]. A constant column has no defined correlation; it gets 0 against everything (numpy gives
 * NaN), so that a collapsed latent scores as unmatched instead of poisoning an MCC.
 */
export function pearsonCorrelationMatrix(x: MatrixLike, y: MatrixLike): Matrix {
  const n = checkPair(x, y);
  const xc = centredColumns(x);
  const yc = centredColumns(y);
  const d = x.cols;
  const e = y.cols;
  const out = new Float64Array(d * e);
  for (let i = 0; i < d; i++) {
    const oi = i * n;
    const nx = xc.norms[i]!;
    for (let j = 0; j < e; j++) {
      const ny = yc.norms[j]!;
      if (nx === 0 || ny === 0) continue;
      const oj = j * n;
      let s = 0;
      for (let t = 0; t < n; t++) s += xc.cols[oi + t]! * yc.cols[oj + t]!;
      out[i * e + j] = Math.max(-1, Math.min(1, s / (nx * ny)));
    }
  }
  return { rows: d, cols: e, data: out };
}

/**
 * Spearman rank correlations between the columns of `x` and `y`: Pearson correlation of the column
 * ranks, with tied values sharing their average rank (scipy's `rankdata(method='average')`). Invariant
 * to any strictly monotone transform of a column; a decreasing one flips the sign.
 */
export function spearmanCorrelationMatrix(x: MatrixLike, y: MatrixLike): Matrix {
  checkPair(x, y);
  return pearsonCorrelationMatrix(rankColumns(x), rankColumns(y));
}

/** Column-wise ranks 1..n of an n×d matrix, ties replaced by their average rank. */
export function rankColumns(x: MatrixLike): Matrix {
  checkMatrix('x', x);
  checkAllFinite('x.data', x.data);
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(n * d);
  const values = new Float64Array(n);
  const idx = new Uint32Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) {
      values[i] = data[i * d + j]!;
      idx[i] = i;
    }
    idx.sort((a, b) => values[a]! - values[b]! || a - b);
    let start = 0;
    while (start < n) {
      let end = start + 1;
      while (end < n && values[idx[end]!] === values[idx[start]!]) end++;
      // Positions start..end−1 (0-based) hold equal values: average of ranks start+1..end.
      const rank = (start + end + 1) / 2;
      for (let k = start; k < end; k++) out[idx[k]! * d + j] = rank;
      start = end;
    }
  }
  return { rows: n, cols: d, data: out };
}

function checkPair(x: MatrixLike, y: MatrixLike): number {
  checkMatrix('x', x);
  checkMatrix('y', y);
  if (y.rows !== x.rows)
    throw new PaperkitInputError(
      'y',
      `a matrix with ${y.rows} rows`,
      `${x.rows} rows (one per sample, as x)`,
    );
  if (x.rows < 2)
    throw new PaperkitInputError('x', `a matrix with ${x.rows} rows`, 'at least 2 samples (rows)');
  checkAllFinite('x.data', x.data);
  checkAllFinite('y.data', y.data);
  return x.rows;
}

/** Mean-centred columns stored contiguously (column j at [j·n, (j+1)·n)) and their Euclidean norms. */
function centredColumns(m: MatrixLike): { cols: Float64Array; norms: Float64Array } {
  const { rows: n, cols: d, data } = m;
  const cols = new Float64Array(n * d);
  const norms = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * d + j]!;
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const c = data[i * d + j]! - mean;
      cols[j * n + i] = c;
      ss += c * c;
    }
    // A column equal to its mean up to rounding is constant: treat it as exactly so.
    norms[j] = ss > 0 && Math.sqrt(ss) > 1e-14 * Math.sqrt(n) * Math.abs(mean) ? Math.sqrt(ss) : 0;
  }
  return { cols, norms };
}
