import { Optimizer, type OptimizerState, PaperkitInputError } from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Base of the optimizers that run another tensor-core optimizer's step and act on the weights around
 * it (the proximal step, β-lasso's ℓ1 term and threshold): the learning rate and step counter are the
 * inner optimizer's, and the state is the inner state plus the wrapper's own JSON extras.
 */
export abstract class WrappingOptimizer extends Optimizer {
  /** The optimizer that takes the gradient step. */
  readonly inner: Optimizer;

  protected constructor(inner: Optimizer) {
    if (!(inner instanceof Optimizer))
      throw new PaperkitInputError('inner', inner, 'a tensor-core Optimizer');
    super({ lr: () => inner.currentLr() });
    this.inner = inner;
  }

  /** Never called: subclasses' `step` delegates the update rule to the inner optimizer. */
  protected computeUpdate(): tf.Tensor {
    throw new Error(`${this.name} delegates the update rule to its inner optimizer`);
  }

  /** The wrapper's own JSON-safe state, saved beside the inner optimizer's. */
  protected wrapperState(): Record<string, unknown> {
    return {};
  }

  /** Restores {@link WrappingOptimizer.wrapperState}. */
  protected setWrapperState(_extra: Readonly<Record<string, unknown>>): void {}

  /** The inner optimizer's state plus the step counter and the wrapper's state, JSON-safe. */
  override async getState(): Promise<OptimizerState> {
    return {
      optimizer: this.name,
      t: this.t,
      slots: {},
      extra: { inner: await this.inner.getState(), ...this.wrapperState() },
    };
  }

  /** Restores a state saved by {@link WrappingOptimizer.getState} of the same class. */
  override setState(state: OptimizerState): void {
    if (!state || state.optimizer !== this.name)
      throw new PaperkitInputError(
        'state.optimizer',
        state?.optimizer,
        `"${this.name}" (state saved by this optimizer class)`,
      );
    const extra = state.extra as ({ inner?: OptimizerState } & Record<string, unknown>) | undefined;
    if (!extra?.inner)
      throw new PaperkitInputError('state.extra.inner', extra?.inner, 'the inner optimizer state');
    this.inner.setState(extra.inner);
    this.setWrapperState(extra);
    this.t = state.t;
  }

  /** Frees the inner optimizer's slots. */
  override dispose(): void {
    this.inner.dispose();
  }
}
