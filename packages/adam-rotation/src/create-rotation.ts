import {
  checkInteger,
  checkMatrix,
  checkObject,
  checkOneOf,
  checkPositive,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
  Rng,
} from '@paperkit/tensor-core';
import { buildPlan } from './block-plan.js';
import { BlockRotation } from './block-rotation.js';
import { describeParams, type ParamSlot, type ParamsDescription } from './layout.js';
import { NeuronRotation } from './neuron-rotation.js';
import { type NeuronRule, neuronRule, partition } from './partition.js';
import { IdentityRotation, ROTATION_SCOPES, type Rotation, type RotationScope } from './rotation.js';
import { SvdRotation } from './svd-rotation.js';

/** The paper's block size: GPT-2's hidden width, one R_768 shared by every block (App. B.1). */
export const PAPER_BLOCK_SIZE = 768;

/** The paper's SVD recompute period F (following GaLore, §3.2). */
export const PAPER_SVD_EVERY = 250;

/** Options of {@link createRotation}. */
export interface RotationOptions {
  /** Which coordinates rotate together, see {@link RotationScope}. */
  readonly scope: RotationScope;
  /** Source of the Haar blocks and permutations; default `Rng.fromSeed(0)`. Only named sub-streams are used, so it is not advanced. */
  readonly rng?: Rng;
  /**
   * Block size n of the block-diagonal construction (App. A.1, A.3). Default 768 (the paper's) for `global`
   * and `layer`; for the neuron-wise scopes the default is one block per neuron group (a Haar R the
   * size of the row or column, as in the spec's Tier 1). Groups smaller than n get one dense block;
   * an explicit n larger than every group is an error.
   */
  readonly blockSize?: number;
  /** Randomly permute each group before blocking; default true for `global`/`layer` (the paper's P_π), false for neuron-wise scopes. */
  readonly permute?: boolean;
  /** Draw blocks from SO(n) instead of O(n) (det +1). Default false, as the paper (Adam is reflection-equivariant). */
  readonly special?: boolean;
  /**
   * A user-given orthogonal R_n used for every block (checked: ‖RᵀR − I‖_max ≤ tolerance); blockSize
   * defaults to its order. A block of k < n coordinates (a smaller group, or the remainder when n does
   * not divide a group) gets the top-left k×k block of R_n, which must be orthogonal too (else an error).
   */
  readonly matrix?: MatrixLike;
  /** Tolerance of the orthogonality check of `matrix`; default 1e-5 (float32-exact matrices pass). */
  readonly tolerance?: number;
  /** When n does not divide a group: `haar` draws a residual block R_p (the paper), `error` throws. Default `haar`. */
  readonly residual?: 'haar' | 'error';
  /**
   * Which parameters rotate; default all (neuron-wise scopes: those with a neuron layout; `svd`:
   * role-`weight` matrices). Others stay in the standard basis. A filter selecting a vector for a
   * neuron-wise scope, or anything but a rank-2 tensor for `svd`, is an error.
   */
  readonly include?: (param: ParamSlot) => boolean;
  /** Fused tensors split before rotating: name → number of parts along the output axis. Default: names or groups with a `qkv` segment → 3. */
  readonly fused?: Readonly<Record<string, number>>;
  /** `svd` only: recompute period F; default 250. */
  readonly every?: number;
  /** `svd` only: map the optimizer's moments into each new basis (SOAP) instead of reusing them (Alg. 5); default false. */
  readonly reprojectMoments?: boolean;
}

const KEYS = new Set([
  'scope',
  'rng',
  'blockSize',
  'permute',
  'special',
  'matrix',
  'tolerance',
  'residual',
  'include',
  'fused',
  'every',
  'reprojectMoments',
]);

/**
 * Checks that `m` is square, finite and orthogonal: max |(mᵀm − I)_ij| ≤ tolerance. Returns a Float64
 * copy. Throws naming the largest deviation otherwise.
 */
export function checkOrthogonal(parameter: string, m: MatrixLike, tolerance = 1e-5): Matrix {
  checkMatrix(parameter, m);
  if (m.rows !== m.cols)
    throw new PaperkitInputError(parameter, `a ${m.rows}×${m.cols} matrix`, 'a square orthogonal matrix');
  const n = m.rows;
  const a = Float64Array.from(m.data);
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i]!))
      throw new PaperkitInputError(`${parameter}.data[${i}]`, a[i], 'a finite number');
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[k * n + i]! * a[k * n + j]!;
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  if (worst > tolerance)
    throw new PaperkitInputError(
      parameter,
      `a matrix with max |(RᵀR − I)_ij| = ${worst.toPrecision(3)}`,
      `orthogonal (RᵀR = I within ${tolerance})`,
    );
  return { rows: n, cols: n, data: a };
}

