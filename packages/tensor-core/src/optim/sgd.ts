import * as tf from '@tensorflow/tfjs-core';
import { checkInRange, checkNonNegative, PaperkitInputError } from '../validate/errors.js';
import { chain } from './chain.js';
import { fusedMomentumStep } from './fused-steps.js';
import { type BaseOptimizerConfig, Optimizer } from './optimizer.js';
import { type SlotBasis, TransformState } from './state.js';
import type { GradientTransformation } from './transform.js';
import { addWeightDecay, clipFromConfig, scaleByLearningRate } from './transforms.js';
import { mapUpdates, type Updates } from './updates.js';

/** Options of {@link traceMomentum}. */
export interface MomentumOptions {
  /** Momentum coefficient μ in [0, 1). */
  readonly momentum: number;
  /** Dampening of the gradient in the buffer (PyTorch), in [0, 1]; default 0. */
  readonly dampening?: number;
  /** Nesterov momentum (requires μ > 0 and dampening 0, as in PyTorch). */
  readonly nesterov?: boolean;
}

/** State of {@link traceMomentum}: one `momentum` slot per parameter (linear in the gradient). */
export class MomentumState extends TransformState {
  override slotBasis(name: string): SlotBasis | undefined {
    return name === 'momentum' ? 'linear' : undefined;
  }
}

/**
 * PyTorch's heavy-ball / Nesterov momentum buffer (`torch.optim.SGD`): b₁ = g₁, then
 * b_t = μ·b_{t−1} + (1 − dampening)·g_t; the update is b_t, or g_t + μ·b_t with Nesterov. A
 * parameter's first step is the one without a buffer yet, so saved state carries it exactly.
 */
export function traceMomentum(options: MomentumOptions): GradientTransformation<MomentumState> {
  const mu = checkInRange('momentum', options.momentum, 0, 1, '[)');
  const dampening = checkInRange('dampening', options.dampening ?? 0, 0, 1, '[]');
  const nesterov = options.nesterov ?? false;
  if (typeof nesterov !== 'boolean') throw new PaperkitInputError('nesterov', nesterov, 'true or false');
  if (nesterov && (mu === 0 || dampening !== 0))
    throw new PaperkitInputError('nesterov', true, 'used only with momentum > 0 and dampening = 0');
  const self: GradientTransformation<MomentumState> = {
    kind: 'traceMomentum',
    options: { momentum: mu, dampening, nesterov },
    init: () => new MomentumState(self),
    update: (u: Updates, s: MomentumState) =>
      mapUpdates(u, (g, n) => {
        const first = !s.hasSlot(n, 'momentum');
        const buf = s.slot(n, 'momentum', g);
        const next = first ? g : tf.add(tf.mul(buf, mu), tf.mul(g, 1 - dampening));
        buf.assign(next);
        return nesterov ? tf.add(g, tf.mul(next, mu)) : next;
      }),
  };
  return self;
}

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

const SGD_KEYS = ['momentum', 'dampening', 'nesterov', 'weightDecay'];

function sgdChain(config: SGDConfig) {
  const momentum = checkInRange('momentum', config.momentum ?? 0, 0, 1, '[)');
  const dampening = checkInRange('dampening', config.dampening ?? 0, 0, 1, '[]');
  const nesterov = config.nesterov ?? false;
  const weightDecay = checkNonNegative('weightDecay', config.weightDecay ?? 0);
  if (nesterov && (momentum === 0 || dampening !== 0))
    throw new PaperkitInputError('nesterov', true, 'used only with momentum > 0 and dampening = 0');
  const transform = chain(
    clipFromConfig(config.clipNorm),
    weightDecay !== 0 && addWeightDecay(weightDecay),
    momentum !== 0 && traceMomentum({ momentum, dampening, nesterov }),
    scaleByLearningRate(),
  );
  if (config.clipNorm === undefined && momentum !== 0)
    transform.fusedStep = fusedMomentumStep({ momentum, dampening, nesterov, weightDecay });
  return { settings: { momentum, dampening, nesterov, weightDecay }, transform };
}

/**
 * Stochastic gradient descent with PyTorch's heavy-ball / Nesterov momentum semantics:
 * b₁ = g₁, b_t = μ b_{t−1} + (1 − dampening) g_t, and the step uses b_t (or g_t + μ b_t with Nesterov).
 * The chain: `clipGlobalNorm` → `addWeightDecay` → `traceMomentum` → `scaleByLearningRate`.
 */
export class SGD extends Optimizer {
  /** Momentum coefficient. */
  readonly momentum: number;
  /** Dampening. */
  readonly dampening: number;
  /** Nesterov flag. */
  readonly nesterov: boolean;
  /** Coupled weight decay. */
  readonly weightDecay: number;

  constructor(config: SGDConfig) {
    Optimizer.checkConfig(config, SGD_KEYS);
    const { settings, transform } = sgdChain(config);
    super({ name: 'SGD', lr: config.lr, transform });
    ({
      momentum: this.momentum,
      dampening: this.dampening,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    } = settings);
  }
}

/** Heavy-ball momentum SGD (PyTorch `SGD(momentum=μ)`); `nesterov: true` for Nesterov's variant. */
export class Momentum extends Optimizer {
  /** Momentum coefficient. */
  readonly momentum: number;
  /** Dampening. */
  readonly dampening: number;
  /** Nesterov flag. */
  readonly nesterov: boolean;
  /** Coupled weight decay. */
  readonly weightDecay: number;

  constructor(config: SGDConfig & { readonly momentum: number }) {
    Optimizer.checkConfig(config, SGD_KEYS);
    if (config.momentum === undefined || config.momentum === 0)
      throw new PaperkitInputError(
        'momentum',
        config.momentum,
        'a number in (0, 1) (use SGD for plain descent)',
      );
    const { settings, transform } = sgdChain(config);
    super({ name: 'Momentum', lr: config.lr, transform });
    ({
      momentum: this.momentum,
      dampening: this.dampening,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    } = settings);
  }
}
