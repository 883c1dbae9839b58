import { checkInteger, eigSym, PaperkitInputError, qr, Rng } from '@paperkit/tensor-core';
import type { NeuralGraph } from './types.js';

/** Options of {@link laplacianPE}. */
export interface LaplacianPEOptions {
  /** Eigenvectors kept per node; default 8 (the official `lpe=8`). */
  readonly dim?: number;
  /** Largest node count solved with the dense symmetric eigensolver; above it a block Krylov method is used. Default 800. */
  readonly denseLimit?: number;
  /** Block Krylov steps (above `denseLimit`); default 24. */
  readonly krylovSteps?: number;
}

/** The symmetrised, binary adjacency without self-loops in CSR form, and the degrees. */
function undirectedAdjacency(graph: NeuralGraph): {
  rowPtr: Int32Array;
  cols: Int32Array;
  degree: Float64Array;
} {
  const n = graph.numNodes;
  // Sort (u, v) pairs of both directions by a 2-pass counting sort, then drop duplicates (coalesce).
  const count = new Int32Array(n + 1);
  for (let e = 0; e < graph.numEdges; e++) {
    const u = graph.src[e]!;
    const v = graph.dst[e]!;
    if (u === v) continue;
    count[u + 1]!++;
    count[v + 1]!++;
  }
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const raw = new Int32Array(count[n]!);
  const fill = count.slice(0, n);
  for (let e = 0; e < graph.numEdges; e++) {
    const u = graph.src[e]!;
    const v = graph.dst[e]!;
    if (u === v) continue;
    raw[fill[u]!++] = v;
    raw[fill[v]!++] = u;
  }
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const degree = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = raw.subarray(count[i]!, count[i + 1]!).sort();
    for (let j = 0; j < row.length; j++) if (j === 0 || row[j] !== row[j - 1]) cols.push(row[j]!);
    rowPtr[i + 1] = cols.length;
    degree[i] = rowPtr[i + 1]! - rowPtr[i]!;
  }
  return { rowPtr, cols: Int32Array.from(cols), degree };
}

/** Fixes each column's sign so that its entry of largest magnitude (first on ties) is positive. */
function fixSigns(vectors: Float64Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let best = 0;
    let arg = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(vectors[i * k + j]!);
      if (a > best + 1e-12) {
        best = a;
        arg = i;
      }
    }
    if (vectors[arg * k + j]! < 0) for (let i = 0; i < n; i++) vectors[i * k + j] = -vectors[i * k + j]!;
  }
}

/**
 * Laplacian eigenvector positional encodings (the official `NeuralGraph._add_lpe`, torch_geometric's
 * `AddLaplacianEigenvectorPE` on the undirected graph): the symmetric normalised Laplacian
 * L = I − D^−½AD^−½ of the symmetrised binary graph without self-loops, its eigenvectors sorted by
 * eigenvalue, the first one dropped and the next `dim` kept. Row-major Float32Array [N, dim]; graphs
 * with fewer than dim + 1 nodes get zero columns.
 *
 * Eigenvector signs are arbitrary (the official code flips them at random) and neural-graph spectra
 * are highly degenerate, so this encoding is one valid choice, not the reference one: signs are fixed
 * so that each column's largest-magnitude entry is positive, for reproducibility. To match recorded
 * reference outputs, pass the recorded encoding to the nowcaster instead.
 */
