import { checkOneOf, PaperkitInputError, type StepContext } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  bufferActive,
  type CriticalBufferConfig,
  type ResolvedBufferConfig,
  resolveBufferConfig,
} from './config.js';
import {
  type BufferStep,
  CriticalBufferOptimizer,
  type TensorOptimizerConfig,
} from './critical-optimizer.js';

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
 * Adam with critical momenta (Malviya et al., TMLR 2024; official `Adam_CM`). A buffer of up to C
 * past momenta, ranked by the gradient norm at the step they were stored (priorities decayed by λ
 * every step), is averaged into the momentum: m̃_t = m_t + κ·mean(buffer), and Adam steps along m̃_t
 * with v tracking m̃² (reference). Near a sharp minimum the stored large momenta keep pushing in the
 * direction of travel, so the iterate overshoots narrow basins; wide basins are left alone.
 *
 * `compat: 'reference'` (default) reproduces the official code including its first call, which seeds
 * the buffer with the raw gradient and does not move (Q1); `compat: 'clean'` steps from call one and
 * allows C = 0 (then, with `secondMoment: 'gradient'`, it is exactly Adam). Weight decay is decoupled.
 */
export class AdamCM extends CriticalBufferOptimizer {
  readonly name: string = 'AdamCM';
  /** Validated settings. */
  declare readonly settings: ResolvedAdamCM;

  constructor(config: AdamCMConfig = {}) {
    const settings = resolveAdamCM(config);
    super(config, settings);
  }

  protected override decoupledDecay(
    _name: string,
    param: tf.Variable,
    ctx: StepContext,
  ): tf.Tensor | undefined {
    // The reference decays p ← p·(1 − lr·wd) at the top of every call, the first one included.
    if (this.settings.weightDecay === 0) return undefined;
    return tf.mul(param, 1 - ctx.lr * this.settings.weightDecay);
  }

  protected rule(name: string, g: tf.Tensor, p: tf.Variable, st: BufferStep): tf.Tensor {
    const c = this.settings;
    const m = this.slot(name, 'm', p);
    const v = this.slot(name, 'v', p);
    const vMax = c.amsgrad ? this.slot(name, 'vMax', p) : undefined;
    const active = bufferActive(c);
    let keys = st.keys;
    if (active && !keys) {
      keys = this.createBuffer(name, p);
      if (c.compat === 'reference') {
        // Q1: the first call stores the raw gradient, leaves m, v at zero and moves nothing.
        this.store(name, keys, 0, g, st.pi, st.count);
        return tf.zerosLike(p);
      }
    }
    // Same op order as tensor-core's Adam, so clean C = 0 with 'gradient' is Adam bit for bit.
    const mNext = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
    m.assign(mNext);
    let u = mNext;
    if (keys && keys.size > 0) {
      // The aggregate uses the buffer as it was before this step's insertion.
      const mean = this.bufferMean(name, keys, p);
      const k = this.kappaWeight;
      u = tf.add(mNext, k === 1 ? mean : tf.mul(mean, k));
    }
    if (keys) this.offer(name, keys, mNext, st.pi, st.count);
    const src = c.secondMoment === 'gradient' ? g : u;
    const vNext = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(src), 1 - c.beta2));
    v.assign(vNext);
    let vUse: tf.Tensor = vNext;
    if (vMax) {
      vUse = tf.maximum(vMax, vNext);
      vMax.assign(vUse);
    }
    const bc1 = 1 - c.beta1 ** st.count;
    const bc2 = 1 - c.beta2 ** st.count;
    const denom = tf.add(tf.div(tf.sqrt(vUse), Math.sqrt(bc2)), c.eps);
    return tf.mul(tf.div(u, denom), st.ctx.lr / bc1);
  }
}
