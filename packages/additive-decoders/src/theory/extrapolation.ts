import { checkAllFinite, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { columns } from '../metrics/lms.js';
import { RegressionTree } from '../metrics/regression-tree.js';
import type { AdditiveDecoder } from '../models/decoder.js';
import { decodeRows } from '../models/host.js';
import { checkPartition, type Partition } from '../partition.js';

/**
 * A monotone map ℝ → ℝ fitted from samples: binned means (equal-width bins over the range of x),
 * made monotone by weighted isotonic regression (pool adjacent violators) in the direction of the
 * data's correlation, evaluated by linear interpolation between bin means and held constant beyond
 * them. It estimates the block-wise diffeomorphism v_B of the identifiability result on one latent.
 */
export class MonotoneMap {
  /** x of every knot (bin means of x), increasing. */
  readonly knots: Float64Array;
  /** Fitted value at every knot (monotone). */
  readonly values: Float64Array;
  /** Whether the map increases. */
  readonly increasing: boolean;

  private constructor(knots: Float64Array, values: Float64Array, increasing: boolean) {
    this.knots = knots;
    this.values = values;
    this.increasing = increasing;
  }

  /** Fits the map to pairs (x_i, y_i) with `bins` equal-width bins (default 50). */
  static fit(x: ArrayLike<number>, y: ArrayLike<number>, bins = 50): MonotoneMap {
    checkInteger('bins', bins, 1);
    if (x.length !== y.length || x.length < 2)
      throw new PaperkitInputError('y', y, `an array of ${x.length} values (as x, at least 2)`);
    checkAllFinite('x', x);
    checkAllFinite('y', y);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < x.length; i++) {
      lo = Math.min(lo, x[i]!);
      hi = Math.max(hi, x[i]!);
    }
    const sx = new Float64Array(bins);
    const sy = new Float64Array(bins);
    const cnt = new Float64Array(bins);
    const width = hi > lo ? (hi - lo) / bins : 1;
    for (let i = 0; i < x.length; i++) {
      const b = Math.min(bins - 1, Math.floor((x[i]! - lo) / width));
      sx[b]! += x[i]!;
      sy[b]! += y[i]!;
      cnt[b]!++;
    }
    const kx: number[] = [];
    const ky: number[] = [];
    const kw: number[] = [];
    for (let b = 0; b < bins; b++)
      if (cnt[b]! > 0) {
        kx.push(sx[b]! / cnt[b]!);
        ky.push(sy[b]! / cnt[b]!);
        kw.push(cnt[b]!);
      }
    // Direction from the covariance of the bin means (weighted by counts).
    const wsum = kw.reduce((a, b) => a + b, 0);
    const mx = kx.reduce((a, v, i) => a + v * kw[i]!, 0) / wsum;
    const my = ky.reduce((a, v, i) => a + v * kw[i]!, 0) / wsum;
    const cov = kx.reduce((a, v, i) => a + kw[i]! * (v - mx) * (ky[i]! - my), 0);
    const increasing = cov >= 0;
    const fitted = isotonic(increasing ? ky : ky.map((v) => -v), kw).map((v) => (increasing ? v : -v));
    return new MonotoneMap(Float64Array.from(kx), Float64Array.from(fitted), increasing);
  }

  /** The map at `x`: linear between knots, constant beyond the first and last. */
  evaluate(x: number): number {
    const k = this.knots;
    const n = k.length;
    if (n === 1 || x <= k[0]!) return this.values[0]!;
    if (x >= k[n - 1]!) return this.values[n - 1]!;
    let a = 0;
    let b = n - 1;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (k[m]! <= x) a = m;
      else b = m;
    }
    const t = (x - k[a]!) / (k[b]! - k[a]!);
    return this.values[a]! + t * (this.values[b]! - this.values[a]!);
  }
}

/** Weighted isotonic (non-decreasing) regression by pool adjacent violators. */
function isotonic(y: readonly number[], w: readonly number[]): number[] {
  const value: number[] = [];
  const weight: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < y.length; i++) {
    value.push(y[i]!);
    weight.push(w[i]!);
    size.push(1);
    while (value.length > 1 && value[value.length - 2]! > value[value.length - 1]!) {
      const v2 = value.pop()!;
      const w2 = weight.pop()!;
      const s2 = size.pop()!;
      const k = value.length - 1;
      const wt = weight[k]! + w2;
      value[k] = (value[k]! * weight[k]! + v2 * w2) / wt;
      weight[k] = wt;
      size[k]! += s2;
    }
  }
  return value.flatMap((v, k) => new Array<number>(size[k]!).fill(v));
}

/** Per-block maps z_B ↦ ẑ_{π(B)} fitted on in-support data (see {@link fitBlockMaps}). */
export interface BlockMaps {
  /** Blocks of the true latents. */
  readonly truePartition: Partition;
  /** Blocks of the learned latents. */
  readonly learnedPartition: Partition;
  /** For each true block, its matched learned block. */
  readonly assignment: Int32Array;
  /** Per true block: a monotone map (1-D → 1-D) or a regression tree (otherwise). */
  readonly maps: readonly (MonotoneMap | RegressionTree)[];
  /** Number of learned latents. */
  readonly learnedDim: number;
}

