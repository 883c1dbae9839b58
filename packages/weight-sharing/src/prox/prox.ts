import {
  checkAllFinite,
  checkInRange,
  checkNonNegative,
  checkObject,
  checkOneOf,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { radixSortWithIndex } from '../argsort.js';
import { endCollisionsPartition } from './end-collisions.js';
import { imminentCollisionsPartition } from './imminent-collisions.js';
import type { Partition } from './partition.js';
import { pavPartition } from './pav.js';
import { searchCollisionsPartition } from './search-collisions.js';

/**
 * The four exact prox algorithms of spec §I.3; they return the same maximal-block partition:
 * - `pav`: sequential pool-adjacent-violators after a radix argsort (the CPU production path);
 * - `end`: "end collisions" (code `end_collisions_alg`), O(K·d) work for K clusters;
 * - `imminent`: "imminent collisions" (code `imminent_collisions_alg`), up to d − 1 rounds;
 * - `search`: "search collisions" (code `search_collisions_alg`), the paper's O(log³ d)-depth algorithm.
 */
export type ProxAlgorithm = 'pav' | 'end' | 'imminent' | 'search';

/** Every {@link ProxAlgorithm}, for validation and config schemas (a tuple, so `z.enum` takes it). */
export const PROX_ALGORITHMS = [
  'pav',
  'end',
  'imminent',
  'search',
] as const satisfies readonly ProxAlgorithm[];

const PARTITIONERS: Record<ProxAlgorithm, (z: Float64Array) => Partition> = {
  pav: pavPartition,
  end: endCollisionsPartition,
  imminent: imminentCollisionsPartition,
  search: searchCollisionsPartition,
};

/** A float array the prox accepts; the result has the same type. */
export type FloatArray = Float32Array | Float64Array;

/** Options of {@link proxR}. */
export interface ProxOptions<T extends FloatArray = FloatArray> {
  /** Algorithm; default `pav` (the reference code defaults to `search`, which gives the same result). */
  readonly algorithm?: ProxAlgorithm;
  /**
   * Absolute ℓ1 threshold β applied to each cluster value after the R-prox (code `lasso_lr`, not
   * scaled by the learning rate). With ρ = 0 this is the exact prox of λR + β‖·‖₁. Default 0.
   */
  readonly l1?: number;
  /**
   * Displacement damping ρ ∈ [0, 1] (code `rho`): each cluster moves to x̄ + (1 − ρ)·v̄, where x̄ is its
   * members' mean original position and v̄ their mean displacement (ℓ1 step included). ρ = 0 is the
   * exact prox; ρ = 1 only snaps members to their mean. Default 0.
   */
  readonly rho?: number;
  /** Also return the cluster id of every weight (0..K−1, in increasing value order). Default false. */
  readonly returnClusters?: boolean;
  /** Write the result here (same length as w; may be w itself) instead of a new array. */
  readonly out?: T;
}

/** What {@link proxR} returns. */
export interface ProxResult<T extends FloatArray = FloatArray> {
  /** The proximal point, same type and length as the input. */
  readonly x: T;
  /** Number of clusters K (blocks of the R-prox; ℓ1 may later send several of them to 0). */
  readonly clusterCount: number;
  /** Sequential rounds of the algorithm (see {@link Partition.rounds}). */
  readonly rounds: number;
  /** Parallel depth of the algorithm in the PRAM model (see {@link Partition.depth}). */
  readonly depth: number;
  /** Cluster id of each weight, when `returnClusters` was set. */
  readonly clusters?: Int32Array;
}

/** Throws unless `w` is a Float32Array or Float64Array of finite numbers. */
export function checkFloatArray(parameter: string, w: unknown): FloatArray {
  if (!(w instanceof Float32Array) && !(w instanceof Float64Array))
    throw new PaperkitInputError(parameter, w, 'a Float32Array or Float64Array');
  checkAllFinite(parameter, w);
  return w;
}

/**
 * The sorted form shared by every algorithm (spec §I.1): the argsort of w, the sorted weights and the
 * terminal free positions z_k = w_(k) + λ(d − 2k − 1)/(d − 1) (0-based k): each particle moves at unit
 * pull from every other particle, the smallest right at speed λ and the largest left.
 */
export function sortedForm(
  w: FloatArray,
  lambda: number,
): { idx: Uint32Array; ws: Float64Array; z: Float64Array } {
  const d = w.length;
  const { idx, sorted: ws } = radixSortWithIndex(w);
  const z = new Float64Array(d);
  const mu = d > 1 ? lambda / (d - 1) : 0;
  for (let k = 0; k < d; k++) z[k] = ws[k]! + mu * (d - 2 * k - 1);
  return { idx, ws, z };
}

/**
 * The proximal operator of the weight-sharing regularizer, prox_{λR}(w) = argmin_x ½‖x − w‖² + λR(x)
 * with R(w) = (1/(d−1)) Σ_{i>j} |w_i − w_j| (paper eq. for R; spec §I.1), optionally followed by the
 * reference code's ℓ1 step and ρ damping. Exact: sort, form the terminal free positions z, take the
 * isotonic regression of z by the chosen algorithm, un-sort. Accumulates in float64 for either input
 * type; cost O(d) after an O(d) radix argsort for `pav`.
 *
 * Cluster values are computed from the partition as x̄ + v̄, with x̄ the members' mean weight (taken
 * relative to the block's first member, so a constant block is reproduced exactly) and v̄ = λ(d − a − b)/
 * (d − 1) the block [a, b)'s mean displacement in closed form.
 *
 * @param w the weights (one flattened layer); not modified unless passed as `out`.
 * @param lambda the strength λ ≥ 0 (in training, ws_lr × the current learning rate).
 */
export function proxR<T extends FloatArray>(
  w: T,
  lambda: number,
  options: ProxOptions<T> & { readonly returnClusters: true },
): ProxResult<T> & { readonly clusters: Int32Array };
/** prox_{λR}(w) (see the first overload); `clusters` is present only when `returnClusters` is set. */
export function proxR<T extends FloatArray>(w: T, lambda: number, options?: ProxOptions<T>): ProxResult<T>;
export function proxR<T extends FloatArray>(
  w: T,
  lambda: number,
  options: ProxOptions<T> = {},
): ProxResult<T> {
  checkFloatArray('w', w);
  checkNonNegative('lambda', lambda);
  checkObject('options', options, 'an object');
  const algorithm = checkOneOf('algorithm', options.algorithm ?? 'pav', PROX_ALGORITHMS);
  const l1 = checkNonNegative('l1', options.l1 ?? 0);
  const rho = checkInRange('rho', options.rho ?? 0, 0, 1, '[]');
  const d = w.length;
  const out = options.out ?? (new (w.constructor as new (n: number) => T)(d) as T);
  if (!(out instanceof Float32Array) && !(out instanceof Float64Array))
    throw new PaperkitInputError('out', out, 'a Float32Array or Float64Array');
  if (out.length !== d) throw new PaperkitInputError('out', out, `an array of length ${d} (the length of w)`);

  const { idx, ws, z } = sortedForm(w, lambda);
  const part = PARTITIONERS[algorithm](z);
  const clusters = options.returnClusters ? new Int32Array(d) : undefined;
  const exactIdentity = lambda === 0 && l1 === 0;
  const damp = 1 - rho;
  const ends = part.ends;
  let a = 0;
  for (let c = 0; c < ends.length; c++) {
    const b = ends[c]!;
    const base = ws[a]!;
    let acc = 0;
    for (let k = a + 1; k < b; k++) acc += ws[k]! - base;
    const xbar = base + acc / (b - a);
    const vbar = d > 1 ? (lambda * (d - a - b)) / (d - 1) : 0;
    let value: number;
    if (l1 > 0) {
      // Reference code order: test |x̄ + v̄| < β on the full step, then shrink the displacement by β.
      const full = xbar + vbar;
      value = Math.abs(full) < l1 ? 0 : xbar + damp * (vbar - Math.sign(full) * l1);
    } else value = rho === 0 ? xbar + vbar : xbar + damp * vbar;
    for (let k = a; k < b; k++) {
      const i = idx[k]!;
      out[i] = exactIdentity ? w[i]! : value;
      if (clusters) clusters[i] = c;
    }
    a = b;
  }
  return {
    x: out,
    clusterCount: ends.length,
    rounds: part.rounds,
    depth: part.depth,
    ...(clusters ? { clusters } : {}),
  };
}
