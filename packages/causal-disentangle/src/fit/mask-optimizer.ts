import {
  Adam,
  chain,
  checkPositive,
  clipFromConfig,
  multiTransform,
  Optimizer,
  PaperkitInputError,
} from '@paperkit/tensor-core';

/** Which parameters are mask logits: their names, or a predicate on names. */
export type MaskSelector = readonly string[] | ((name: string) => boolean);

/** Configuration of {@link MaskedVaeAdam}. */
export interface MaskedVaeAdamConfig {
  /** Learning rate (or schedule) of every parameter that is not a mask logit. */
  readonly lr: number;
  /**
   * Learning rate of the mask logits log α; default `lr` (the reference trains them with its one
   * Adam). At small scale use ~10·lr: log α starts at 5 and must cross 0 within a few thousand steps,
   * and Adam moves a parameter by about its learning rate per step.
   */
  readonly maskLr?: number;
  /** The mask logits; default every parameter whose name starts with `mask.` (the masked VAE's naming). */
  readonly masks?: MaskSelector;
  /** Adam's β₁ for both groups; default 0.9. */
  readonly beta1?: number;
  /** Adam's β₂ for both groups; default 0.999. */
  readonly beta2?: number;
  /** Adam's ε for both groups; default 1e-8. */
  readonly eps?: number;
  /** Clip all gradients together to this global L2 norm first; off by default (as the reference). */
  readonly clipNorm?: number;
}

function maskPredicate(masks: MaskSelector | undefined): (name: string) => boolean {
  if (masks === undefined) return (n) => n.startsWith('mask.');
  if (typeof masks === 'function') return masks;
  if (!Array.isArray(masks) || !masks.every((m) => typeof m === 'string'))
    throw new PaperkitInputError('masks', masks, 'an array of parameter names or a predicate on names');
  const set = new Set(masks);
  return (n) => set.has(n);
}

/**
 * Adam with a second learning rate for the mask logits (the validated small-scale recipe of the
 * reference's estimator: networks at `lr`, Gumbel-sigmoid logits log α at `maskLr`). Built with
 * tensor-core's one wrapping pattern: two Adams (PyTorch semantics, each parameter with its own step
 * count) as the groups of a `multiTransform`, so one step equals stepping `Adam({ lr })` on the
 * networks and `Adam({ lr: maskLr })` on the masks, bit for bit, with one state to save. Use it as the
 * primal optimizer of a constrained problem, in your own loop, or in `model.fit` through
 * `toTfjsOptimizer` (give `masks` the Layers weight names then).
 */
export class MaskedVaeAdam extends Optimizer {
  /** Learning rate of the mask logits. */
  readonly maskLr: number;
  /** Whether a parameter name is a mask logit. */
  readonly isMask: (name: string) => boolean;

  constructor(config: MaskedVaeAdamConfig) {
    Optimizer.checkConfig(config, ['maskLr', 'masks', 'beta1', 'beta2', 'eps']);
    const lr = checkPositive('lr', config.lr);
    const maskLr = checkPositive('maskLr', config.maskLr ?? lr);
    const isMask = maskPredicate(config.masks);
    const adam = (rate: number) =>
      new Adam({
        lr: rate,
        ...(config.beta1 !== undefined ? { beta1: config.beta1 } : {}),
        ...(config.beta2 !== undefined ? { beta2: config.beta2 } : {}),
        ...(config.eps !== undefined ? { eps: config.eps } : {}),
      });
    const clip = clipFromConfig(config.clipNorm);
    super({
      name: 'MaskedVaeAdam',
      wraps: [adam(lr), adam(maskLr)],
      parameter: 'config',
      transform: (networks, masks) => {
        const groups = multiTransform({
          networks: { params: (n) => !isMask(n), transform: networks },
          masks: { params: isMask, transform: masks, lr: maskLr },
        });
        return clip ? chain(clip, groups) : groups;
      },
    });
    this.maskLr = maskLr;
    this.isMask = isMask;
  }
}
