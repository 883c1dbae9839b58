import { checkInteger, PaperkitInputError } from '../validate/errors.js';

/**
 * A dense row-major float64 matrix: entry (i, j) is `data[i * cols + j]`. Every linalg function
 * returns this shape; it is a plain object, so results serialise and cross worker boundaries as is.
 */
export interface Matrix {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Row-major entries, length `rows * cols`. */
  readonly data: Float64Array;
}

/**
 * Any row-major matrix that is only read: a {@link Matrix}, or e.g. `{ rows, cols, data }` with the
 * Float32Array of a tensor download. Inputs are never mutated.
 */
export interface MatrixLike {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Row-major entries, length `rows * cols`. */
  readonly data: ArrayLike<number>;
}

/** Asserts `m` is a well-formed matrix (integer dims, data of length rows·cols) and returns it. */
export function checkMatrix<M extends MatrixLike>(parameter: string, m: M): M {
  if (m === null || typeof m !== 'object' || !('rows' in m) || !('cols' in m) || !('data' in m))
    throw new PaperkitInputError(parameter, m, 'a matrix { rows, cols, data }');
  checkInteger(`${parameter}.rows`, m.rows, 0);
  checkInteger(`${parameter}.cols`, m.cols, 0);
  if (m.data == null || m.data.length !== m.rows * m.cols)
    throw new PaperkitInputError(
      `${parameter}.data`,
      m.data,
      `an array of length rows·cols = ${m.rows}·${m.cols} = ${m.rows * m.cols}`,
    );
  return m;
}

/** Asserts `m` is a square matrix and returns its order. */
export function checkSquare(parameter: string, m: MatrixLike): number {
  checkMatrix(parameter, m);
  if (m.rows !== m.cols)
    throw new PaperkitInputError(parameter, `a ${m.rows}×${m.cols} matrix`, 'a square matrix');
  return m.rows;
}

/** A `rows × cols` matrix; `data` (row-major) is copied into a fresh Float64Array, zeros when omitted. */
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  checkInteger('rows', rows, 0);
  checkInteger('cols', cols, 0);
  const out = new Float64Array(rows * cols);
  if (data !== undefined) {
    if (data.length !== rows * cols)
      throw new PaperkitInputError('data', data, `an array of length rows·cols = ${rows * cols}`);
    out.set(data);
  }
  return { rows, cols, data: out };
}

/** The `n × n` identity. */
export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** A square diagonal matrix with `values` on the diagonal. */
export function diag(values: ArrayLike<number>): Matrix {
  const n = values.length;
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = values[i]!;
  return m;
}

/** A matrix from nested rows (`[[1, 2], [3, 4]]`); all rows must have the same length. */
export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const r = rows.length;
  const c = r > 0 ? rows[0]!.length : 0;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const row = rows[i]!;
    if (row.length !== c) throw new PaperkitInputError(`rows[${i}]`, row, `a row of length ${c}`);
    for (let j = 0; j < c; j++) out[i * c + j] = row[j]!;
  }
  return { rows: r, cols: c, data: out };
}

/** Nested plain arrays, for printing and JSON. */
export function toRows(m: MatrixLike): number[][] {
  checkMatrix('m', m);
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) {
    const row: number[] = new Array(m.cols);
    for (let j = 0; j < m.cols; j++) row[j] = m.data[i * m.cols + j]!;
    out.push(row);
  }
  return out;
}

/** Column `j` as a fresh vector. */
export function column(m: MatrixLike, j: number): Float64Array {
  checkMatrix('m', m);
  if (!Number.isInteger(j) || j < 0 || j >= m.cols)
    throw new PaperkitInputError('j', j, `a column index in [0, ${m.cols})`);
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j]!;
  return out;
}

/** The transpose. */
export function transpose(m: MatrixLike): Matrix {
  checkMatrix('m', m);
  const { rows, cols, data } = m;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return { rows: cols, cols: rows, data: out };
}

/** The product `a · b`. */
export function matmul(a: MatrixLike, b: MatrixLike): Matrix {
  checkMatrix('a', a);
  checkMatrix('b', b);
  if (a.cols !== b.rows)
    throw new PaperkitInputError(
      'b',
      `a ${b.rows}×${b.cols} matrix`,
      `a matrix with ${a.cols} rows (a.cols)`,
    );
  const m = a.rows;
  const k = a.cols;
  const n = b.cols;
  const out = new Float64Array(m * n);
  const ad = a.data;
  const bd = b.data;
  // i-k-j order streams rows of b and of the output, which row-major storage keeps contiguous.
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let p = 0; p < k; p++) {
      const aip = ad[i * k + p]!;
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[oi + j]! += aip * bd[bp + j]!;
    }
  }
  return { rows: m, cols: n, data: out };
}

/** The matrix–vector product `a · x`. */
export function matvec(a: MatrixLike, x: ArrayLike<number>): Float64Array {
  checkMatrix('a', a);
  if (x.length !== a.cols) throw new PaperkitInputError('x', x, `a vector of length ${a.cols} (a.cols)`);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const o = i * a.cols;
    for (let j = 0; j < a.cols; j++) s += a.data[o + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** The dot product of two vectors of equal length. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new PaperkitInputError('y', y, `a vector of length ${x.length}`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** The Euclidean norm of a vector (scaled, so entries near 1e200 do not overflow). */
export function vectorNorm(x: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i]! / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** The Frobenius norm √(Σ a_ij²). */
export function frobeniusNorm(m: MatrixLike): number {
  checkMatrix('m', m);
  return vectorNorm(m.data);
}

/** The largest |a_ij|, 0 for an empty matrix. */
export function maxAbs(m: MatrixLike): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s = Math.max(s, Math.abs(m.data[i]!));
  return s;
}

/**
 * Asserts `m` is square and symmetric up to `relTol · max|a_ij|` and returns its order. Callers that
 * factor symmetric matrices read both triangles, so an asymmetric input is a caller bug, not noise.
 */
export function checkSymmetric(parameter: string, m: MatrixLike, relTol = 1e-10): number {
  const n = checkSquare(parameter, m);
  const tol = relTol * maxAbs(m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const d = Math.abs(m.data[i * n + j]! - m.data[j * n + i]!);
      if (!(d <= tol))
        throw new PaperkitInputError(
          parameter,
          `a matrix with a[${i}][${j}] − a[${j}][${i}] = ${m.data[i * n + j]! - m.data[j * n + i]!}`,
          `a symmetric matrix (|a_ij − a_ji| <= ${relTol}·max|a|)`,
        );
    }
  return n;
}
