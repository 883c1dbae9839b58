import { checkMatrix, type Matrix, type MatrixLike, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * Orientation convention of every graph in this package (the paper's, §1.1 of the spec; rows are
 * children): an action graph G^a is d_z×d_a with `G^a[i][ℓ] = 1` ⇔ a_ℓ → z_i; a temporal graph G^z
 * is d_z×d_z with `G^z[i][j] = 1` ⇔ z_j^{t−1} → z_i^t. So Pa(i) = the columns with a 1 in row i and
 * Ch(j) = the rows with a 1 in column j. Graphs are plain row-major {@link Matrix} objects of 0/1
 * entries (float64), the shape tensor-core's linear algebra and metrics take.
 */
export type Graph = Matrix;

/** A graph as users may write it: a matrix `{ rows, cols, data }` or nested rows `[[1, 0], [1, 1]]`. */
export type GraphLike = MatrixLike | readonly (readonly number[])[];

/** Shape requirements of {@link toGraph}. */
export interface GraphShape {
  /** Required number of rows (latents). */
  readonly rows?: number;
  /** Required number of columns. */
  readonly cols?: number;
  /** Require a square graph (temporal graphs). */
  readonly square?: boolean;
  /** Require every diagonal entry to be 1 (temporal graphs of the data generators: z_i^{t−1} → z_i^t). */
  readonly diagonal?: boolean;
}

/**
 * Validates a graph and returns it as a fresh {@link Graph}: entries must be exactly 0 or 1, and the
 * shape must meet `shape`. Errors name `parameter`, the value and what is allowed.
 */
export function toGraph(parameter: string, g: GraphLike, shape: GraphShape = {}): Graph {
  let m: MatrixLike;
  if (Array.isArray(g)) {
    const rows = g.length;
    const cols = rows > 0 ? (g[0] as readonly number[]).length : 0;
    const data = new Float64Array(rows * cols);
    (g as readonly (readonly number[])[]).forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols)
        throw new PaperkitInputError(`${parameter}[${i}]`, row, `a row of ${cols} entries (as row 0)`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
    });
    m = { rows, cols, data };
  } else {
    m = checkMatrix(parameter, g as MatrixLike);
  }
  if (m.rows < 1 || m.cols < 1)
    throw new PaperkitInputError(
      parameter,
      `a ${m.rows}×${m.cols} matrix`,
      'a graph with at least one row and column',
    );
  if (shape.rows !== undefined && m.rows !== shape.rows)
    throw new PaperkitInputError(
      parameter,
      `a ${m.rows}×${m.cols} matrix`,
      `a graph with ${shape.rows} rows (one per latent)`,
    );
  if (shape.cols !== undefined && m.cols !== shape.cols)
    throw new PaperkitInputError(
      parameter,
      `a ${m.rows}×${m.cols} matrix`,
      `a graph with ${shape.cols} columns`,
    );
  if (shape.square && m.rows !== m.cols)
    throw new PaperkitInputError(
      parameter,
      `a ${m.rows}×${m.cols} matrix`,
      'a square d_z×d_z graph (temporal)',
    );
  const data = new Float64Array(m.rows * m.cols);
  for (let k = 0; k < data.length; k++) {
    const v = m.data[k]!;
    if (v !== 0 && v !== 1) {
      const i = Math.floor(k / m.cols);
      throw new PaperkitInputError(`${parameter}[${i}][${k - i * m.cols}]`, v, 'an edge indicator, 0 or 1');
    }
    data[k] = v;
  }
  if (shape.diagonal)
    for (let i = 0; i < m.rows; i++)
      if (data[i * m.cols + i] !== 1)
        throw new PaperkitInputError(
          `${parameter}[${i}][${i}]`,
          data[i * m.cols + i],
          '1: temporal graphs need the diagonal (z_i^{t−1} → z_i^t) for every latent',
        );
  return { rows: m.rows, cols: m.cols, data };
}

/** The action and/or temporal graph of one model; at least one must be given. */
export interface Graphs {
  /** G^a, d_z×d_a. */
  readonly action?: GraphLike;
  /** G^z, d_z×d_z. */
  readonly temporal?: GraphLike;
}

/** {@link Graphs} after validation, with the latent dimension they share. */
export interface CheckedGraphs {
  readonly action: Graph | null;
  readonly temporal: Graph | null;
  /** d_z. */
  readonly latentDim: number;
}

/** Validates a pair of graphs: binary entries, a square temporal graph, the same d_z in both. */
export function checkGraphs(parameter: string, graphs: Graphs): CheckedGraphs {
  if (graphs === null || typeof graphs !== 'object')
    throw new PaperkitInputError(
      parameter,
      graphs,
      'an object { action?, temporal? } with at least one graph',
    );
  const action = graphs.action === undefined ? null : toGraph(`${parameter}.action`, graphs.action);
  const temporal =
    graphs.temporal === undefined
      ? null
      : toGraph(`${parameter}.temporal`, graphs.temporal, { square: true });
  if (!action && !temporal)
    throw new PaperkitInputError(
      parameter,
      graphs,
      'an object with an action graph, a temporal graph or both',
    );
  if (action && temporal && action.rows !== temporal.rows)
    throw new PaperkitInputError(
      `${parameter}.action`,
      `a graph with ${action.rows} rows`,
      `${temporal.rows} rows (the temporal graph's d_z)`,
    );
  return { action, temporal, latentDim: (action ?? temporal)!.rows };
}

/** Number of edges ‖G‖₀. */
export function edgeCount(g: GraphLike): number {
  const m = toGraph('g', g);
  let n = 0;
  for (const v of m.data) n += v;
  return n;
}

/** Pa(i): the columns with a 1 in row i. */
export function parents(g: Graph, i: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < g.cols; j++) if (g.data[i * g.cols + j] === 1) out.push(j);
  return out;
}

/** Ch(j): the rows with a 1 in column j. */
export function children(g: Graph, j: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < g.rows; i++) if (g.data[i * g.cols + j] === 1) out.push(i);
  return out;
}

/** The d×d identity as a graph. */
export function identityGraph(d: number): Graph {
  const data = new Float64Array(d * d);
  for (let i = 0; i < d; i++) data[i * d + i] = 1;
  return { rows: d, cols: d, data };
}

/** Whether two graphs have the same shape and entries. */
export function graphsEqual(a: MatrixLike, b: MatrixLike): boolean {
  if (a.rows !== b.rows || a.cols !== b.cols) return false;
  for (let k = 0; k < a.rows * a.cols; k++) if (a.data[k] !== b.data[k]) return false;
  return true;
}
