import type { Optimizer, ParamsLike } from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';
import { type WeightSharingConfig, WeightSharingProx } from './weight-sharing-prox.js';
import { WrappingOptimizer } from './wrapping-optimizer.js';

/**
 * Proximal gradient descent with weight-sharing regularization around any tensor-core optimizer
 * (spec §I.4): each step runs the inner optimizer, then {@link WeightSharingProx.apply} with the
 * learning rate that step used. The paper trains with plain SGD (momentum 0, no decay, cosine
 * schedule); other inner optimizers are an extension. State (inner slots, step counters) saves and
 * restores through `getState`/`setState` like any optimizer.
 */
export class ProximalOptimizer extends WrappingOptimizer {
  readonly name: string = 'ProximalOptimizer';
  /** The proximal step applied after it. */
  readonly prox: WeightSharingProx;

  constructor(inner: Optimizer, prox: WeightSharingProx | WeightSharingConfig) {
    super(inner);
    this.prox = prox instanceof WeightSharingProx ? prox : new WeightSharingProx(prox);
  }

  /** Gradient step of the inner optimizer followed by the proximal step at the same learning rate. */
  override step(params: ParamsLike, grads: Record<string, tf.Tensor>): void {
    const lr = this.inner.currentLr();
    this.inner.step(params, grads);
    this.prox.apply(params, lr);
    this.t = this.inner.iterations;
  }

  protected override wrapperState(): Record<string, unknown> {
    return { proxSteps: this.prox.stepsTaken };
  }

  protected override setWrapperState(extra: Readonly<Record<string, unknown>>): void {
    this.prox.setStepsTaken((extra.proxSteps as number | undefined) ?? 0);
  }
}
