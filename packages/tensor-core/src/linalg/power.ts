import type { Rng } from '../random/rng.js';
import { checkInteger, checkNonNegative, checkOneOf, PaperkitInputError } from '../validate/errors.js';
import { dot, vectorNorm } from './matrix.js';

/** A symmetric linear map given by its action, e.g. a Hessian–vector product. It must not keep `v`. */
export type LinearOperator = (v: Float64Array) => Float64Array | Promise<Float64Array>;

/** Options of {@link powerIteration}. */
export interface PowerIterationOptions {
  /** Source of the random start vector (never Math.random). */
  readonly rng: Rng;
  /** Maximum operator applications per phase; default 100. */
  readonly iters?: number;
  /**
   * Stop when the Rayleigh quotient changes by at most `tol·|λ|` between iterations; default 1e-6.
   * With 0 every iteration runs. The change underestimates the error when the top two eigenvalues
   * are close (error ≈ change·ρ/(1−ρ) for ratio ρ = |λ₂/λ₁|).
   */
  readonly tol?: number;
  /**
   * `magnitude` (default): the eigenvalue of largest |λ|, plain power iteration. `algebraic`: the
   * largest λ. When the dominant eigenvalue λ_d is negative, a second phase iterates on the
   * positive semi-definite shift A − λ_d·I, whose dominant eigenvalue is λ_max − λ_d.
   */
  readonly which?: 'magnitude' | 'algebraic';
  /** Start vector (length dim, not all zero) instead of a random one. */
  readonly init?: ArrayLike<number>;
}

/** An eigenpair estimate from {@link powerIteration}. */
export interface PowerIterationResult {
  /** The Rayleigh quotient vᵀAv of the returned unit vector. */
  readonly eigenvalue: number;
  /** Unit-norm eigenvector estimate. */
  readonly eigenvector: Float64Array;
  /** Operator applications used (both phases). */
  readonly iterations: number;
  /** Whether the tolerance was met (in the last phase) before `iters` ran out. */
  readonly converged: boolean;
  /** ‖Av − λv‖ for the returned pair: a certificate of how good it is. */
  readonly residual: number;
}

/**
 * Power iteration for the top eigenpair of a symmetric operator given only through products `apply(v)`
 * (Hessian–vector products, Gram matrices). The operator may be async, e.g. when it reads tensors
 * back from the device. Convergence is geometric in |λ₂/λ₁|.
 */
export async function powerIteration(
  apply: LinearOperator,
  dim: number,
  options: PowerIterationOptions,
): Promise<PowerIterationResult> {
  checkInteger('dim', dim, 1);
  const iters = checkInteger('iters', options.iters ?? 100, 1);
  const tol = checkNonNegative('tol', options.tol ?? 1e-6);
  const which = checkOneOf('which', options.which ?? 'magnitude', ['magnitude', 'algebraic'] as const);
  let start: Float64Array;
  if (options.init !== undefined) {
    if (options.init.length !== dim)
      throw new PaperkitInputError('init', options.init, `a vector of length dim = ${dim}`);
    start = Float64Array.from(options.init);
    if (!(vectorNorm(start) > 0))
      throw new PaperkitInputError('init', options.init, 'a finite vector that is not all zero');
  } else {
    if (!options.rng)
      throw new PaperkitInputError('rng', options.rng, 'an Rng (for the random start vector)');
    start = options.rng.fillNormal(new Float64Array(dim));
  }
  const first = await iterate(apply, dim, start, 0, iters, tol);
  if (which === 'magnitude' || first.eigenvalue >= 0) return first;
  const shift = first.eigenvalue;
  const shifted: LinearOperator = async (v) => {
    const w = await apply(v);
    const out = new Float64Array(dim);
    for (let i = 0; i < dim; i++) out[i] = w[i]! - shift * v[i]!;
    return out;
  };
  // Restart from the original random vector: the phase-one vector is the most negative direction,
  // an eigenvalue-0 direction of the shifted operator, the worst possible start.
  const second = await iterate(shifted, dim, start, shift, iters, tol);
  return { ...second, iterations: first.iterations + second.iterations };
}

async function iterate(
  apply: LinearOperator,
  dim: number,
  start: Float64Array,
  shift: number,
  iters: number,
  tol: number,
): Promise<PowerIterationResult> {
  let v = scaled(start, 1 / vectorNorm(start));
  let lambda = Number.NaN;
  let residual = Number.NaN;
  let converged = false;
  let used = v;
  let k = 0;
  while (k < iters) {
    k++;
    const w = await apply(v);
    if (w.length !== dim) throw new PaperkitInputError('apply(v)', w, `a vector of length dim = ${dim}`);
    const prev = lambda;
    used = v;
    lambda = dot(v, w);
    if (!Number.isFinite(lambda)) throw new PaperkitInputError('apply(v)', lambda, 'finite values');
    let r2 = 0;
    for (let i = 0; i < dim; i++) {
      const d = w[i]! - lambda * v[i]!;
      r2 += d * d;
    }
    residual = Math.sqrt(r2);
    const wn = vectorNorm(w);
    if (wn === 0 || Math.abs(lambda - prev) <= tol * Math.abs(lambda)) {
      converged = true;
      break;
    }
    v = scaled(w, 1 / wn);
  }
  // (lambda, residual) belong to `used`, the last vector the operator was applied to.
  return { eigenvalue: lambda + shift, eigenvector: used, iterations: k, converged, residual };
}

function scaled(x: ArrayLike<number>, f: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * f;
  return out;
}
