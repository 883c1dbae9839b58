import {
  checkInteger,
  checkPositive,
  det,
  type Matrix,
  PaperkitInputError,
  svd,
} from '@paperkit/tensor-core';
import { checkPartition, type Partition, partitionSize } from '../partition.js';

/**
 * A host-side additive function f(z) = Σ_B f^(B)(z_B) in float64, the object the theory speaks of:
 * the ground-truth renderer (see `bumpSceneMap`), a closed-form example ({@link example38}) or a
 * trained decoder (see `decoderMap`).
 */
export interface AdditiveMap {
  /** The blocks of z. */
  readonly partition: Partition;
  /** Output size d_x. */
  readonly outputDim: number;
  /**
   * Evaluates block `block`'s function at `m` points (row-major m × |B|): row-major m × outputDim.
   * The points of one call are a finite-difference stencil, so batch them.
   */
  evaluateBlock(block: number, zBlock: Float64Array, m: number): Float64Array;
  /**
   * Exact derivatives at one point, when known: `first[k]` = ∂f^(B)/∂z_k and `second` the upper
   * triangle ∂²f^(B)/∂z_k∂z_l (k ≤ l, row-major order). Finite differences are used otherwise.
   */
  blockDerivatives?(block: number, zBlock: Float64Array): { first: Float64Array[]; second: Float64Array[] };
  /** Finite-difference step that suits this map's precision (default 1e-4 for float64 maps). */
  readonly finiteDifferenceStep?: number;
}

/** Options of {@link sufficientNonlinearity}. */
export interface SufficientNonlinearityOptions {
  /** Central-difference step when the map has no exact derivatives; default the map's or 1e-4. */
  readonly step?: number;
  /** Compute the singular values and rank (an SVD of d_x × columns); default true. */
  readonly singularValues?: boolean;
  /** Singular values below rankTol·σ_max (of the unit-column matrix) count as zero; default 1e-8. */
  readonly rankTol?: number;
}

/** The sufficient-nonlinearity matrix at one point and what decides the sufficient-nonlinearity assumption there. */
export interface SufficientNonlinearityReport {
  /** W(z), d_x × Σ_B (|B| + |B|(|B|+1)/2), row-major. */
  readonly matrix: Matrix;
  /** Column labels, e.g. `d1 f[0]`, `d11 f[0]` (first and second derivatives of block 0). */
  readonly labels: readonly string[];
  /** det W when W is square, else null. */
  readonly det: number | null;
  /**
   * √|det(ŴᵀŴ)| with Ŵ = W with unit-length columns: 1 for orthogonal columns, 0 when rank deficient
   * (the normalised volume `Example_4_9.ipynb` maps over the latent grid).
   */
  readonly normalizedVolume: number;
  /** Singular values of Ŵ, descending (null when not requested). */
  readonly singularValues: Float64Array | null;
  /** Numerical rank of Ŵ (null when singular values were not requested). */
  readonly rank: number | null;
  /** Whether W has full column rank (needs d_x ≥ columns; judged on the rank or the volume). */
  readonly fullColumnRank: boolean;
}

/** Number of columns of W for a partition: Σ_B (|B| + |B|(|B|+1)/2). */
export function sufficientNonlinearityColumns(partition: Partition): number {
  return partition.reduce((s, b) => s + b.length + (b.length * (b.length + 1)) / 2, 0);
}

/**
 * The matrix of sufficient nonlinearity (the paper's sufficient-nonlinearity assumption):
 * W(z) = [ {∂_i f^(B)(z_B)}_{i∈B}, {∂²_{i,i'} f^(B)(z_B)}_{i≤i'∈B} ]_{B∈ℬ}, blocks in partition order.
 * Exact derivatives are used when the map provides them, central differences (float64) otherwise.
 */
