export {
  Adam,
  type AdamConfig,
  AdamState,
  AdamW,
  resolveAdamOptions,
  type ScaleByAdamOptions,
  scaleByAdam,
} from './adam.js';
export {
  type AdamCoefficients,
  adamCorrections64,
  adamDirection,
  adamStep64,
  firstMoment64,
  secondMoment64,
  updateFirstMoment,
  updateSecondMoment,
} from './adam-math.js';
export { chain, childKeys } from './chain.js';
export { clipByGlobalNorm, globalNorm } from './clip.js';
export {
  groupOptimizers,
  multiTransform,
  type OptimizerGroup,
  type TransformGroup,
} from './multi-transform.js';
export {
  type BaseOptimizerConfig,
  Optimizer,
  type OptimizerSpec,
  type WrapSpec,
  wrapOptimizer,
} from './optimizer.js';
export {
  OPTIMIZER_STATE_FORMAT,
  type OptimizerState,
  type ParsedOptimizerState,
  parseOptimizerState,
} from './optimizer-state.js';
export {
  constantSchedule,
  type LearningRate,
  type Schedule,
  toSchedule,
  type WarmupCosineOptions,
  warmupCosineSchedule,
} from './schedules.js';
export { Momentum, type MomentumOptions, MomentumState, SGD, type SGDConfig, traceMomentum } from './sgd.js';
export {
  type JsonObject,
  type JsonValue,
  type ParamStateJson,
  type RestoreContext,
  type SlotBasis,
  TransformState,
  type TransformStateJson,
} from './state.js';
export {
  TFJS_STATE_WEIGHT,
  TfjsOptimizerAdapter,
  type TfjsOptimizerOptions,
  toTfjsOptimizer,
} from './tfjs-adapter.js';
export {
  type Adoption,
  type AnyTransform,
  checkTransform,
  type GradientTransformation,
  initChild,
  type StepContext,
} from './transform.js';
export {
  addWeightDecay,
  afterStep,
  clipFromConfig,
  clipGlobalNorm,
  decoupledWeightDecay,
  mapGradients,
  scale,
  scaleByLearningRate,
} from './transforms.js';
export {
  mapUpdates,
  materialize,
  materializeAll,
  scaleUpdates,
  toUpdates,
  type Update,
  type Updates,
  withFactor,
} from './updates.js';
