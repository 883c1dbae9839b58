import { Optimizer, type OptimizerState, PaperkitInputError, type ParamsLike } from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';
import { type WeightSharingConfig, WeightSharingProx } from './weight-sharing-prox.js';

/**
 * Proximal gradient descent with weight-sharing regularization around any tensor-core optimizer
 * (spec §I.4): each step runs the inner optimizer, then {@link WeightSharingProx.apply} with the
 * learning rate that step used. The paper trains with plain SGD (momentum 0, no decay, cosine
 * schedule); other inner optimizers are an extension. State (inner slots, step counters) saves and
 * restores through `getState`/`setState` like any optimizer.
 */
export class ProximalOptimizer extends Optimizer {
  readonly name: string = 'ProximalOptimizer';
  /** The optimizer that takes the gradient step. */
  readonly inner: Optimizer;
  /** The proximal step applied after it. */
  readonly prox: WeightSharingProx;

  constructor(inner: Optimizer, prox: WeightSharingProx | WeightSharingConfig) {
    if (!(inner instanceof Optimizer))
      throw new PaperkitInputError('inner', inner, 'a tensor-core Optimizer');
    super({ lr: () => inner.currentLr() });
    this.inner = inner;
    this.prox = prox instanceof WeightSharingProx ? prox : new WeightSharingProx(prox);
  }

  /** Gradient step of the inner optimizer followed by the proximal step at the same learning rate. */
  override step(params: ParamsLike, grads: Record<string, tf.Tensor>): void {
    const lr = this.inner.currentLr();
    this.inner.step(params, grads);
    this.prox.apply(params, lr);
    this.t = this.inner.iterations;
  }

  /** Never called: {@link ProximalOptimizer.step} delegates the update rule to the inner optimizer. */
  protected computeUpdate(): tf.Tensor {
    throw new Error('ProximalOptimizer delegates the update rule to its inner optimizer');
  }

  /** The inner optimizer's state plus the step counters, JSON-safe. */
  override async getState(): Promise<OptimizerState> {
    return {
      optimizer: this.name,
      t: this.t,
      slots: {},
      extra: { inner: await this.inner.getState(), proxSteps: this.prox.stepsTaken },
    };
  }

  /** Restores a state saved by {@link ProximalOptimizer.getState}. */
  override setState(state: OptimizerState): void {
    if (!state || state.optimizer !== this.name)
      throw new PaperkitInputError(
        'state.optimizer',
        state?.optimizer,
        `"${this.name}" (state saved by this optimizer class)`,
      );
    const extra = state.extra as { inner?: OptimizerState; proxSteps?: number } | undefined;
    if (!extra?.inner)
      throw new PaperkitInputError('state.extra.inner', extra?.inner, 'the inner optimizer state');
    this.inner.setState(extra.inner);
    this.prox.setStepsTaken(extra.proxSteps ?? 0);
    this.t = state.t;
  }

  /** Frees the inner optimizer's slots. */
  override dispose(): void {
    this.inner.dispose();
  }
}
