import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';
import { checkInteger, checkPositive, PaperkitInputError } from '../validate/errors.js';
import type { ParamTensors } from './layers.js';

/** Options of {@link gradientCheck}. */
export interface GradientCheckOptions {
  /** Stream for the random direction and the random coordinates. */
  readonly rng: Rng;
  /** Finite-difference step h along a unit-norm direction / a coordinate; default 1e-2. */
  readonly step?: number;
  /** How many single coordinates (in distinct parameters) to check besides the direction; default 4. */
  readonly coordinates?: number;
}

/** One analytic-versus-numeric comparison. */
export interface GradientComparison {
  /** What was perturbed: `direction`, or `name[index]` for a coordinate. */
  readonly label: string;
  /** Derivative from tfjs's autodiff, in float64 from the float32 gradient. */
  readonly analytic: number;
  /** Central difference (f(θ₊) − f(θ₋)) / (2h). */
  readonly numeric: number;
}

/** Result of {@link gradientCheck}. */
export interface GradientCheckResult {
  /** Loss at the unperturbed parameters. */
  readonly loss: number;
  /** The directional derivative first, then each coordinate. */
  readonly comparisons: readonly GradientComparison[];
}

/**
 * Compares tfjs gradients of a scalar `loss(params)` with central finite differences, along one random
 * unit-norm direction over all parameters and along `coordinates` single coordinates (each the entry
 * with the largest |gradient| of a randomly chosen parameter, so the comparison is not swamped by
 * float32 round-off on a near-zero derivative). The analytic side is g·(θ₊ − θ₋)/(2h) with θ± the
 * float32 values actually evaluated, so rounding of the perturbed parameters cancels. The caller
 * decides the tolerance; the check itself asserts nothing. Every entry of `params` must influence the
 * loss (tfjs refuses gradients of unconnected inputs).
 */
export async function gradientCheck(
  loss: (params: ParamTensors) => tf.Scalar,
  params: ParamTensors,
  options: GradientCheckOptions,
): Promise<GradientCheckResult> {
  const h = checkPositive('step', options.step ?? 1e-2);
  const nCoords = checkInteger('coordinates', options.coordinates ?? 4, 0);
  const names = Object.keys(params);
  if (names.length === 0) throw new PaperkitInputError('params', params, 'at least one tensor');
  const tensors = names.map((n) => params[n]!);
  const theta = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
  const f = (...xs: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, xs[i]!])));
  const { value, grads } = tf.valueAndGrads(f)(tensors);
  const g = await Promise.all(grads.map(async (t) => Float32Array.from(await t.data())));
  const f0 = (await value.data())[0]!;
  tf.dispose([value, ...grads]);

  const evalAt = async (vals: Float32Array[]): Promise<number> => {
    const xs = vals.map((v, i) => tf.tensor(v, tensors[i]!.shape, 'float32'));
    const out = tf.tidy(() => f(...xs));
    const r = (await out.data())[0]!;
    tf.dispose([out, ...xs]);
    return r;
  };
  const compare = async (label: string, dir: Float64Array[]): Promise<GradientComparison> => {
    const plus = theta.map((t, i) => t.map((x, j) => x + h * dir[i]![j]!));
    const minus = theta.map((t, i) => t.map((x, j) => x - h * dir[i]![j]!));
    let analytic = 0;
    for (let i = 0; i < g.length; i++)
      for (let j = 0; j < g[i]!.length; j++) analytic += g[i]![j]! * (plus[i]![j]! - minus[i]![j]!);
    const numeric = ((await evalAt(plus)) - (await evalAt(minus))) / (2 * h);
    return { label, analytic: analytic / (2 * h), numeric };
  };

  const rng = options.rng;
  const direction = theta.map((t) => rng.fillNormal(new Float64Array(t.length)));
  let norm = 0;
  for (const d of direction) for (const x of d) norm += x * x;
  norm = Math.sqrt(norm);
  for (const d of direction) for (let j = 0; j < d.length; j++) d[j]! /= norm;
  const comparisons = [await compare('direction', direction)];
  for (const i of rng.sampleWithoutReplacement(names.length, Math.min(nCoords, names.length))) {
    let best = 0;
    for (let j = 1; j < g[i]!.length; j++) if (Math.abs(g[i]![j]!) > Math.abs(g[i]![best]!)) best = j;
    const dir = theta.map((t) => new Float64Array(t.length));
    dir[i]![best] = 1;
    comparisons.push(await compare(`${names[i]}[${best}]`, dir));
  }
  return { loss: f0, comparisons };
}

/** Tolerance of {@link gradientMismatches}: |numeric − analytic| ≤ rtol·|analytic| + atol·max(1, |loss|). */
export interface GradientTolerance {
  /** Relative part. */
  readonly rtol: number;
  /** Absolute part, scaled by the loss magnitude (round-off of f is relative to |f|). */
  readonly atol: number;
}

/**
 * Default tolerance for float32 central differences with h = 1e-2 along a unit-norm direction or one
 * coordinate. Truncation error is h²/6·|f‴| ≈ 2e-5·|f‴|; round-off is a few float32 ulps of f
 * (≈ 1e-6·|f|) divided by 2h, ≈ 5e-5·|f|. `rtol` 2e-3 and `atol` 1e-4 sit ~10× above these, while a
 * wrong gradient (missing term, wrong factor, wrong transpose) is off by O(1). Valid for smooth losses
 * only: a ReLU or max-pool switch inside [θ − h, θ + h] breaks finite differences.
 */
export const DEFAULT_GRADIENT_TOLERANCE: GradientTolerance = { rtol: 2e-3, atol: 1e-4 };

/** The comparisons of `result` outside `tolerance` (empty when the gradients agree). */
export function gradientMismatches(
  result: GradientCheckResult,
  tolerance: GradientTolerance = DEFAULT_GRADIENT_TOLERANCE,
): GradientComparison[] {
  const scale = Math.max(1, Math.abs(result.loss));
  return result.comparisons.filter(
    (c) =>
      !(Math.abs(c.numeric - c.analytic) <= tolerance.rtol * Math.abs(c.analytic) + tolerance.atol * scale),
  );
}
