/**
 * @paperkit/critical-momenta: Adam with critical momenta (Malviya et al., TMLR 2024), the
 * critical-gradients baseline (McRae et al., ICLR 2022), a SAM wrapper, and Float64 twins of both
 * optimizers for exact small problems.
 * @packageDocumentation
 */
export {
  ADAM_CG_DEFAULT_TOP_C,
  AdamCG,
  type AdamCGConfig,
  type AdamCGOptions,
  type Aggregator,
  criticalGradients,
  type ResolvedAdamCG,
  resolveAdamCG,
} from './adam-cg.js';
export {
  ADAM_CM_DEFAULT_TOP_C,
  AdamCM,
  type AdamCMConfig,
  type AdamCMOptions,
  criticalMomenta,
  type ResolvedAdamCM,
  resolveAdamCM,
  type SecondMoment,
} from './adam-cm.js';
export {
  BUFFER_SUM_MODES,
  type BufferSum,
  bufferActive,
  COMPAT_MODES,
  type Compat,
  type CriticalBufferConfig,
  MAX_TOP_C,
  PRIORITY_MODES,
  type Priority,
  type ResolvedBufferConfig,
  resolveBufferConfig,
} from './config.js';
export { type ContinualMetrics, continualMetrics } from './continual-metrics.js';
export {
  BUFFER_CONFIG_KEYS,
  type BufferSnapshot,
  CriticalBufferOptimizer,
  type TensorOptimizerConfig,
} from './critical-buffer-optimizer.js';
export { CriticalState, settingsOptions } from './critical-state.js';
export { AdamCG64, type AdamCG64Config } from './float64/adam-cg64.js';
export { AdamCM64, type AdamCM64Config } from './float64/adam-cm64.js';
export {
  type Buffer64Snapshot,
  CriticalBuffer64,
  type Float64OptimizerConfig,
  type State64,
} from './float64/critical64.js';
export {
  CRITICAL64_STATE_FORMAT,
  type CriticalBuffer64State,
  type Param64State,
} from './float64/state64.js';
export {
  ackley,
  FLAT_CENTRE,
  goldsteinPrice,
  SHARP_CENTRE,
  sharpFlat,
  sharpFlatGrad,
  type TestFunction2D,
} from './landscapes.js';
export { priorities } from './priority.js';
export { PriorityKeys, type PriorityKeysState } from './priority-buffer.js';
export { SAM, type SamConfig, SamState, sharpnessAware } from './sam.js';