export function sufficientNonlinearityMatrix(
  f: AdditiveMap,
  z: ArrayLike<number>,
  options: Pick<SufficientNonlinearityOptions, 'step'> = {},
): { matrix: Matrix; labels: string[] } {
  const { partition, outputDim } = checkMap(f);
  const d = partitionSize(partition);
  if (z === null || typeof z !== 'object' || z.length !== d)
    throw new PaperkitInputError('z', z, `a latent vector of length ${d}`);
  for (let i = 0; i < d; i++)
    if (!Number.isFinite(z[i]!)) throw new PaperkitInputError(`z[${i}]`, z[i], 'a finite number');
  const h = checkPositive('step', options.step ?? f.finiteDifferenceStep ?? 1e-4);
  const cols: Float64Array[] = [];
  const labels: string[] = [];
  partition.forEach((block, b) => {
    const zb = Float64Array.from(block, (i) => z[i]!);
    const { first, second } = f.blockDerivatives ? f.blockDerivatives(b, zb) : finiteDifferences(f, b, zb, h);
    const k = block.length;
    first.forEach((c, a) => {
      cols.push(c);
      labels.push(`d${block[a]} f[${b}]`);
    });
    let t = 0;
    for (let a = 0; a < k; a++)
      for (let c = a; c < k; c++, t++) {
        cols.push(second[t]!);
        labels.push(`d${block[a]}${block[c]} f[${b}]`);
      }
  });
  const n = cols.length;
  const data = new Float64Array(outputDim * n);
  cols.forEach((c, j) => {
    if (c.length !== outputDim)
      throw new PaperkitInputError(
        'f',
        `a derivative of length ${c.length}`,
        `derivatives of length outputDim (${outputDim})`,
      );
    for (let r = 0; r < outputDim; r++) data[r * n + j] = c[r]!;
  });
  return { matrix: { rows: outputDim, cols: n, data }, labels };
}

/**
 * The sufficient-nonlinearity assumption at one point: W(z), its determinant when square, the normalised volume of its columns
 * and its numerical rank. The assumption holds at z when W(z) has full column rank.
 */
export function sufficientNonlinearity(
  f: AdditiveMap,
  z: ArrayLike<number>,
  options: SufficientNonlinearityOptions = {},
): SufficientNonlinearityReport {
  const { matrix, labels } = sufficientNonlinearityMatrix(f, z, options);
  const rankTol = checkPositive('rankTol', options.rankTol ?? 1e-8);
  const { rows, cols } = matrix;
  const unit = unitColumns(matrix);
  const gram = new Float64Array(cols * cols);
  for (let a = 0; a < cols; a++)
    for (let b = a; b < cols; b++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += unit.data[r * cols + a]! * unit.data[r * cols + b]!;
      gram[a * cols + b] = s;
      gram[b * cols + a] = s;
    }
  const normalizedVolume = Math.sqrt(Math.abs(det({ rows: cols, cols, data: gram })));
  let singularValues: Float64Array | null = null;
  let rank: number | null = null;
  if (options.singularValues ?? true) {
    singularValues = svd(unit).s;
    const top = singularValues[0] ?? 0;
    rank = singularValues.filter((s) => s > rankTol * top).length;
  }
  const fullColumnRank = rows >= cols && (rank !== null ? rank === cols : normalizedVolume > rankTol);
  return {
    matrix,
    labels,
    det: rows === cols ? det(matrix) : null,
    normalizedVolume,
    singularValues,
    rank,
    fullColumnRank,
  };
}

/**
 * Example 3.8 of the paper (`notebooks/Example_3_8.ipynb`): f¹(z₁) = (z₁, z₁², z₁³, z₁⁴) and
 * f²(z₂) = f¹(z₂ + 1), on [−1, 0] × [0, 1], with exact derivatives. Its W is 4×4 with
 * det W(z) = 24·(z₂ + 1 − z₁)⁴ ≠ 0 (see {@link example38DetW}). The notebook's `Jac` and `W` read
 * 4z₂³ in row 4, column 1, a typo for 4z₁³; the exact derivatives here have 4z₁³.
 */
export const example38: AdditiveMap = {
  partition: [[0], [1]],
  outputDim: 4,
  evaluateBlock(block, zBlock, m) {
    const out = new Float64Array(m * 4);
    for (let r = 0; r < m; r++) {
      const t = zBlock[r]! + (block === 1 ? 1 : 0);
      out.set([t, t * t, t ** 3, t ** 4], r * 4);
    }
    return out;
  },
  blockDerivatives(block, zBlock) {
    const t = zBlock[0]! + (block === 1 ? 1 : 0);
    return {
      first: [Float64Array.of(1, 2 * t, 3 * t * t, 4 * t ** 3)],
      second: [Float64Array.of(0, 2, 6 * t, 12 * t * t)],
    };
  },
};

