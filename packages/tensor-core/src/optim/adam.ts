import * as tf from '@tensorflow/tfjs-core';
import { checkInRange, checkNonNegative, checkPositive } from '../validate/errors.js';
import { type BaseOptimizerConfig, Optimizer, type StepContext } from './optimizer.js';

/** Configuration of {@link Adam} and {@link AdamW}. */
export interface AdamConfig extends BaseOptimizerConfig {
  /** β₁ in [0, 1); default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1); default 0.999. */
  readonly beta2?: number;
  /** ε added outside the square root; default 1e-8. */
  readonly eps?: number;
  /** Weight decay: coupled L2 for Adam (g ← g + wd·p), decoupled for AdamW. */
  readonly weightDecay?: number;
  /** AMSGrad: use the running maximum of v (PyTorch's order: max of raw v, then bias-correct). */
  readonly amsgrad?: boolean;
}

/**
 * Adam with PyTorch semantics (Kingma & Ba 2015; `torch.optim.Adam`): m ← β₁m + (1−β₁)g,
 * v ← β₂v + (1−β₂)g², u = lr · (m / (1−β₁ᵗ)) / (√v / √(1−β₂ᵗ) + ε). ε sits outside the square root,
 * weight decay is coupled (added to the gradient).
 */
export class Adam extends Optimizer {
  readonly name: string = 'Adam';
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** ε. */
  readonly eps: number;
  /** Weight decay coefficient. */
  readonly weightDecay: number;
  /** AMSGrad flag. */
  readonly amsgrad: boolean;

  constructor(config: AdamConfig) {
    super(config);
    this.beta1 = checkInRange('beta1', config.beta1 ?? 0.9, 0, 1, '[)');
    this.beta2 = checkInRange('beta2', config.beta2 ?? 0.999, 0, 1, '[)');
    this.eps = checkPositive('eps', config.eps ?? 1e-8);
    this.weightDecay = checkNonNegative('weightDecay', config.weightDecay ?? 0);
    this.amsgrad = config.amsgrad ?? false;
  }

  /** Whether weight decay is added to the gradient (Adam) rather than applied to the weights (AdamW). */
  protected get coupledDecay(): boolean {
    return true;
  }

  protected computeUpdate(name: string, grad: tf.Tensor, param: tf.Variable, ctx: StepContext): tf.Tensor {
    const g =
      this.coupledDecay && this.weightDecay !== 0 ? tf.add(grad, tf.mul(param, this.weightDecay)) : grad;
    const m = this.slot(name, 'm', param);
    const v = this.slot(name, 'v', param);
    const mNext = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const vNext = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(mNext);
    v.assign(vNext);
    let vUse: tf.Tensor = vNext;
    if (this.amsgrad) {
      const vMax = this.slot(name, 'vMax', param);
      vUse = tf.maximum(vMax, vNext);
      vMax.assign(vUse);
    }
    // Host-side bias corrections: t is known on the host, so no sync and no extra kernels.
    const bc1 = 1 - this.beta1 ** ctx.t;
    const bc2 = 1 - this.beta2 ** ctx.t;
    const denom = tf.add(tf.div(tf.sqrt(vUse), Math.sqrt(bc2)), this.eps);
    return tf.mul(tf.div(mNext, denom), ctx.lr / bc1);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019; `torch.optim.AdamW`): Adam whose weight decay is decoupled,
 * p ← p·(1 − lr·wd) before the Adam step. Default weight decay 1e-2 as in PyTorch.
 */
export class AdamW extends Adam {
  override readonly name: string = 'AdamW';
  constructor(config: AdamConfig) {
    super({ ...config, weightDecay: config?.weightDecay ?? 1e-2 });
  }

  protected override get coupledDecay(): boolean {
    return false;
  }

  protected override decoupledDecay(
    _name: string,
    param: tf.Variable,
    ctx: StepContext,
  ): tf.Tensor | undefined {
    if (this.weightDecay === 0) return undefined;
    return tf.mul(param, 1 - ctx.lr * this.weightDecay);
  }
}
