import {
  checkNonNegative,
  type Optimizer,
  PaperkitInputError,
  type ParamsLike,
  toVariableRecord,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { WrappingOptimizer } from './wrapping-optimizer.js';

/** A β-lasso layer: a weight and optionally its bias, named like a {@link WeightSharingLayer}. */
export interface BetaLassoLayer {
  /** Name of the weight parameter. */
  readonly weight: string;
  /** Name of the bias parameter; none when absent. */
  readonly bias?: string;
}

/** Configuration of {@link BetaLassoOptimizer} (reference code `beta`, `lmbda`). */
export interface BetaLassoConfig {
  /**
   * Regularized parameters: `'all'` (default; the reference code applies β-lasso to every model
   * parameter), or a list of parameter names and/or `{ weight, bias? }` layers (so a
   * {@link WeightSharingLayer} list can be passed as is).
   */
  readonly layers?: 'all' | readonly (string | BetaLassoLayer)[];
  /** Threshold multiplier β ≥ 0: after the step every |w| < β·lmbda becomes 0. */
  readonly beta: number;
  /** ℓ1 strength λ ≥ 0: `lmbda·sign(w)` is added to the gradient before the step. */
  readonly lmbda: number;
}

function checkLayers(layers: BetaLassoConfig['layers']): 'all' | readonly string[] {
  if (layers === undefined || layers === 'all') return 'all';
  if (!Array.isArray(layers) || layers.length === 0)
    throw new PaperkitInputError(
      'layers',
      layers,
      '"all" or a non-empty array of parameter names or { weight, bias? }',
    );
  const names: string[] = [];
  const name = (field: string, v: unknown): string => {
    if (typeof v !== 'string' || v.length === 0) throw new PaperkitInputError(field, v, 'a parameter name');
    return v;
  };
  layers.forEach((layer: string | BetaLassoLayer | undefined, i) => {
    if (typeof layer === 'string') names.push(name(`layers[${i}]`, layer));
    else if (layer !== null && typeof layer === 'object') {
      names.push(name(`layers[${i}].weight`, layer.weight));
      if (layer.bias !== undefined) names.push(name(`layers[${i}].bias`, layer.bias));
    } else throw new PaperkitInputError(`layers[${i}]`, layer, 'a parameter name or { weight, bias? }');
  });
  return [...new Set(names)];
}

/**
 * β-lasso (Neyshabur 2020, "Towards learning convolutions from scratch"; the reference code's baseline,
 * spec §I.4 steps 2 and 4) around any tensor-core optimizer. Each step, on the regularized parameters
 * that received a gradient:
 * 1. grad ← grad + lmbda·sign(w) (sign(0) = 0);
 * 2. the inner optimizer's step (its learning rate, momentum and schedule apply to the ℓ1 term too,
 *    as with PyTorch's `param.grad +=` before `optimizer.step()`);
 * 3. w ← w·1[|w| ≥ β·lmbda]: entries below the absolute threshold are zeroed (not scaled by the
 *    learning rate, as in the reference code).
 * Everything stays on the device (no host read). Unregularized parameters get the inner step only.
 * State (inner slots, step counter) saves and restores through `getState`/`setState`.
 */
export class BetaLassoOptimizer extends WrappingOptimizer {
  readonly name: string = 'BetaLassoOptimizer';
  /** Threshold multiplier β. */
  readonly beta: number;
  /** ℓ1 strength λ. */
  readonly lmbda: number;
  /** Regularized parameter names, or `'all'`. */
  readonly layers: 'all' | readonly string[];

  constructor(inner: Optimizer, config: BetaLassoConfig) {
    super(inner);
    if (config === null || typeof config !== 'object')
      throw new PaperkitInputError('config', config, 'an object { layers?, beta, lmbda }');
    this.beta = checkNonNegative('beta', config.beta);
    this.lmbda = checkNonNegative('lmbda', config.lmbda);
    this.layers = checkLayers(config.layers);
  }

  /** The absolute threshold β·lmbda below which weights are zeroed. */
  get threshold(): number {
    return this.beta * this.lmbda;
  }

  /** ℓ1 subgradient term, the inner step, then hard thresholding of the regularized parameters. */
  override step(params: ParamsLike, grads: Record<string, tf.Tensor>): void {
    const vars = toVariableRecord(params);
    const regularized = this.regularizedNames(vars).filter((n) => grads[n] !== undefined);
    const added: tf.Tensor[] = [];
    const g: Record<string, tf.Tensor> = { ...grads };
    if (this.lmbda > 0)
      for (const n of regularized) {
        // Shape mismatches are left to the inner step, which names the parameter.
        if (!tf.util.arraysEqual(vars[n]!.shape, grads[n]!.shape)) continue;
        const sum = tf.tidy(() => tf.add(grads[n]!, tf.mul(tf.sign(vars[n]!), this.lmbda)));
        added.push(sum);
        g[n] = sum;
      }
    try {
      this.inner.step(params, g);
    } finally {
      tf.dispose(added);
    }
    const threshold = this.threshold;
    if (threshold > 0)
      tf.tidy(() => {
        for (const n of regularized) {
          const v = vars[n]!;
          // Multiplying by the mask, as the reference `param.data *= |param| >= β·λ` does.
          v.assign(tf.mul(v, tf.cast(tf.greaterEqual(tf.abs(v), threshold), 'float32')));
        }
      });
    this.t = this.inner.iterations;
  }

  private regularizedNames(vars: Record<string, tf.Variable>): readonly string[] {
    if (this.layers === 'all') return Object.keys(vars);
    for (const n of this.layers)
      if (!vars[n])
        throw new PaperkitInputError('layers', n, `parameter names among (${Object.keys(vars).join(', ')})`);
    return this.layers;
  }
}
