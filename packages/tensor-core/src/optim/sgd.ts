import * as tf from '@tensorflow/tfjs-core';
import { checkInRange, checkNonNegative, PaperkitInputError } from '../validate/errors.js';
import { type BaseOptimizerConfig, Optimizer, type StepContext } from './optimizer.js';

/** Configuration of {@link SGD}. */
export interface SGDConfig extends BaseOptimizerConfig {
  /** Momentum coefficient μ in [0, 1); 0 = plain SGD. Default 0. */
  readonly momentum?: number;
  /** Dampening of the gradient in the momentum buffer (PyTorch); default 0. */
  readonly dampening?: number;
  /** Nesterov momentum (requires momentum > 0 and dampening 0, as in PyTorch). */
  readonly nesterov?: boolean;
  /** Coupled L2 weight decay: g ← g + wd·p. Default 0. */
  readonly weightDecay?: number;
}

/**
 * Stochastic gradient descent with PyTorch's heavy-ball / Nesterov momentum semantics:
 * b₁ = g₁, b_t = μ b_{t−1} + (1 − dampening) g_t, and the step uses b_t (or g_t + μ b_t with Nesterov).
 */
export class SGD extends Optimizer {
  readonly name: string = 'SGD';
  /** Momentum coefficient. */
  readonly momentum: number;
  /** Dampening. */
  readonly dampening: number;
  /** Nesterov flag. */
  readonly nesterov: boolean;
  /** Coupled weight decay. */
  readonly weightDecay: number;

  constructor(config: SGDConfig) {
    super(config);
    this.momentum = checkInRange('momentum', config.momentum ?? 0, 0, 1, '[)');
    this.dampening = checkInRange('dampening', config.dampening ?? 0, 0, 1, '[]');
    this.nesterov = config.nesterov ?? false;
    this.weightDecay = checkNonNegative('weightDecay', config.weightDecay ?? 0);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0))
      throw new PaperkitInputError('nesterov', true, 'used only with momentum > 0 and dampening = 0');
  }

  protected computeUpdate(name: string, grad: tf.Tensor, param: tf.Variable, ctx: StepContext): tf.Tensor {
    let g = this.weightDecay !== 0 ? tf.add(grad, tf.mul(param, this.weightDecay)) : grad;
    if (this.momentum !== 0) {
      const first = !this.hasSlot(name, 'momentum');
      const buf = this.slot(name, 'momentum', param);
      const next = first ? g : tf.add(tf.mul(buf, this.momentum), tf.mul(g, 1 - this.dampening));
      buf.assign(next);
      g = this.nesterov ? tf.add(g, tf.mul(next, this.momentum)) : next;
    }
    return tf.mul(g, ctx.lr);
  }
}

/** Heavy-ball momentum SGD (PyTorch `SGD(momentum=μ)`); `nesterov: true` for Nesterov's variant. */
export class Momentum extends SGD {
  override readonly name: string = 'Momentum';
  constructor(config: SGDConfig & { readonly momentum: number }) {
    if (config?.momentum === undefined || config.momentum === 0)
      throw new PaperkitInputError(
        'momentum',
        config?.momentum,
        'a number in (0, 1) (use SGD for plain descent)',
      );
    super(config);
  }
}
