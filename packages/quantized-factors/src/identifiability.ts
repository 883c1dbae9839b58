import {
  checkInRange,
  checkInteger,
  checkMatrix,
  checkSquare,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { applyLinear } from './datasets.js';
import { checkSeparators, quantize } from './quantize.js';

/**
 * Quantized-factor identifiability as a check: a map h from the true latents to the recovered ones
 * recovers the grid when it sends every separator hyperplane {z_k = c_{k,m}} to a hyperplane
 * {z'_σ(k) = c'_{σ(k),m}} for one permutation σ, in increasing or decreasing order per axis, so that
 * q'_σ(k)(h(z)) = r_k(q_k(z)). For the linear setting h = W·A.
 */

/** A map of latent points: a d×d matrix M (z' = M·z), or a function on n×d point matrices. */
export type PointMap = MatrixLike | ((points: Matrix) => MatrixLike);

/** Options of {@link gridRecovery}. */
export interface GridRecoveryOptions {
  /** Points per free axis sampled on each separator inside the support; default 33. */
  readonly pointsPerAxis?: number;
  /** Largest relative spread that counts as axis aligned; default 1e-3 (the paper's test oracle). */
  readonly tolerance?: number;
  /** Latent points (n×d) on which to check the codes: q'_σ(k)(h(z)) = r_k(q_k(z)). */
  readonly samples?: MatrixLike;
}

/** Where one true separator went. */
export interface MappedSeparator {
  /** True axis k. */
  readonly axis: number;
  /** Index m of the separator on that axis. */
  readonly index: number;
  /** Its position c_{k,m}. */
  readonly position: number;
  /** Recovered axis along which the mapped separator varies least. */
  readonly recoveredAxis: number;
  /** Spread (max − min) of the mapped points along `recoveredAxis` over their largest spread along any axis. */
  readonly relativeSpread: number;
  /** Mean coordinate of the mapped points along `recoveredAxis`: the recovered separator position. */
  readonly value: number;
}

/** Verdict of {@link gridRecovery}. */
export interface GridRecoveryResult {
  /** Every mapped separator is axis aligned within tolerance, σ is a permutation, and each axis keeps or reverses its order. */
  readonly aligned: boolean;
  /** Largest relative spread over all separators. */
  readonly maxRelativeSpread: number;
  /** σ(k): the recovered axis of true axis k, or null when the separators of two true axes share a recovered axis. */
  readonly permutation: Int32Array | null;
  /** +1 when axis k keeps its order, −1 when it is reversed, 0 when the mapped positions are not monotone. */
  readonly orientation: Int8Array;
  /** Every separator, axis by axis. */
  readonly separators: readonly MappedSeparator[];
  /** Recovered separator positions per recovered axis (increasing), or null without a permutation. */
  readonly recoveredSeparators: number[][] | null;
  /** Fraction of `samples` whose codes agree on every axis; null when no samples were given or no permutation exists. */
  readonly codeAgreement: number | null;
}

/** Applies a {@link PointMap} to n×d points; the output must be n×d too. */
export function applyPointMap(map: PointMap, points: Matrix): Matrix {
  if (typeof map === 'function') {
    const out = checkMatrix('map(points)', map(points));
    if (out.rows !== points.rows || out.cols !== points.cols)
      throw new PaperkitInputError(
        'map(points)',
        out,
        `a ${points.rows}×${points.cols} matrix (same shape as its input)`,
      );
    return { rows: out.rows, cols: out.cols, data: Float64Array.from(out.data) };
  }
  if (checkSquare('map', map) !== points.cols)
    throw new PaperkitInputError('map', map, `a ${points.cols}×${points.cols} matrix`);
  return applyLinear(map, points);
}

/**
 * Maps every separator of the true grid (sampled on a lattice of the support's box) through `map` and
 * checks the identifiability statement: each mapped separator must be constant along one recovered
 * axis (relative spread below `tolerance`), the separators of axis k must all land on the same
 * recovered axis σ(k) with σ a permutation, and their recovered positions must be monotone in m.
 * With `samples`, also measures how often the recovered codes equal the true codes up to σ and the
 * order reversals. `separators[k]` must include the outer support boundaries (as
 * `ManhattanUniform.separators` does): they bound the sampled hyperplanes.
 */
export function gridRecovery(
  map: PointMap,
  separators: readonly (readonly number[])[],
  options: GridRecoveryOptions = {},
): GridRecoveryResult {
  const d = Array.isArray(separators) ? separators.length : 0;
  if (d < 1) throw new PaperkitInputError('separators', separators, 'one separator list per axis');
  checkSeparators('separators', separators, d);
  separators.forEach((axis, k) => {
    if (axis.length < 2)
      throw new PaperkitInputError(`separators[${k}]`, axis, 'at least 2 positions (the support boundaries)');
  });
  const perAxis = checkInteger('pointsPerAxis', options.pointsPerAxis ?? 33, 2);
  const tolerance = checkInRange('tolerance', options.tolerance ?? 1e-3, 0, 1, '(]');
  // Keep the lattice of a hyperplane below ~4k points whatever d is.
  const perFree = d === 1 ? 1 : Math.max(2, Math.min(perAxis, Math.floor(4096 ** (1 / (d - 1)))));
  const mapped: MappedSeparator[] = [];
  for (let k = 0; k < d; k++)
    separators[k]!.forEach((position, index) => {
      const pts = hyperplaneLattice(separators, k, position, perFree);
      const y = applyPointMap(map, pts);
      const lo = new Float64Array(d).fill(Infinity);
      const hi = new Float64Array(d).fill(-Infinity);
      const sum = new Float64Array(d);
      for (let i = 0; i < y.rows; i++)
        for (let a = 0; a < d; a++) {
          const v = y.data[i * d + a]!;
          if (!Number.isFinite(v))
            throw new PaperkitInputError(
              'map',
              `a non-finite image of separator (${k}, ${index})`,
              'a map with finite values on the support',
            );
          lo[a] = Math.min(lo[a]!, v);
          hi[a] = Math.max(hi[a]!, v);
          sum[a]! += v;
        }
      let best = 0;
      let largest = 0;
      for (let a = 0; a < d; a++) {
        const spread = hi[a]! - lo[a]!;
        if (spread < hi[best]! - lo[best]!) best = a;
        largest = Math.max(largest, spread);
      }
      const spreadBest = hi[best]! - lo[best]!;
      mapped.push({
        axis: k,
        index,
        position,
        recoveredAxis: best,
        relativeSpread: d === 1 ? 0 : largest > 0 ? spreadBest / largest : 1,
        value: sum[best]! / y.rows,
      });
    });
  const maxRelativeSpread = Math.max(...mapped.map((s) => s.relativeSpread));
  // σ: the recovered axis most separators of axis k land on; a permutation only if all agree.
  const sigma = new Int32Array(d);
  let consistent = true;
  for (let k = 0; k < d; k++) {
    const own = mapped.filter((s) => s.axis === k);
    sigma[k] = own[0]!.recoveredAxis;
    if (own.some((s) => s.recoveredAxis !== sigma[k])) consistent = false;
  }
  if (new Set(sigma).size !== d) consistent = false;
  const orientation = new Int8Array(d);
  for (let k = 0; k < d; k++) {
    const values = mapped.filter((s) => s.axis === k).map((s) => s.value);
    const inc = values.every((v, m) => m === 0 || v > values[m - 1]!);
    const dec = values.every((v, m) => m === 0 || v < values[m - 1]!);
    orientation[k] = inc ? 1 : dec ? -1 : 0;
  }
  const permutation = consistent ? sigma : null;
  let recoveredSeparators: number[][] | null = null;
  if (permutation) {
    recoveredSeparators = new Array(d);
    for (let k = 0; k < d; k++)
      recoveredSeparators[permutation[k]!] = mapped
        .filter((s) => s.axis === k)
        .map((s) => s.value)
        .sort((a, b) => a - b);
  }
  let codeAgreement: number | null = null;
  if (options.samples !== undefined) {
    const z = checkMatrix('samples', options.samples);
    if (z.cols !== d) throw new PaperkitInputError('samples', z, `points with ${d} coordinates`);
    if (permutation && recoveredSeparators && orientation.every((o) => o !== 0))
      codeAgreement = agreement(z, map, separators, permutation, orientation, recoveredSeparators);
  }
  return {
    aligned: consistent && maxRelativeSpread < tolerance && orientation.every((o) => o !== 0),
    maxRelativeSpread,
    permutation,
    orientation,
    separators: mapped,
    recoveredSeparators,
    codeAgreement,
  };
}

/** Fraction of points with q'_σ(k)(h(z)) = r_k(q_k(z)) on every axis k. */
function agreement(
  z: MatrixLike,
  map: PointMap,
  separators: readonly (readonly number[])[],
  sigma: Int32Array,
  orientation: Int8Array,
  recovered: number[][],
): number {
  const d = z.cols;
  const zm: Matrix = { rows: z.rows, cols: d, data: Float64Array.from(z.data) };
  const codes = quantize(zm, separators);
  const codesHat = quantize(applyPointMap(map, zm), recovered);
  let ok = 0;
  for (let i = 0; i < z.rows; i++) {
    let all = true;
    for (let k = 0; k < d; k++) {
      const q = codes[i * d + k]!;
      const expected = orientation[k] === 1 ? q : separators[k]!.length - q;
      if (codesHat[i * d + sigma[k]!] !== expected) {
        all = false;
        break;
      }
    }
    if (all) ok++;
  }
  return ok / z.rows;
}

/** Points of the hyperplane z_k = position inside the support box, `per` per free axis. */
function hyperplaneLattice(
  separators: readonly (readonly number[])[],
  k: number,
  position: number,
  per: number,
): Matrix {
  const d = separators.length;
  const free = d - 1;
  const count = free === 0 ? 1 : per ** free;
  const data = new Float64Array(count * d);
  for (let i = 0; i < count; i++) {
    let rest = i;
    for (let a = 0; a < d; a++) {
      if (a === k) {
        data[i * d + a] = position;
        continue;
      }
      const t = rest % per;
      rest = Math.floor(rest / per);
      const sep = separators[a]!;
      const lo = sep[0]!;
      const hi = sep[sep.length - 1]!;
      data[i * d + a] = lo + ((hi - lo) * t) / (per - 1);
    }
  }
  return { rows: count, cols: d, data };
}
