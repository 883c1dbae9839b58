import type * as tf from '@tensorflow/tfjs-core';
import { type HessianVectorOptions, hessianOperator, type ParamLoss } from '../linalg/hvp.js';
import { type PowerIterationResult, powerIteration } from '../linalg/power.js';
import type { Rng } from '../random/rng.js';

/** Options of {@link sharpness}. */
export interface SharpnessOptions extends HessianVectorOptions {
  /** Source of the random start vector. */
  readonly rng: Rng;
  /** Maximum Hessian–vector products per power-iteration phase; default 100. */
  readonly iters?: number;
  /**
   * Relative change of the eigenvalue estimate at which to stop; default 1e-4 (finite-difference
   * HVPs in float32 are accurate to ~1e-5 relative, so much smaller tolerances only burn iterations).
   */
  readonly tol?: number;
  /** `algebraic` (default): λ_max, the usual sharpness. `magnitude`: the eigenvalue of largest |λ|. */
  readonly which?: 'magnitude' | 'algebraic';
}

/**
 * Sharpness: the top eigenvalue λ_max of the Hessian of `lossFn` at `params` (e.g.
 * `paramMap.tensors()` and a full-batch loss), by power iteration on finite-difference
 * Hessian–vector products (see `hessianOperator` for why not double backprop). With the default
 * `which: 'algebraic'` a negative dominant eigenvalue (a saddle) triggers a shifted second phase so
 * the result is still the largest eigenvalue. Creates no lasting tensors.
 */
export async function sharpness(
  lossFn: ParamLoss,
  params: Record<string, tf.Tensor>,
  options: SharpnessOptions,
): Promise<PowerIterationResult> {
  const op = hessianOperator(lossFn, params, options.h !== undefined ? { h: options.h } : {});
  return powerIteration(op.apply, op.dim, {
    rng: options.rng,
    iters: options.iters ?? 100,
    tol: options.tol ?? 1e-4,
    which: options.which ?? 'algebraic',
  });
}
