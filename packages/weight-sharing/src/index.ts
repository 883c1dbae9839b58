/**
 * @paperkit/weight-sharing: weight-sharing regularization (Shakerinava, Sohrabi, Ravanbakhsh,
 * Lacoste-Julien, AISTATS 2024): the regularizer, its exact proximal operator by four equivalent
 * algorithms, a KKT certificate, proximal training for tfjs models, the subgradient form of the
 * regularizer (a differentiable penalty), the β-lasso baseline, and the paper's MNIST-torus models
 * (`Net_2CNN` and its fully connected twin `Net_2FC`).
 * @packageDocumentation
 */

export { adversarialInput } from './adversarial.js';
export { radixArgsort, radixSortWithIndex, type SortedValues } from './argsort.js';
export { type KktCondition, type KktReport, kktCheck } from './kkt.js';
export { type SharingMetrics, sharingMetrics, tieClusters } from './metrics.js';
export {
  applyTorusCnn,
  applyTorusFc,
  type BnMode,
  type BnStats,
  initTorusCnn,
  initTorusFc,
  type TorusWidths,
} from './models/torus-nets.js';
export type { Partition } from './prox/partition.js';
export {
  checkFloatArray,
  type FloatArray,
  PROX_ALGORITHMS,
  type ProxAlgorithm,
  type ProxOptions,
  type ProxResult,
  proxR,
  sortedForm,
} from './prox/prox.js';
export { lambdaMax, R } from './regularizer.js';
export {
  type BetaLassoConfig,
  type BetaLassoLayer,
  BetaLassoOptimizer,
  hardThreshold,
  l1Subgradient,
} from './training/beta-lasso-optimizer.js';
export { ProximalOptimizer } from './training/proximal-optimizer.js';
export {
  type NamedTensors,
  sharingPenalty,
  weightSharingPenalty,
  withSharingPenalty,
} from './training/sharing-penalty.js';
export { TiedRetraining } from './training/tied-retraining.js';
export {
  firstLayer,
  type ProxStepInfo,
  type WeightSharingConfig,
  type WeightSharingLayer,
  WeightSharingProx,
} from './training/weight-sharing-prox.js';
