import { checkOneOf } from '@paperkit/tensor-core';
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
 * How critical gradients join the current one (McRae et al. 2022, `chandar-lab/CGOptimizer`):
 * `sum` g̃ = g + κ·mean(buf) (CMOptimizer's `Adam_C`), `mid` g̃ = (g + κ·mean(buf))/2,
 * `mean` g̃ = (g + κ·Σbuf)/(|buf| + 1).
 */
export type Aggregator = 'sum' | 'mid' | 'mean';

/** Settings specific to Adam+CG. */
export interface AdamCGOptions extends CriticalBufferConfig {
  /** Aggregator; default `sum`, as in the CM paper's baseline code (CGOptimizer itself defaults to `mean`). */
  readonly aggregator?: Aggregator;
}

/** Configuration of {@link AdamCG}. */
export interface AdamCGConfig extends TensorOptimizerConfig, AdamCGOptions {}

/** Validated Adam+CG settings. */
export interface ResolvedAdamCG extends ResolvedBufferConfig {
  readonly aggregator: Aggregator;
}

/** Default capacity of the official `Adam_C`. */
export const ADAM_CG_DEFAULT_TOP_C = 10;

/** Validates and defaults Adam+CG settings (shared by the tensor and Float64 implementations). */
export function resolveAdamCG(config: AdamCGOptions): ResolvedAdamCG {
  const base = resolveBufferConfig(config, ADAM_CG_DEFAULT_TOP_C, 'Adam_C');
  return {
    ...base,
    aggregator: checkOneOf('aggregator', config.aggregator ?? 'sum', ['sum', 'mid', 'mean']),
  };
}

/**
 * Adam with critical gradients, the baseline of the CM paper (McRae et al., ICLR 2022; CMOptimizer's
 * `Adam_C`): a buffer of up to C past *gradients* ranked by norm (priorities decayed by λ), aggregated
 * with the current gradient, and both Adam moments computed from the aggregate g̃. The first call is
 * a plain Adam step that seeds the buffer with g₁. Weight decay is coupled L2, added to g̃ (Q9).
 */
export class AdamCG extends CriticalBufferOptimizer {
  readonly name: string = 'AdamCG';
  /** Validated settings. */
  declare readonly settings: ResolvedAdamCG;

  constructor(config: AdamCGConfig = {}) {
    const settings = resolveAdamCG(config);
    super(config, settings);
  }

  protected rule(name: string, g: tf.Tensor, p: tf.Variable, st: BufferStep): tf.Tensor {
    const c = this.settings;
    const m = this.slot(name, 'm', p);
    const v = this.slot(name, 'v', p);
    const vMax = c.amsgrad ? this.slot(name, 'vMax', p) : undefined;
    let keys = st.keys;
    if (bufferActive(c) && !keys) keys = this.createBuffer(name, p);
    let agg = g;
    if (keys && keys.size > 0) {
      const k = this.kappaWeight;
      if (c.aggregator === 'mean') {
        const total = this.bufferTotal(name, keys, p);
        agg = tf.div(tf.add(g, k === 1 ? total : tf.mul(total, k)), keys.size + 1);
      } else {
        const mean = this.bufferMean(name, keys, p);
        agg = tf.add(g, k === 1 ? mean : tf.mul(mean, k));
        if (c.aggregator === 'mid') agg = tf.mul(agg, 0.5);
      }
    }
    // The raw gradient is what is stored (before weight decay, as in the reference).
    if (keys) this.offer(name, keys, g, st.pi, st.count);
    if (c.weightDecay !== 0) agg = tf.add(agg, tf.mul(p, c.weightDecay));
    const mNext = tf.add(tf.mul(m, c.beta1), tf.mul(agg, 1 - c.beta1));
    const vNext = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(agg), 1 - c.beta2));
    m.assign(mNext);
    v.assign(vNext);
    let vUse: tf.Tensor = vNext;
    if (vMax) {
      vUse = tf.maximum(vMax, vNext);
      vMax.assign(vUse);
    }
    const bc1 = 1 - c.beta1 ** st.count;
    const bc2 = 1 - c.beta2 ** st.count;
    const denom = tf.add(tf.div(tf.sqrt(vUse), Math.sqrt(bc2)), c.eps);
    return tf.mul(tf.div(mNext, denom), st.ctx.lr / bc1);
  }
}
