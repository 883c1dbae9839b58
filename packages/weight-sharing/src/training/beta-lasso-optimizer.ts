import {
  chain,
  checkNonNegative,
  checkObject,
  type GradientTransformation,
  mapUpdates,
  Optimizer,
  PaperkitInputError,
  type StepContext,
  type Updates,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

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

/** The regularized names of a step: every name with a gradient (`all`), or the configured ones. */
function regularized(
  layers: 'all' | readonly string[],
  params: Readonly<Record<string, unknown>>,
  names: readonly string[],
): readonly string[] {
  if (layers === 'all') return names;
  for (const n of layers)
    if (!(n in params))
      throw new PaperkitInputError('layers', n, `parameter names among (${Object.keys(params).join(', ')})`);
  return layers.filter((n) => names.includes(n));
}

/**
 * β-lasso's ℓ1 subgradient term: grad ← grad + lmbda·sign(w) (sign(0) = 0) on the regularized
 * parameters that have a gradient, before the optimizer's own rule sees it (PyTorch's
 * `param.grad += λ·sign(w)` before `optimizer.step()`).
 */
export function l1Subgradient(
  lmbda: number,
  layers: 'all' | readonly string[] = 'all',
): GradientTransformation<undefined> {
  const l = checkNonNegative('lmbda', lmbda);
  return {
    kind: 'l1Subgradient',
    update(u: Updates, _s: undefined, ctx: StepContext): Updates {
      const on = new Set(regularized(layers, ctx.params, Object.keys(u)));
      if (l === 0) return u;
      return mapUpdates(u, (g, n) => (on.has(n) ? tf.add(g, tf.mul(tf.sign(ctx.params[n]!), l)) : g));
    },
  };
}

/**
 * β-lasso's hard threshold, after the step is written: w ← w·1[|w| ≥ threshold] on the regularized
 * parameters that were stepped (multiplying by the mask, as the reference `param.data *= |param| >= β·λ`).
 */
export function hardThreshold(
  threshold: number,
  layers: 'all' | readonly string[] = 'all',
): GradientTransformation<undefined> {
  const th = checkNonNegative('threshold', threshold);
  return {
    kind: 'hardThreshold',
    update: (u: Updates) => u,
    afterStep(params: Readonly<Record<string, tf.Variable>>, _s: undefined, ctx: StepContext) {
      if (th === 0) return;
      for (const n of regularized(layers, params, ctx.names)) {
        const v = params[n]!;
        v.assign(tf.mul(v, tf.cast(tf.greaterEqual(tf.abs(v), th), 'float32')));
      }
    },
  };
}

/**
 * β-lasso (Neyshabur 2020, "Towards learning convolutions from scratch"; the weight-sharing reference
 * code's baseline) around any paperkit optimizer. Each step, on the regularized parameters that
 * received a gradient:
 * 1. grad ← grad + lmbda·sign(w) (sign(0) = 0), {@link l1Subgradient};
 * 2. the inner optimizer's step (its learning rate, momentum and schedule apply to the ℓ1 term too,
 *    as with PyTorch's `param.grad +=` before `optimizer.step()`);
 * 3. w ← w·1[|w| ≥ β·lmbda], {@link hardThreshold}: entries below the absolute threshold are zeroed
 *    (not scaled by the learning rate, as in the reference code).
 * Built with the one wrapping pattern: `chain(l1Subgradient, inner, hardThreshold)`; everything stays
 * on the device, the state is the inner optimizer's, and the inner instance is spent.
 */
export class BetaLassoOptimizer extends Optimizer {
  /** Threshold multiplier β. */
  readonly beta: number;
  /** ℓ1 strength λ. */
  readonly lmbda: number;
  /** Regularized parameter names, or `'all'`. */
  readonly layers: 'all' | readonly string[];

  constructor(inner: Optimizer, config: BetaLassoConfig) {
    checkObject('config', config, 'an object { layers?, beta, lmbda }');
    const beta = checkNonNegative('beta', config.beta);
    const lmbda = checkNonNegative('lmbda', config.lmbda);
    const layers = checkLayers(config.layers);
    super({
      name: 'BetaLassoOptimizer',
      wraps: inner,
      parameter: 'inner',
      transform: (t) => chain(l1Subgradient(lmbda, layers), t, hardThreshold(beta * lmbda, layers)),
    });
    this.beta = beta;
    this.lmbda = lmbda;
    this.layers = layers;
  }

  /** The absolute threshold β·lmbda below which weights are zeroed. */
  get threshold(): number {
    return this.beta * this.lmbda;
  }
}
