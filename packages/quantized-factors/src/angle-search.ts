import {
  checkInteger,
  checkMatrix,
  checkOneOf,
  checkPositive,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import { alphaWeights } from './alpha.js';
import { applyLinear } from './datasets.js';
import {
  composeMaps,
  linearMapLosses,
  PREPROCESS,
  type Preprocess,
  preprocessMatrix,
} from './linear-maps.js';

/**
 * The robust 2-D recovery: the loss only depends on the directions of W's rows (it is invariant to
 * row scale, sign and order), so W is parametrised by two row angles θ₁, θ₂ ∈ [0°, 180°), searched on
 * a coarse grid and refined by 3×3 neighbourhood moves at finer steps. Plain gradient descent on W,
 * the paper's method, drifts away from the optimum at small n (see `trainLinearUnmixing`); the
 * population landscape is correct, which a search exploits.
 */

/** The 2×2 map whose rows are the unit vectors at angles θ₁, θ₂ (degrees). */
export function rowAngleMap(theta1Deg: number, theta2Deg: number): Matrix {
  const r = (t: number) => (t * Math.PI) / 180;
  return {
    rows: 2,
    cols: 2,
    data: Float64Array.from([
      Math.cos(r(theta1Deg)),
      Math.sin(r(theta1Deg)),
      Math.cos(r(theta2Deg)),
      Math.sin(r(theta2Deg)),
    ]),
  };
}

/** Row angles (degrees, in [0, 180)) of a 2×2 map. */
export function rowAngles(w: MatrixLike): [number, number] {
  checkMatrix('w', w);
  if (w.rows !== 2 || w.cols !== 2) throw new PaperkitInputError('w', w, 'a 2×2 matrix');
  const a = (x: number, y: number) => ((((Math.atan2(y, x) * 180) / Math.PI) % 180) + 180) % 180;
  return [a(w.data[0]!, w.data[1]!), a(w.data[2]!, w.data[3]!)];
}

/** Options shared by {@link recoverLinear2D} and {@link angleLandscape}. */
export interface AngleSearchOptions {
  /** Parzen σ; default 0.1. */
  readonly sigma?: number;
  /** Point weights; default {@link alphaWeights} of the standardised observations. */
  readonly alpha?: ArrayLike<number>;
  /**
   * Map applied to x before the angles are searched: `whiten` (default), `standardize` or `none`
   * (angles on the raw observations, where an ill-conditioned mixing squeezes the true rows together).
   */
  readonly preprocess?: Preprocess;
  /** Query rows per kernel block; default `defaultChunkSize(n)`. */
  readonly chunkSize?: number;
  /** Stops between batches of evaluations. */
  readonly signal?: AbortSignal;
}

/** Options of {@link recoverLinear2D}. */
export interface RecoverLinear2DOptions extends AngleSearchOptions {
  /** Step of the coarse grid over [0°, 180°)², degrees; default 10. */
  readonly coarseStepDeg?: number;
  /** Steps of the successive neighbourhood refinements, degrees; default [3, 1]. */
  readonly refineStepsDeg?: readonly number[];
  /** Moves allowed per refinement step before giving up; default 50. */
  readonly maxMoves?: number;
  /**
   * Refine from this many of the best local minima of the coarse grid and keep the best result;
   * default 3. The spec's recipe refines the single best grid point (`starts: 1`), which misses the
   * optimum when its basin is narrower than the coarse step and a neighbouring point of a broader,
   * shallower basin scores lower (seen at n = 2000).
   */
  readonly starts?: number;
}

/** A recovered linear unmixing map. */
export interface LinearRecovery {
  /** Which recovery produced it. */
  readonly method: 'angle-search' | 'gradient';
  /** W such that z' = W·x on the raw observations (up to a shift of z'). */
  readonly unmixing: Matrix;
  /** Loss −Σ α‖v̂‖_∞ at W on the data it was fitted on. */
  readonly loss: number;
  /** Loss evaluations (angle search) or optimisation steps (gradient training). */
  readonly evaluations: number;
}

/** What {@link recoverLinear2D} returns. */
export interface AngleRecovery extends LinearRecovery {
  readonly method: 'angle-search';
  /** The row angles found, in the preprocessed coordinates (degrees). */
  readonly anglesDeg: readonly [number, number];
  /** The preprocessing map P (W = Wθ·P). */
  readonly preprocessing: Matrix;
}

const key = (a: number, b: number) => `${a.toFixed(6)},${b.toFixed(6)}`;
const wrap = (t: number) => ((t % 180) + 180) % 180;

/** Angular distance between two row directions (lines), degrees in [0, 90]. */
function lineDistance(a: number, b: number): number {
  const diff = Math.abs(wrap(a) - wrap(b));
  return Math.min(diff, 180 - diff);
}

/**
 * Recovers a 2×2 unmixing map from observations `x` (n×2): row angles on a `coarseStepDeg` grid (pairs
 * θ₁ < θ₂, since row order does not matter), then neighbourhood refinement at each of
 * `refineStepsDeg` from each of the `starts` best coarse local minima. About 150 + 3·40 loss
 * evaluations at the defaults, each an n² kernel pass.
 */
export async function recoverLinear2D(
  x: MatrixLike,
  options: RecoverLinear2DOptions = {},
): Promise<AngleRecovery> {
  checkMatrix('x', x);
  if (x.cols !== 2) throw new PaperkitInputError('x', x, 'observations with 2 columns (the 2-D recipe)');
  const coarse = checkPositive('coarseStepDeg', options.coarseStepDeg ?? 10);
  if (coarse > 90) throw new PaperkitInputError('coarseStepDeg', coarse, 'a step in (0, 90] degrees');
  const steps = options.refineStepsDeg ?? [3, 1];
  if (!Array.isArray(steps))
    throw new PaperkitInputError('refineStepsDeg', steps, 'an array of steps in degrees');
  steps.forEach((s, i) => void checkPositive(`refineStepsDeg[${i}]`, s));
  const maxMoves = checkInteger('maxMoves', options.maxMoves ?? 50, 0);
  const starts = checkInteger('starts', options.starts ?? 3, 1);
  const { pre, p, alpha, sigma, evalOptions } = await prepare(x, options);
  const cache = new Map<string, number>();
  const evaluate = async (pairs: [number, number][]): Promise<void> => {
    const todo = pairs.filter(([a, b]) => !cache.has(key(a, b)) && lineDistance(a, b) > 1e-9);
    if (todo.length === 0) return;
    const losses = await linearMapLosses(
      pre,
      todo.map(([a, b]) => rowAngleMap(a, b)),
      { sigma, alpha, ...evalOptions },
    );
    todo.forEach(([a, b], i) => void cache.set(key(a, b), losses[i]!));
  };
  const lossOf = (a: number, b: number) => cache.get(key(a, b)) ?? Number.NaN;

  const count = Math.round(180 / coarse);
  const grid: [number, number][] = [];
  for (let i = 0; i < count; i++) for (let j = i + 1; j < count; j++) grid.push([i * coarse, j * coarse]);
  await evaluate(grid);
  // Local minima of the coarse grid (on the torus of angle pairs, rows unordered), best first.
  const at = (i: number, j: number) => {
    const a = ((i % count) + count) % count;
    const b = ((j % count) + count) % count;
    return a === b ? Number.NaN : lossOf(Math.min(a, b) * coarse, Math.max(a, b) * coarse);
  };
  const minima = grid
    .map(([a, b]) => [Math.round(a / coarse), Math.round(b / coarse)] as const)
    .filter(([i, j]) => {
      const l = at(i, j);
      if (!Number.isFinite(l)) return false;
      for (const di of [-1, 0, 1])
        for (const dj of [-1, 0, 1]) if ((di !== 0 || dj !== 0) && at(i + di, j + dj) < l) return false;
      return true;
    })
    .sort((p, q) => at(...p) - at(...q))
    .slice(0, starts)
    .map(([i, j]) => [i * coarse, j * coarse] as [number, number]);
  if (minima.length === 0)
    throw new PaperkitInputError('x', x, 'observations on which the loss is finite for some full-rank map');
  let best = minima[0]!;
  for (const start of minima) {
    let current = start;
    for (const step of steps) {
      for (let move = 0; move < maxMoves; move++) {
        const [a, b] = current;
        const around: [number, number][] = [];
        for (const da of [-step, 0, step])
          for (const db of [-step, 0, step])
            if (da !== 0 || db !== 0) around.push([wrap(a + da), wrap(b + db)]);
        await evaluate(around);
        let next = current;
        for (const g of around) if (lossOf(...g) < lossOf(...next)) next = g;
        if (next === current) break;
        current = next;
      }
    }
    if (lossOf(...current) < lossOf(...best)) best = current;
  }
  const w = rowAngleMap(best[0], best[1]);
  return {
    method: 'angle-search',
    unmixing: composeMaps(w, p),
    loss: lossOf(...best),
    evaluations: cache.size,
    anglesDeg: [best[0], best[1]],
    preprocessing: p,
  };
}

/** The loss over the row-angle grid. */
export interface AngleLandscape {
  /** Grid angles, degrees (rows: θ₁, columns: θ₂). */
  readonly anglesDeg: readonly number[];
  /** Loss at (θ₁, θ₂), symmetric, NaN on the diagonal (θ₁ = θ₂ is rank deficient). */
  readonly losses: Matrix;
  /** The preprocessing map P the angles live in. */
  readonly preprocessing: Matrix;
}

/**
 * The loss on the full grid of row angles θ₁, θ₂ ∈ {0, step, …} (180/step values each), for the
 * landscape figure: pairs θ₁ < θ₂ are evaluated and mirrored, since swapping rows leaves the loss
 * unchanged.
 */
export async function angleLandscape(
  x: MatrixLike,
  options: AngleSearchOptions & { readonly stepDeg?: number } = {},
): Promise<AngleLandscape> {
  checkMatrix('x', x);
  if (x.cols !== 2) throw new PaperkitInputError('x', x, 'observations with 2 columns');
  const step = checkPositive('stepDeg', options.stepDeg ?? 5);
  if (step > 90) throw new PaperkitInputError('stepDeg', step, 'a step in (0, 90] degrees');
  const count = Math.round(180 / step);
  const anglesDeg = Array.from({ length: count }, (_, i) => i * step);
  const { pre, p, alpha, sigma, evalOptions } = await prepare(x, options);
  const pairs: [number, number][] = [];
  for (let i = 0; i < count; i++) for (let j = i + 1; j < count; j++) pairs.push([i, j]);
  const losses = await linearMapLosses(
    pre,
    pairs.map(([i, j]) => rowAngleMap(anglesDeg[i]!, anglesDeg[j]!)),
    { sigma, alpha, ...evalOptions },
  );
  const out = new Float64Array(count * count).fill(Number.NaN);
  pairs.forEach(([i, j], k) => {
    out[i * count + j] = out[j * count + i] = losses[k]!;
  });
  return { anglesDeg, losses: { rows: count, cols: count, data: out }, preprocessing: p };
}

async function prepare(x: MatrixLike, options: AngleSearchOptions) {
  const preprocess = checkOneOf('preprocess', options.preprocess ?? 'whiten', PREPROCESS);
  const sigma = checkPositive('sigma', options.sigma ?? 0.1);
  const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
  const alpha = options.alpha ?? (await alphaWeights(x, { sigma, ...chunk })).alpha;
  const p = preprocessMatrix(x, preprocess);
  const pre = applyLinear(p, x);
  const evalOptions = { ...chunk, ...(options.signal ? { signal: options.signal } : {}) };
  return { pre, p, alpha, sigma, evalOptions };
}
