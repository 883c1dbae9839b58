import { chain, Optimizer } from '@paperkit/tensor-core';
import { type WeightSharingConfig, WeightSharingProx } from './weight-sharing-prox.js';

/**
 * Proximal gradient descent with weight-sharing regularization around any paperkit optimizer (paper
 * §4): each step runs the inner optimizer's step, then the proximal step of {@link WeightSharingProx}
 * with the learning rate that step used. Built with the one wrapping pattern (the inner optimizer's
 * chain followed by the prox transform), so the prox's step counter, which drives a ρ schedule, is
 * saved and restored with the inner optimizer's state. The paper trains with plain SGD (momentum 0,
 * no decay, cosine schedule); other inner optimizers are an extension. The inner instance is spent.
 */
export class ProximalOptimizer extends Optimizer {
  /** The proximal step applied after each step. */
  readonly prox: WeightSharingProx;

  constructor(inner: Optimizer, prox: WeightSharingProx | WeightSharingConfig) {
    const op = prox instanceof WeightSharingProx ? prox : new WeightSharingProx(prox);
    super({
      name: 'ProximalOptimizer',
      wraps: inner,
      parameter: 'inner',
      transform: (t) => chain(t, op.transform),
    });
    this.prox = op;
  }
}
