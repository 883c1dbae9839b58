/**
 * @paperkit/disparate-pruning: constrained excess-accuracy-gap fine-tuning (CEAG) of pruned models,
 * after Hashemizadeh et al., "Balancing Act: Constraining Disparate Impact in Sparse Models" (ICLR 2024),
 * with its baselines (NFT, NFT+ES, equalized loss with and without replay buffers), gradual magnitude
 * pruning and the paper's disparity metrics, on nupi's constrained optimization.
 * @packageDocumentation
 */
export {
  type ClassifierLike,
  type FunctionalClassifier,
  type LayersModelLike,
  type LayerVariableLike,
  type ResolvedClassifier,
  resolveClassifier,
} from './classifier.js';
export {
  type ConstrainDisparityOptions,
  type ConstrainDisparityResult,
  constrainDisparity,
  type DisparityRow,
  type DisparityTable,
  disparityTable,
  type EpochStepDecayOptions,
  epochStepDecay,
  referencePrimalOptimizer,
} from './constrain-disparity.js';
export { argmaxRow, type GroupStats, groupStats, type Predictions, predict } from './evaluate.js';
export {
  type DenseStats,
  denseStats,
  type EpochReport,
  type FineTuneOptions,
  type FineTuneResult,
  type GroupedData,
  type Mitigation,
  pruneAndFineTune,
  type SetEvaluation,
} from './finetune.js';
export {
  checkAllGroupsPresent,
  encodeGroups,
  encodeGroupsLike,
  type GroupAssignment,
  type GroupSpec,
  groupCounts,
  selectGroups,
} from './groups.js';
export {
  ceagSampleWeights,
  type DisparityReport,
  disparity,
  type GroupRates,
  groupRates,
  proxyExcessGaps,
  ratesFromCounts,
} from './metrics.js';
export {
  type ExcessMatrix,
  excessMatrix,
  lossGaps,
  type TrainingBatch,
  trainingForward,
} from './mitigation/batch.js';
export {
  type CeagOptions,
  type CeagProblem,
  ceagProblem,
  correctnessBits,
  resolveCeagOptions,
  type StrictSnapshot,
} from './mitigation/ceag.js';
export {
  type EqualizedLossOptions,
  type EqualizedLossProblem,
  equalizedLossProblem,
  resolveEqualizedLossOptions,
} from './mitigation/equalized-loss.js';
export {
  GroupReplayBuffer,
  OVERALL_ESTIMATES,
  type OverallEstimate,
  type ReplayBufferState,
} from './mitigation/replay-buffer.js';
export {
  type CeagStepPair,
  type CeagStepPairOptions,
  ceagStepPair,
} from './mitigation/step-cost.js';
export { magnitudeMask, prunedCount } from './pruning/magnitude.js';
export { type MaskEntry, MaskState, type SparsityReport } from './pruning/mask-state.js';
export {
  MaskedOptimizer,
  type PruningMaskOptions,
  pruningMask,
  type StepGmpOptions,
} from './pruning/masked-optimizer.js';
export { type GmpOptions, type GmpSchedule, gmpSchedule } from './pruning/schedule.js';
