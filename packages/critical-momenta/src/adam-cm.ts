import {
  adamDirection,
  chain,
  checkOneOf,
  clipFromConfig,
  decoupledWeightDecay,
  type GradientTransformation,
  materialize,
  Optimizer,
  PaperkitInputError,
  scaleByLearningRate,
  type Update,
  type Updates,
  updateFirstMoment,
  updateSecondMoment,
  withFactor,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  bufferActive,
  type CriticalBufferConfig,
  type ResolvedBufferConfig,
  resolveBufferConfig,
} from './config.js';
import {
  BUFFER_CONFIG_KEYS,
  CriticalBufferOptimizer,
  type TensorOptimizerConfig,
} from './critical-buffer-optimizer.js';
import { CriticalState, settingsOptions } from './critical-state.js';

/**
 * Source of Adam's second moment: `aggregate` squares the aggregate m̃ = m + mean(buffer) (the
 * reference, Q4), `gradient` squares the raw gradient (clean mode only).
 */
export type SecondMoment = 'aggregate' | 'gradient';

/** Settings specific to Adam+CM. */
export interface AdamCMOptions extends CriticalBufferConfig {
  /** Second-moment source; default `aggregate`. `gradient` needs compat `clean`. */
  readonly secondMoment?: SecondMoment;
}

/** Configuration of {@link AdamCM}. */
export interface AdamCMConfig extends TensorOptimizerConfig, AdamCMOptions {}

/** Validated Adam+CM settings. */
export interface ResolvedAdamCM extends ResolvedBufferConfig {
  readonly secondMoment: SecondMoment;
}

/** Defaults of the official `Adam_CM`: topC 5 (decay 0.7, kappa 1 come from the shared defaults). */
export const ADAM_CM_DEFAULT_TOP_C = 5;

/** Validates and defaults Adam+CM settings (shared by the tensor and Float64 implementations). */
export function resolveAdamCM(config: AdamCMOptions): ResolvedAdamCM {
  const base = resolveBufferConfig(config, ADAM_CM_DEFAULT_TOP_C, 'Adam_CM');
  const secondMoment = checkOneOf('secondMoment', config.secondMoment ?? 'aggregate', [
    'aggregate',
    'gradient',
  ]);
  if (secondMoment === 'gradient' && base.compat === 'reference')
    throw new PaperkitInputError(
      'secondMoment',
      secondMoment,
      "'aggregate' in compat 'reference' (the official Adam_CM squares the aggregate, quirk Q4); use compat: 'clean'",
    );
  return { ...base, secondMoment };
}

/**
 * The critical-momenta transform (Malviya et al., TMLR 2024; official `Adam_CM`), Adam's moments
 * included: per parameter m ← β₁m + (1−β₁)g, the aggregate m̃ = m + κ·mean(buffer) (the buffer as it
 * was before this step), m offered to the buffer, v ← β₂v + (1−β₂)·s² with s = m̃ (reference) or g,
 * and the update m̃ / (√v̂ + ε) with Adam's bias corrections at the parameter's call count, using
 * tensor-core's Adam math. Priorities come from one host read of every gradient's norm per step;
 * keys decay by λ after each call. In reference mode the first call stores the raw gradient and
 * moves nothing (Q1). Chain it with `scaleByLearningRate` (and `decoupledWeightDecay`).
 */
export function criticalMomenta(settings: ResolvedAdamCM): GradientTransformation<CriticalState> {
  const c = settings;
  const active = bufferActive(c);
  const self: GradientTransformation<CriticalState> = {
    kind: 'criticalMomenta',
    options: settingsOptions(c as unknown as ResolvedBufferConfig & Record<string, unknown>),
    init: () => new CriticalState(self, c),
    update(u: Updates, s: CriticalState): Updates {
      const names = Object.keys(u);
      const grads = Object.fromEntries(names.map((n) => [n, materialize(u[n]!)]));
      s.measure(grads, names);
      const out: Record<string, Update> = {};
      for (const name of names) {
        const g = grads[name]!;
        const pi = s.priority(name);
        const count = s.paramCounter(name, 'count') + 1;
        s.setParamCounter(name, 'count', count);
        out[name] = step(s, name, g, pi, count);
        // Priority decay after insertion, every call (reference `decay()` at the end of the tensor's step).
        s.keys.get(name)?.decay(c.decay);
      }
      return out;
    },
  };
  const step = (s: CriticalState, name: string, g: tf.Tensor, pi: number, count: number): Update => {
    let keys = s.keys.get(name);
    if (active && !keys) {
      keys = s.createBuffer(name, g);
      if (c.compat === 'reference') {
        // Q1: the first call stores the raw gradient, leaves m, v at zero and moves nothing.
        s.slot(name, 'm', g);
        s.slot(name, 'v', g);
        if (c.amsgrad) s.slot(name, 'vMax', g);
        s.store(name, keys, 0, g, pi, count);
        return withFactor(tf.zerosLike(g));
      }
    }
    const mNext = updateFirstMoment(s.slot(name, 'm', g), g, c.beta1);
    let num = mNext;
    if (keys && keys.size > 0) {
      // The aggregate uses the buffer as it was before this step's insertion.
      const mean = s.bufferMean(name, keys, g);
      const k = s.kappaWeight;
      num = tf.add(mNext, k === 1 ? mean : tf.mul(mean, k));
    }
    if (keys) s.offer(name, keys, mNext, pi, count);
    const vHat = updateSecondMoment(
      s.slot(name, 'v', g),
      c.secondMoment === 'gradient' ? g : num,
      c.beta2,
      c.amsgrad ? s.slot(name, 'vMax', g) : undefined,
    );
    return adamDirection(num, vHat, count, c);
  };
  return self;
}

/** Configuration keys of {@link AdamCM}. */
const ADAM_CM_KEYS = [...BUFFER_CONFIG_KEYS, 'secondMoment'];

/**
 * Adam with critical momenta (Malviya et al., TMLR 2024; official `Adam_CM`). A buffer of up to C
 * past momenta, ranked by the gradient norm at the step they were stored (priorities decayed by λ
 * every step), is averaged into the momentum: m̃_t = m_t + κ·mean(buffer), and Adam steps along m̃_t
 * with v tracking m̃² (reference). Near a sharp minimum the stored large momenta keep pushing in the
 * direction of travel, so the iterate overshoots narrow basins; wide basins are left alone.
 *
 * `compat: 'reference'` (default) reproduces the official code including its first call, which seeds
 * the buffer with the raw gradient and does not move (Q1); `compat: 'clean'` steps from call one and
 * allows C = 0 (then, with `secondMoment: 'gradient'`, it is exactly Adam). Weight decay is decoupled.
 * The chain: `clipGlobalNorm` → {@link criticalMomenta} → `scaleByLearningRate` → `decoupledWeightDecay`.
 */
export class AdamCM extends CriticalBufferOptimizer {
  /** Validated settings. */
  declare readonly settings: ResolvedAdamCM;

  constructor(config: AdamCMConfig = {}) {
    Optimizer.checkConfig(config, ADAM_CM_KEYS);
    const settings = resolveAdamCM(config);
    const critical = criticalMomenta(settings);
    super(
      {
        name: 'AdamCM',
        lr: config.lr ?? 1e-3,
        transform: chain(
          clipFromConfig(config.clipNorm),
          critical,
          scaleByLearningRate(),
          // The reference decays p ← p·(1 − lr·wd) at the top of every call, the first one included.
          settings.weightDecay !== 0 && decoupledWeightDecay(settings.weightDecay),
        ),
      },
      critical,
      settings,
    );
  }
}