/** Inputs of {@link fitBlockMaps}. */
export interface FitBlockMapsOptions {
  /** True latents on the training support, row-major n × d. */
  readonly z: ArrayLike<number>;
  /** Learned latents of the same images, row-major n × d̂. */
  readonly zHat: ArrayLike<number>;
  /** True blocks. */
  readonly truePartition: Partition;
  /** Learned blocks; default the true partition's index sets. */
  readonly learnedPartition?: Partition;
  /** True block → learned block (e.g. the LMS matching). */
  readonly assignment: ArrayLike<number>;
  /** Bins of the 1-D monotone maps; default 50. */
  readonly bins?: number;
  /** Depth of the trees of multi-dimensional blocks; default 10. */
  readonly maxDepth?: number;
}

/**
 * Fits, on in-support data, one map per true block from z_B to its matched learned block ẑ_{π(B)}:
 * a {@link MonotoneMap} for scalar blocks (binned means, the small-scale reproduction's estimator),
 * a regression tree for larger ones. Because CPE(Z) = Π_B proj_B(Z), every block value of an
 * out-of-support combination was seen in the support, so the maps are only evaluated where they were fitted.
 */
export function fitBlockMaps(o: FitBlockMapsOptions): BlockMaps {
  const truth = checkPartition('truePartition', o.truePartition, o.truePartition.flat().length);
  const d = truth.flat().length;
  const learned = o.learnedPartition ?? truth;
  const dHat = learned.flat().length;
  const learnedP = checkPartition('learnedPartition', learned, dHat);
  const n = o.z.length / d;
  if (!Number.isInteger(n) || n < 2)
    throw new PaperkitInputError('z', o.z, `row-major latents (n × ${d}, n ≥ 2)`);
  if (o.zHat.length !== n * dHat)
    throw new PaperkitInputError('zHat', o.zHat, `row-major learned latents (${n} × ${dHat})`);
  if (learnedP.length !== truth.length)
    throw new PaperkitInputError('learnedPartition', learned, `${truth.length} blocks (as truePartition)`);
  const assignment = Int32Array.from(o.assignment);
  const taken = new Set<number>();
  if (assignment.length !== truth.length)
    throw new PaperkitInputError(
      'assignment',
      o.assignment,
      `one learned block per true block (${truth.length})`,
    );
  assignment.forEach((j, i) => {
    if (!(j >= 0 && j < learnedP.length) || taken.has(j))
      throw new PaperkitInputError(`assignment[${i}]`, j, 'a distinct learned block index');
    taken.add(j);
  });
  const zm = { rows: n, cols: d, data: o.z };
  const zh = { rows: n, cols: dHat, data: o.zHat };
  const maps = truth.map((block, i) => {
    const target = learnedP[assignment[i]!]!;
    const x = columns(zm, block);
    const y = columns(zh, target);
    if (block.length === 1 && target.length === 1) return MonotoneMap.fit(x, y, o.bins ?? 50);
    return RegressionTree.fit(x, block.length, y, target.length, { maxDepth: o.maxDepth ?? 10 });
  });
  return { truePartition: truth, learnedPartition: learnedP, assignment, maps, learnedDim: dHat };
}

/** Learned latents ẑ for true latents `z` (row-major n × d) through the block maps: n × d̂. */
export function mapLatents(maps: BlockMaps, z: ArrayLike<number>): Float64Array {
  const d = maps.truePartition.flat().length;
  const n = z.length / d;
  if (!Number.isInteger(n))
    throw new PaperkitInputError('z', z, `row-major latents whose length is a multiple of ${d}`);
  checkAllFinite('z', z);
  const out = new Float64Array(n * maps.learnedDim);
  maps.truePartition.forEach((block, i) => {
    const target = maps.learnedPartition[maps.assignment[i]!]!;
    const map = maps.maps[i]!;
    const x = columns({ rows: n, cols: d, data: z }, block);
    const y = map instanceof MonotoneMap ? Float64Array.from(x, (v) => map.evaluate(v)) : map.predict(x);
    for (let r = 0; r < n; r++)
      target.forEach((j, k) => {
        out[r * maps.learnedDim + j] = y[r * target.length + k]!;
      });
  });
  return out;
}

/**
 * Decoder-only extrapolation (the paper's Cartesian-product extrapolation): maps out-of-support true latents `z` through the fitted block
 * maps and decodes them, without the encoder: n × outputDim images. Compared with the true images it
 * isolates the decoder's Cartesian-product extrapolation from the encoder's generalisation.
 */
export function extrapolateWithDecoder(
  decoder: AdditiveDecoder,
  maps: BlockMaps,
  z: ArrayLike<number>,
): Promise<Float32Array> {
  if (decoder.latentDim !== maps.learnedDim)
    throw new PaperkitInputError(
      'maps',
      `maps onto ${maps.learnedDim} latents`,
      `maps onto the decoder's ${decoder.latentDim}`,
    );
  return decodeRows(decoder, mapLatents(maps, z));
}
