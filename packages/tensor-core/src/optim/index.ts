export { Adam, type AdamConfig, AdamW } from './adam.js';
export { clipByGlobalNorm, globalNorm } from './clip.js';
export {
  type BaseOptimizerConfig,
  Optimizer,
  type OptimizerHooks,
  type OptimizerState,
  type ParamsLike,
  type SavedTensor,
  type StepContext,
  toVariableRecord,
} from './optimizer.js';
export {
  constantSchedule,
  type LearningRate,
  type Schedule,
  toSchedule,
  type WarmupCosineOptions,
  warmupCosineSchedule,
} from './schedules.js';
export { Momentum, SGD, type SGDConfig } from './sgd.js';
