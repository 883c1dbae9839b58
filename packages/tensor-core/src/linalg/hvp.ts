import * as tf from '@tensorflow/tfjs-core';
import { checkAllFinite, checkPositive, PaperkitInputError } from '../validate/errors.js';
import { vectorNorm } from './matrix.js';

/**
 * A scalar loss of named parameters. It must be a deterministic function of `params` alone (fixed
 * batch, no dropout draw): Hessian–vector products call it several times at shifted parameters.
 */
export type ParamLoss = (params: Record<string, tf.Tensor>) => tf.Scalar;

/** Options of {@link hessianVectorProduct} and {@link hessianOperator}. */
export interface HessianVectorOptions {
  /**
   * Step of the central difference along the unit direction v/‖v‖; default 1e-2. The error is
   * O(h²·‖∇⁴L‖) from truncation plus O(ε₃₂·(‖∇L‖ + ‖H‖·‖θ‖)/h) from float32 rounding of the
   * gradients and shifted parameters (ε₃₂ ≈ 6e-8), balanced near h ≈ 1e-2 for losses and parameters
   * of order one. Quadratic and cubic losses have no truncation error.
   */
  readonly h?: number;
}

/** A Hessian as a linear operator on flat float64 vectors, as {@link powerIteration} takes it. */
export interface HessianOperator {
  /** Total number of parameter entries (the operator's dimension). */
  readonly dim: number;
  /** Parameter names in flattening order (`Object.keys(params)`), each flattened row-major. */
  readonly names: readonly string[];
  /** H·v at the current values of the tensors in `params`; no tensors outlive the call. */
  readonly apply: (v: Float64Array) => Promise<Float64Array>;
}

/** Number of scalar entries across all named parameters. */
export function parameterCount(params: Record<string, tf.Tensor>): number {
  let n = 0;
  for (const t of Object.values(params)) n += t.size;
  return n;
}

/**
 * The Hessian of `lossFn` at `params` as an operator, by central differences of exact gradients:
 * H·v ≈ ‖v‖·[∇L(θ + h·v̂) − ∇L(θ − h·v̂)] / 2h with v̂ = v/‖v‖.
 *
 * Why not double backprop: in tfjs 4.22 `tf.grad` of a function that calls `tf.grad` is wrong for
 * common networks. Backward functions that use an op's saved output (exp, tanh, sigmoid, logSoftmax,
 * softmax cross-entropy) are not re-differentiated, so nested gradients either throw ("Cannot compute
 * gradient of y=f(x)") or silently drop those second-order terms (a ReLU MLP with log-softmax loss
 * gets an all-zero H·v; tanh gets wrong values). Only graphs of mul, square, pow and matMul came out
 * right in our checks. Finite differences of first-order gradients work for every differentiable
 * graph. Parameters the loss ignores get zero rows and columns.
 *
 * `apply` reads the tensors in `params` when it runs (so it follows variables assigned later, and
 * they must not be disposed meanwhile); it creates and frees its own tensors, so the operator holds
 * none and needs no disposal. Each call makes two gradient evaluations and one device read.
 */
export function hessianOperator(
  lossFn: ParamLoss,
  params: Record<string, tf.Tensor>,
  options: HessianVectorOptions = {},
): HessianOperator {
  const h = checkPositive('h', options.h ?? 1e-2);
  if (typeof lossFn !== 'function') throw new PaperkitInputError('lossFn', lossFn, 'a function');
  const names = Object.keys(params);
  if (names.length === 0) throw new PaperkitInputError('params', params, 'at least one named tensor');
  const shapes = names.map((n) => [...params[n]!.shape]);
  const sizes = names.map((n) => params[n]!.size);
  const dim = sizes.reduce((a, b) => a + b, 0);
  const apply = async (v: Float64Array): Promise<Float64Array> => {
    if (v.length !== dim) throw new PaperkitInputError('v', v, `a vector of length ${dim} (parameter count)`);
    checkAllFinite('v', v);
    const norm = vectorNorm(v);
    if (norm === 0) return new Float64Array(dim);
    const unit = new Float32Array(dim);
    for (let i = 0; i < dim; i++) unit[i] = v[i]! / norm;
    const diff = tf.tidy(() => {
      const dir = tf.tensor1d(unit);
      const at = (sign: number): tf.Tensor[] => {
        let offset = 0;
        return names.map((name, i) => {
          const d = tf.reshape(tf.slice(dir, offset, sizes[i]!), shapes[i]!);
          offset += sizes[i]!;
          return tf.add(tf.cast(params[name]!, 'float32'), tf.mul(d, sign * h));
        });
      };
      let failed = false;
      let bad: unknown;
      const f = (...xs: tf.Tensor[]): tf.Scalar => {
        const record: Record<string, tf.Tensor> = {};
        names.forEach((name, i) => {
          record[name] = xs[i]!;
        });
        const loss = lossFn(record);
        if (loss instanceof tf.Tensor && loss.rank === 0) return loss;
        // Throwing inside tf.grads leaks the tensors its tape saved; finish the pass, throw after.
        failed = true;
        bad = loss;
        return loss instanceof tf.Tensor ? tf.sum(loss) : tf.sum(tf.mul(xs[0]!, 0));
      };
      // The engine call (unlike tf.grads) allows parameters the loss ignores: their gradient, and
      // so their Hessian rows and columns, are zero.
      const grad = (xs: tf.Tensor[]): (tf.Tensor | undefined)[] =>
        tf.engine().gradients(() => f(...xs), xs, undefined, true).grads;
      const gPlus = grad(at(1));
      if (failed) throw new PaperkitInputError('lossFn', bad, 'a function returning a scalar tensor');
      const gMinus = grad(at(-1));
      return tf.concat(
        gPlus.map((g, i) => {
          const m = gMinus[i];
          return g && m ? tf.reshape(tf.sub(g, m), [-1]) : tf.zeros([sizes[i]!]);
        }),
      );
    });
    let host: Float32Array;
    try {
      host = (await diff.data()) as Float32Array;
    } finally {
      diff.dispose();
    }
    const out = new Float64Array(dim);
    const scale = norm / (2 * h);
    for (let i = 0; i < dim; i++) out[i] = host[i]! * scale;
    return out;
  };
  return { dim, names, apply };
}

/**
 * One Hessian–vector product H·v of `lossFn` at `params` (see {@link hessianOperator} for the method
 * and its error). `v` is flat in `Object.keys(params)` order, each tensor row-major, matching
 * `ParamMap.flatten` when `params = paramMap.tensors()`. Leaves no tensors behind.
 */
export function hessianVectorProduct(
  lossFn: ParamLoss,
  params: Record<string, tf.Tensor>,
  v: Float64Array,
  options: HessianVectorOptions = {},
): Promise<Float64Array> {
  return hessianOperator(lossFn, params, options).apply(v);
}