export function laplacianPE(graph: NeuralGraph, options: LaplacianPEOptions = {}): Float32Array {
  const dim = checkInteger('dim', options.dim ?? 8, 1);
  const denseLimit = checkInteger('denseLimit', options.denseLimit ?? 800, 1);
  const steps = checkInteger('krylovSteps', options.krylovSteps ?? 24, 1);
  const n = graph.numNodes;
  const out = new Float32Array(n * dim);
  const keep = Math.min(dim, n - 1);
  if (keep <= 0) return out;
  const { rowPtr, cols, degree } = undirectedAdjacency(graph);
  const dinv = degree.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  let vectors: Float64Array;
  if (n <= denseLimit) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      // torch_geometric's get_laplacian('sym') puts 1 on the whole diagonal, isolated nodes included.
      a[i * n + i] = 1;
      for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) a[i * n + cols[p]!] = -dinv[i]! * dinv[cols[p]!]!;
    }
    const { vectors: v } = eigSym({ rows: n, cols: n, data: a }, { order: 'ascending' });
    vectors = new Float64Array(n * keep);
    for (let i = 0; i < n; i++) for (let j = 0; j < keep; j++) vectors[i * keep + j] = v.data[i * n + j + 1]!;
  } else {
    vectors = krylovSmallest(n, rowPtr, cols, dinv, keep + 1, steps);
    // Drop the first (smallest) eigenvector of each row.
    const trimmed = new Float64Array(n * keep);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < keep; j++) trimmed[i * keep + j] = vectors[i * (keep + 1) + j + 1]!;
    vectors = trimmed;
  }
  fixSigns(vectors, n, keep);
  for (let i = 0; i < n; i++) for (let j = 0; j < keep; j++) out[i * dim + j] = vectors[i * keep + j]!;
  return out;
}

/**
 * The `k` eigenvectors of L = I − D^−½AD^−½ with the smallest eigenvalues, by block Krylov iteration
 * on M = 2I − L (spectrum in [0, 2], so L's smallest are M's largest) and a Rayleigh–Ritz projection.
 * Row-major [n, k], ascending eigenvalues of L. The starting block is seeded, so results are
 * deterministic.
 */
function krylovSmallest(
  n: number,
  rowPtr: Int32Array,
  cols: Int32Array,
  dinv: Float64Array,
  k: number,
  steps: number,
): Float64Array {
  const block = Math.min(n, k + 8);
  const applyM = (x: Float64Array, y: Float64Array, b: number) => {
    // y = (2I − L)x = x + D^−½AD^−½x.
    for (let i = 0; i < n; i++) {
      const di = dinv[i]!;
      for (let c = 0; c < b; c++) {
        let s = x[i * b + c]!;
        for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) s += di * dinv[cols[p]!]! * x[cols[p]! * b + c]!;
        y[i * b + c] = s;
      }
    }
  };
  const rng = Rng.fromSeed(0x6c7065).stream('lpe-krylov');
  let x = qr({ rows: n, cols: block, data: rng.fillNormal(new Float64Array(n * block)) }).q
    .data as Float64Array;
  const blocks: Float64Array[] = [x];
  const total = Math.min(n, block * (steps + 1));
  for (let s = 0; s < steps && blocks.length * block < total; s++) {
    const y = new Float64Array(n * block);
    applyM(x, y, block);
    x = qr({ rows: n, cols: block, data: y }).q.data as Float64Array;
    blocks.push(x);
  }
  const m = blocks.length * block;
  const basis = new Float64Array(n * m);
  blocks.forEach((bl, j) => {
    for (let i = 0; i < n; i++)
      for (let c = 0; c < block; c++) basis[i * m + j * block + c] = bl[i * block + c]!;
  });
  const q = qr({ rows: n, cols: m, data: basis }).q;
  const r = q.cols;
  const mq = new Float64Array(n * r);
  applyM(q.data as Float64Array, mq, r);
  const t = new Float64Array(r * r);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < r; a++) {
      const qa = q.data[i * r + a]!;
      if (qa === 0) continue;
      for (let b = 0; b < r; b++) t[a * r + b]! += qa * mq[i * r + b]!;
    }
  const { vectors } = eigSym({ rows: r, cols: r, data: t }, { order: 'descending', symmetryTol: 1e-6 });
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < r; a++) s += q.data[i * r + a]! * vectors.data[a * r + j]!;
      out[i * k + j] = s;
    }
  if (out.some((v) => !Number.isFinite(v)))
    throw new PaperkitInputError('graph', n, 'a graph whose Laplacian eigenvectors are finite');
  return out;
}
