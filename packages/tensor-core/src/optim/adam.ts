import { checkInRange, checkNonNegative, checkPositive, PaperkitInputError } from '../validate/errors.js';
import { adamDirection, updateFirstMoment, updateSecondMoment } from './adam-math.js';
import { chain } from './chain.js';
import { fusedAdamStep } from './fused-steps.js';
import { type BaseOptimizerConfig, Optimizer } from './optimizer.js';
import { type SlotBasis, TransformState } from './state.js';
import type { GradientTransformation } from './transform.js';
import { addWeightDecay, clipFromConfig, decoupledWeightDecay, scaleByLearningRate } from './transforms.js';
import { materialize, type Update, type Updates } from './updates.js';

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** β₁ in [0, 1); default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1); default 0.999. */
  readonly beta2?: number;
  /** ε added outside the square root, > 0; default 1e-8. */
  readonly eps?: number;
  /** AMSGrad: divide by the running maximum of v (PyTorch's order: max of raw v, then bias-correct). */
  readonly amsgrad?: boolean;
}

/**
 * State of {@link scaleByAdam}: slots `m`, `v` (and `vMax`) and each parameter's step count `t`.
 * Second moments must be ≥ 0 on restore (a negative one would put NaN into the weights).
 */
export class AdamState extends TransformState {
  override slotBasis(name: string): SlotBasis | undefined {
    return name === 'm' ? 'linear' : name === 'v' || name === 'vMax' ? 'squared' : undefined;
  }

  protected override checkSlot(name: string, data: readonly number[], field: string): void {
    if (name !== 'v' && name !== 'vMax') return;
    const i = data.findIndex((x) => x < 0);
    if (i >= 0)
      throw new PaperkitInputError(`${field}.data[${i}]`, data[i], 'a number >= 0 (a second moment)');
  }
}

/** Validated β's, ε and AMSGrad flag. */
export function resolveAdamOptions(o: ScaleByAdamOptions): Required<ScaleByAdamOptions> {
  const amsgrad = o.amsgrad ?? false;
  if (typeof amsgrad !== 'boolean') throw new PaperkitInputError('amsgrad', amsgrad, 'true or false');
  return {
    beta1: checkInRange('beta1', o.beta1 ?? 0.9, 0, 1, '[)'),
    beta2: checkInRange('beta2', o.beta2 ?? 0.999, 0, 1, '[)'),
    eps: checkPositive('eps', o.eps ?? 1e-8),
    amsgrad,
  };
}

/**
 * Adam's scaling (PyTorch semantics): per parameter, m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², and the
 * update m̂ / (√v̂ + ε) with ε outside the square root. The bias corrections use each parameter's own
 * step count, as PyTorch's per-parameter `state['step']` does (a parameter without a gradient in a
 * step keeps its count). Chain it with {@link scaleByLearningRate}; the 1/(1 − β₁ᵗ) factor stays on
 * the host and merges with the learning rate into one multiplication.
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<AdamState> {
  const c = resolveAdamOptions(options);
  const self: GradientTransformation<AdamState> = {
    kind: 'scaleByAdam',
    options: { beta1: c.beta1, beta2: c.beta2, amsgrad: c.amsgrad },
    init: () => new AdamState(self),
    update(u: Updates, s: AdamState): Updates {
      const out: Record<string, Update> = {};
      for (const [n, x] of Object.entries(u)) {
        const g = materialize(x);
        const t = s.paramCounter(n, 't') + 1;
        s.setParamCounter(n, 't', t);
        const mNext = updateFirstMoment(s.slot(n, 'm', g), g, c.beta1);
        const vHat = updateSecondMoment(
          s.slot(n, 'v', g),
          g,
          c.beta2,
          c.amsgrad ? s.slot(n, 'vMax', g) : undefined,
        );
        out[n] = adamDirection(mNext, vHat, t, c);
      }
      return out;
    },
  };
  return self;
}

/** Configuration of {@link Adam} and {@link AdamW}. */
export interface AdamConfig extends BaseOptimizerConfig, ScaleByAdamOptions {
  /** Weight decay: coupled L2 for Adam (g ← g + wd·p), decoupled for AdamW (default 1e-2 there). */
  readonly weightDecay?: number;
}

/**
 * Adam with PyTorch semantics (Kingma & Ba 2015; `torch.optim.Adam`): m ← β₁m + (1−β₁)g,
 * v ← β₂v + (1−β₂)g², u = lr · (m / (1−β₁ᵗ)) / (√v / √(1−β₂ᵗ) + ε). ε sits outside the square root,
 * weight decay is coupled (added to the gradient). The chain: `clipGlobalNorm` (with `clipNorm`) →
 * `addWeightDecay` → `scaleByAdam` → `scaleByLearningRate`.
 */
export class Adam extends Optimizer {
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** ε. */
  readonly eps: number;
  /** Coupled weight decay coefficient. */
  readonly weightDecay: number;
  /** AMSGrad flag. */
  readonly amsgrad: boolean;

  constructor(config: AdamConfig) {
    const c = adamSettings(config, 0);
    const transform = chain(
      clipFromConfig(config.clipNorm),
      c.weightDecay !== 0 && addWeightDecay(c.weightDecay),
      scaleByAdam(c),
      scaleByLearningRate(),
    );
    if (config.clipNorm === undefined && !c.amsgrad)
      transform.fusedStep = fusedAdamStep({ ...c, weightDecay: c.weightDecay, decoupled: false });
    super({ name: 'Adam', lr: config.lr, transform });
    ({ beta1: this.beta1, beta2: this.beta2, eps: this.eps, amsgrad: this.amsgrad } = c);
    this.weightDecay = c.weightDecay;
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019; `torch.optim.AdamW`): Adam whose weight decay is decoupled,
 * p ← p·(1 − lr·wd) before the Adam step is subtracted. Default weight decay 1e-2 as in PyTorch.
 * The chain: `clipGlobalNorm` → `scaleByAdam` → `scaleByLearningRate` → `decoupledWeightDecay`.
 */
export class AdamW extends Optimizer {
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** ε. */
  readonly eps: number;
  /** Decoupled weight decay coefficient. */
  readonly weightDecay: number;
  /** AMSGrad flag. */
  readonly amsgrad: boolean;

  constructor(config: AdamConfig) {
    const c = adamSettings(config, 1e-2);
    const transform = chain(
      clipFromConfig(config.clipNorm),
      scaleByAdam(c),
      scaleByLearningRate(),
      c.weightDecay !== 0 && decoupledWeightDecay(c.weightDecay),
    );
    if (config.clipNorm === undefined && !c.amsgrad)
      transform.fusedStep = fusedAdamStep({ ...c, weightDecay: c.weightDecay, decoupled: true });
    super({ name: 'AdamW', lr: config.lr, transform });
    ({ beta1: this.beta1, beta2: this.beta2, eps: this.eps, amsgrad: this.amsgrad } = c);
    this.weightDecay = c.weightDecay;
  }
}

function adamSettings(
  config: AdamConfig,
  defaultDecay: number,
): Required<ScaleByAdamOptions> & { weightDecay: number } {
  Optimizer.checkConfig(config, ['beta1', 'beta2', 'eps', 'weightDecay', 'amsgrad']);
  return {
    ...resolveAdamOptions(config),
    weightDecay: checkNonNegative('weightDecay', config.weightDecay ?? defaultDecay),
  };
}
