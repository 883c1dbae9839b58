import {
  checkInteger,
  checkMatrix,
  checkSquare,
  type Matrix,
  type MatrixLike,
  matmul,
  PaperkitInputError,
  type Rng,
  transpose,
} from '@paperkit/tensor-core';
import { type GridSample, ManhattanUniform, softmax } from './grid.js';

/**
 * The two synthetic datasets of the paper's experiments (reference `testdistr.py`): a 4×4 grid with
 * correlated coordinates, observed through a linear map.
 */

/** The paper's datasets: non-factorised support (Fig. 3) and factorised support (Fig. 4). */
export type GridDatasetKind = 'non-factorized' | 'factorized';

/** Both dataset kinds, in the paper's order. */
export const GRID_DATASET_KINDS: readonly GridDatasetKind[] = ['non-factorized', 'factorized'];

/**
 * Priors of the non-factorised-support dataset (`build_2D_dataset_non_factorized_support`):
 * softmax of 16 normal draws, then the diagonal cells 0/5/10/15 set to .26/.24/.27/.23 and cells
 * 2, 3, 8, 12, 13 set to 0 (so the support is not a product of intervals), renormalised.
 */
export function nonFactorizedSupportPriors(rng: Rng): Float64Array {
  const p = softmax(rng.fillNormal(new Float64Array(16)));
  p[0] = 0.26;
  p[5] = 0.24;
  p[10] = 0.27;
  p[15] = 0.23;
  for (const k of [2, 3, 8, 12, 13]) p[k] = 0;
  return normalise(p);
}

/**
 * Priors of the factorised-support dataset (`build_2D_old_dataset_factorized_support`):
 * p = softmax(16 normal draws)/5 with the diagonal set to .25, then softmax(10·p). Every cell has
 * positive mass, and the diagonal dominates (coordinates strongly correlated).
 */
export function factorizedSupportPriors(rng: Rng): Float64Array {
  const p = softmax(rng.fillNormal(new Float64Array(16)));
  for (let k = 0; k < 16; k++) p[k]! /= 5;
  for (const k of [0, 5, 10, 15]) p[k] = 0.25;
  for (let k = 0; k < 16; k++) p[k]! *= 10;
  return softmax(p);
}

/**
 * The reference mixing (and initialisation) of a linear map: PyTorch's `nn.Linear(d, d, bias=False)`
 * default init U(±1/√d), scaled by 0.1 (reference `models.py`, `linear_transf`).
 */
export function referenceLinearMap(rng: Rng, d = 2): Matrix {
  checkInteger('d', d, 1);
  const bound = 1 / Math.sqrt(d);
  const data = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) data[i] = 0.1 * rng.uniform(-bound, bound);
  return { rows: d, cols: d, data };
}

/** Options of {@link gridDataset}. */
export interface GridDatasetOptions {
  /** Which of the paper's datasets. */
  readonly kind: GridDatasetKind;
  /** Number of samples (the paper uses 50 000). */
  readonly n: number;
  /**
   * The map from latents z to observations x: a d×d matrix A (x = A·z), or a function applied to the
   * n×d latent matrix (rows are points) for nonlinear mixings. Default: A drawn by
   * {@link referenceLinearMap}, as the reference.
   */
  readonly mixing?: MatrixLike | ((z: Matrix) => MatrixLike);
}

/** A dataset: grid, latents, cells, observations, and the mixing matrix when linear. */
export interface GridDataset extends GridSample {
  readonly kind: GridDatasetKind;
  /** The latent density (separators and priors). */
  readonly grid: ManhattanUniform;
  /** Observations, n×d (rows are points). */
  readonly x: Matrix;
  /** The mixing matrix A (x = A·z), or null for a nonlinear mixing. */
  readonly mixing: Matrix | null;
}

/**
 * One of the paper's datasets at this seed: separators, priors, samples and mixing each come from
 * their own sub-stream of `rng` (`grid`, `priors`, `samples`, `mixing`), so the grid and the mixing do
 * not change with `n`. The paper's fixed seeds (torch generators) cannot be reproduced here; every
 * seed draws a new grid, priors and mixing of the same family.
 */
export function gridDataset(rng: Rng, options: GridDatasetOptions): GridDataset {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an object { kind, n, mixing? }');
  const { kind } = options;
  if (kind !== 'non-factorized' && kind !== 'factorized')
    throw new PaperkitInputError('kind', kind, '"non-factorized" or "factorized"');
  const n = checkInteger('n', options.n, 2);
  const priors =
    kind === 'non-factorized'
      ? nonFactorizedSupportPriors(rng.stream('priors'))
      : factorizedSupportPriors(rng.stream('priors'));
  const grid = ManhattanUniform.random(rng.stream('grid'), { gridDims: [4, 4], priors });
  const sample = grid.sample(rng.stream('samples'), n);
  const mixingOption = options.mixing ?? referenceLinearMap(rng.stream('mixing'), 2);
  let x: Matrix;
  let mixing: Matrix | null = null;
  if (typeof mixingOption === 'function') {
    const out = checkMatrix('mixing(z)', mixingOption(sample.z));
    if (out.rows !== n)
      throw new PaperkitInputError('mixing(z)', out, `a matrix with ${n} rows (one per latent point)`);
    x = { rows: out.rows, cols: out.cols, data: Float64Array.from(out.data) };
  } else {
    if (checkSquare('mixing', mixingOption) !== 2)
      throw new PaperkitInputError('mixing', mixingOption, 'a 2×2 matrix (the datasets are 2-D)');
    mixing = { rows: 2, cols: 2, data: Float64Array.from(mixingOption.data) };
    x = applyLinear(mixing, sample.z);
  }
  return { kind, grid, ...sample, x, mixing };
}

/** Rows of `points` mapped by `m` (y = m·p for each row p): points·mᵀ. */
export function applyLinear(m: MatrixLike, points: MatrixLike): Matrix {
  return matmul(points, transpose(m));
}

function normalise(p: Float64Array): Float64Array {
  let s = 0;
  for (const v of p) s += v;
  for (let k = 0; k < p.length; k++) p[k]! /= s;
  return p;
}
