import {
  addWeightDecay,
  chain,
  checkOneOf,
  clipFromConfig,
  type GradientTransformation,
  materialize,
  Optimizer,
  scaleByAdam,
  scaleByLearningRate,
  type Update,
  type Updates,
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
 * The critical-gradients transform (McRae et al., ICLR 2022; CMOptimizer's `Adam_C`): per parameter,
 * the aggregate of the current gradient with a buffer of up to C past gradients ranked by norm
 * (priorities decayed by λ after each call), g̃ = g + κ·mean(buf) (`sum`), (g + κ·mean(buf))/2
 * (`mid`) or (g + κ·Σbuf)/(|buf| + 1) (`mean`). The raw gradient is offered to the buffer. Its output
 * feeds Adam: {@link AdamCG} is `criticalGradients → addWeightDecay → scaleByAdam → scaleByLearningRate`.
 */
export function criticalGradients(settings: ResolvedAdamCG): GradientTransformation<CriticalState> {
  const c = settings;
  const active = bufferActive(c);
  const self: GradientTransformation<CriticalState> = {
    kind: 'criticalGradients',
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
        let keys = s.keys.get(name);
        if (active && !keys) keys = s.createBuffer(name, g);
        let agg = g;
        if (keys && keys.size > 0) {
          const k = s.kappaWeight;
          if (c.aggregator === 'mean') {
            const total = s.bufferTotal(name, keys, g);
            agg = tf.div(tf.add(g, k === 1 ? total : tf.mul(total, k)), keys.size + 1);
          } else {
            const mean = s.bufferMean(name, keys, g);
            agg = tf.add(g, k === 1 ? mean : tf.mul(mean, k));
            if (c.aggregator === 'mid') agg = tf.mul(agg, 0.5);
          }
        }
        // The raw gradient is what is stored (before weight decay, as in the reference).
        if (keys) s.offer(name, keys, g, pi, count);
        keys?.decay(c.decay);
        out[name] = withFactor(agg);
      }
      return out;
    },
  };
  return self;
}

/** Configuration keys of {@link AdamCG}. */
const ADAM_CG_KEYS = [...BUFFER_CONFIG_KEYS, 'aggregator'];

/**
 * Adam with critical gradients, the baseline of the CM paper (McRae et al., ICLR 2022; CMOptimizer's
 * `Adam_C`): a buffer of up to C past *gradients* ranked by norm (priorities decayed by λ), aggregated
 * with the current gradient, and both Adam moments computed from the aggregate g̃. The first call is
 * a plain Adam step that seeds the buffer with g₁. Weight decay is coupled L2, added to g̃ (Q9). The
 * chain: `clipGlobalNorm` → {@link criticalGradients} → `addWeightDecay` → `scaleByAdam` (bias
 * corrections at each parameter's own call count) → `scaleByLearningRate`.
 */
export class AdamCG extends CriticalBufferOptimizer {
  /** Validated settings. */
  declare readonly settings: ResolvedAdamCG;

  constructor(config: AdamCGConfig = {}) {
    Optimizer.checkConfig(config, ADAM_CG_KEYS);
    const settings = resolveAdamCG(config);
    const critical = criticalGradients(settings);
    super(
      {
        name: 'AdamCG',
        lr: config.lr ?? 1e-3,
        transform: chain(
          clipFromConfig(config.clipNorm),
          critical,
          settings.weightDecay !== 0 && addWeightDecay(settings.weightDecay),
          scaleByAdam(settings),
          scaleByLearningRate(),
        ),
      },
      critical,
      settings,
    );
  }
}