/**
 * Builds a rotation of `params` (a ParamMap, whose roles and layouts drive the neuron-wise scopes, or
 * a record of tensors/shapes read with paperkit's `[in, out]` convention). All sampling happens here,
 * on the host, from named sub-streams of `rng`: the same seed and parameters give the same R.
 */
export function createRotation(params: ParamsDescription, options: RotationOptions): Rotation {
  checkObject('options', options, 'an object { scope, ... }');
  for (const k of Object.keys(options))
    if (!KEYS.has(k))
      throw new PaperkitInputError(`options.${k}`, k, `one of the known options (${[...KEYS].join(', ')})`);
  const scope = checkOneOf('scope', options.scope, ROTATION_SCOPES);
  const slots = describeParams(params, options.fused);
  if (options.include !== undefined && typeof options.include !== 'function')
    throw new PaperkitInputError('include', options.include, 'a function (param) => boolean');
  const residual = checkOneOf('residual', options.residual ?? 'haar', ['haar', 'error'] as const);
  const rng = options.rng ?? Rng.fromSeed(0);
  if (!(rng instanceof Rng)) throw new PaperkitInputError('rng', rng, 'an Rng from @paperkit/tensor-core');
  if (options.blockSize !== undefined) checkInteger('blockSize', options.blockSize, 1);
  const tolerance = checkPositive('tolerance', options.tolerance ?? 1e-5);
  const matrix =
    options.matrix === undefined ? undefined : checkOrthogonal('matrix', options.matrix, tolerance);
  if (matrix && options.blockSize !== undefined && options.blockSize !== matrix.rows)
    throw new PaperkitInputError(
      'blockSize',
      options.blockSize,
      `the order of the given matrix (${matrix.rows}) or absent`,
    );
  if (scope !== 'svd' && (options.every !== undefined || options.reprojectMoments !== undefined))
    throw new PaperkitInputError(
      options.every !== undefined ? 'every' : 'reprojectMoments',
      options.every ?? options.reprojectMoments,
      "used only with scope 'svd'",
    );
  if (scope === 'none') return new IdentityRotation(slots);
  if (scope === 'svd') {
    for (const k of ['blockSize', 'permute', 'matrix', 'special', 'residual'] as const)
      if (options[k] !== undefined)
        throw new PaperkitInputError(
          k,
          options[k],
          "absent with scope 'svd' (its bases come from the gradient)",
        );
    const every = checkInteger('every', options.every ?? PAPER_SVD_EVERY, 1);
    if (options.include !== undefined)
      for (const p of slots)
        if (options.include(p) && p.shape.length !== 2)
          throw new PaperkitInputError(
            'include',
            `a filter selecting ${p.name} (shape [${p.shape}])`,
            "a filter selecting only rank-2 weight matrices with scope 'svd' (their singular bases rotate them)",
          );
    const include = options.include ?? ((p: ParamSlot) => p.role === 'weight');
    return new SvdRotation(slots, include, every, options.reprojectMoments ?? false);
  }
  const neuron = scope === 'fanIn' || scope === 'fanOut' || scope === 'tokenLocal';
  if (neuron && options.include !== undefined)
    for (const p of slots)
      if (options.include(p) && p.layout === undefined)
        throw new PaperkitInputError(
          'include',
          `a filter selecting ${p.name} (shape [${p.shape}], no neuron layout)`,
          `a filter selecting only weights with input and output axes (rank ≥ 2) with scope '${scope}'`,
        );
  const include = options.include ?? (() => true);
  if (neuron && options.blockSize === undefined && !options.permute && matrix === undefined) {
    // One Haar block per neuron group: a GEMM per tensor, no gathers (same map as the general plan).
    const rules = new Map<string, NeuronRule>();
    for (const p of slots) {
      const rule = include(p) ? neuronRule(scope, p) : undefined;
      if (rule !== undefined) rules.set(p.name, rule);
    }
    return new NeuronRotation(scope, slots, rules, rng, options.special ?? false);
  }
  const groups = partition(slots, scope, include);
  const largest = groups.reduce((a, g) => Math.max(a, g.length), 0);
  // Smaller groups get one dense block, but no group holding a full block is a mistake (n > d for global).
  if (options.blockSize !== undefined && options.blockSize > largest && largest > 0)
    throw new PaperkitInputError(
      'blockSize',
      options.blockSize,
      `an integer in [1, ${largest}] (the largest ${scope} rotation group has ${largest} coordinates)`,
    );
  const dim = slots.reduce((a, p) => a + p.size, 0);
  const plan = buildPlan(dim, groups, {
    blockSize: matrix ? matrix.rows : (options.blockSize ?? (neuron ? 'group' : PAPER_BLOCK_SIZE)),
    permute: options.permute ?? !neuron,
    matrix,
    tolerance,
    residual,
    special: options.special ?? false,
    rng,
  });
  return new BlockRotation(scope, slots, plan);
}