/** The closed form det W(z) = 24·(z₂ + 1 − z₁)⁴ of Example 3.8. */
export function example38DetW(z1: number, z2: number): number {
  return 24 * (z2 + 1 - z1) ** 4;
}

function checkMap(f: AdditiveMap): { partition: Partition; outputDim: number } {
  if (f === null || typeof f !== 'object' || typeof f.evaluateBlock !== 'function')
    throw new PaperkitInputError('f', f, 'an AdditiveMap { partition, outputDim, evaluateBlock }');
  const partition = checkPartition('f.partition', f.partition, Math.max(1, partitionSize(f.partition ?? [])));
  checkInteger('f.outputDim', f.outputDim, 1);
  return { partition, outputDim: f.outputDim };
}

/**
 * Central differences of block b at zb in one batched evaluation: ∂_a ≈ (f(+h e_a) − f(−h e_a))/2h,
 * ∂_aa ≈ (f(+h) − 2f + f(−h))/h², ∂_ab ≈ (f(++) − f(+−) − f(−+) + f(−−))/4h².
 */
function finiteDifferences(
  f: AdditiveMap,
  b: number,
  zb: Float64Array,
  h: number,
): { first: Float64Array[]; second: Float64Array[] } {
  const k = zb.length;
  const points: number[][] = [[...zb]];
  const shifted = (deltas: [number, number][]) => {
    const p = [...zb];
    for (const [a, s] of deltas) p[a]! += s * h;
    points.push(p);
    return points.length - 1;
  };
  const plus = Array.from({ length: k }, (_, a) => shifted([[a, 1]]));
  const minus = Array.from({ length: k }, (_, a) => shifted([[a, -1]]));
  const mixed: number[][] = [];
  for (let a = 0; a < k; a++)
    for (let c = a + 1; c < k; c++)
      mixed.push([
        shifted([
          [a, 1],
          [c, 1],
        ]),
        shifted([
          [a, 1],
          [c, -1],
        ]),
        shifted([
          [a, -1],
          [c, 1],
        ]),
        shifted([
          [a, -1],
          [c, -1],
        ]),
      ]);
  const m = points.length;
  const dx = f.outputDim;
  const values = f.evaluateBlock(b, Float64Array.from(points.flat()), m);
  if (values.length !== m * dx)
    throw new PaperkitInputError(
      'f.evaluateBlock',
      `${values.length} values`,
      `${m * dx} values (${m} points × ${dx})`,
    );
  const row = (i: number) => values.subarray(i * dx, (i + 1) * dx);
  const centre = row(0);
  const first = plus.map((p, a) => {
    const out = new Float64Array(dx);
    const fp = row(p);
    const fm = row(minus[a]!);
    for (let r = 0; r < dx; r++) out[r] = (fp[r]! - fm[r]!) / (2 * h);
    return out;
  });
  const second: Float64Array[] = [];
  let t = 0;
  for (let a = 0; a < k; a++)
    for (let c = a; c < k; c++) {
      const out = new Float64Array(dx);
      if (a === c) {
        const fp = row(plus[a]!);
        const fm = row(minus[a]!);
        for (let r = 0; r < dx; r++) out[r] = (fp[r]! - 2 * centre[r]! + fm[r]!) / (h * h);
      } else {
        const [pp, pm, mp, mm] = mixed[t++]!.map(row) as [
          Float64Array,
          Float64Array,
          Float64Array,
          Float64Array,
        ];
        for (let r = 0; r < dx; r++) out[r] = (pp[r]! - pm[r]! - mp[r]! + mm[r]!) / (4 * h * h);
      }
      second.push(out);
    }
  return { first, second };
}

/** W with every column scaled to unit length (zero columns stay zero). */
function unitColumns(w: Matrix): Matrix {
  const { rows, cols } = w;
  const out = Float64Array.from(w.data);
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += out[r * cols + c]! ** 2;
    const norm = Math.sqrt(s);
    if (norm > 0) for (let r = 0; r < rows; r++) out[r * cols + c]! /= norm;
  }
  return { rows, cols, data: out };
}
