/**
 * @paperkit/adam-rotation — "Understanding Adam Requires Better Rotation Dependent Assumptions"
 * (Zhang, Maes et al., NeurIPS 2025): run any tensor-core optimizer in a rotated parameter basis, and
 * measure the rotation-dependent assumptions the paper examines.
 * @packageDocumentation
 */
export {
  type BigramTask,
  bigramChain,
  bigramLoss,
  bigramLossAndGrads,
  bigramPairs,
  bigramPopulationLoss,
  bigramTask,
  initBigram,
} from './bigram.js';
export {
  type BlockPlan,
  buildPlan,
  invertPermutation,
  type PlanOptions,
  type PlanSegment,
} from './block-plan.js';
export { BlockRotation } from './block-rotation.js';
export {
  checkOrthogonal,
  createRotation,
  PAPER_BLOCK_SIZE,
  PAPER_SVD_EVERY,
  type RotationOptions,
} from './create-rotation.js';
export { describeParams, type ParamSlot, type ParamsDescription } from './layout.js';
export { NeuronRotation } from './neuron-rotation.js';
export { type GroupScope, type NeuronRule, neuronRule, partition } from './partition.js';
export { type BatchLoss, gradientsAt, type ProbeParams } from './probes/gradients.js';
export {
  type BlockStats,
  type CoordinateLabels,
  type HessianBlock,
  type HessianRowOptions,
  hessianRows,
  partitionRow,
  type RowPartition,
} from './probes/hessian-rows.js';
export { coordinateLabels } from './probes/labels.js';
export { gradientLinfBound, type LinfBound, type LinfBoundOptions } from './probes/linf-bound.js';
export { type OneOneNormEstimate, oneOneNorm, oneOneNormEstimate } from './probes/one-one-norm.js';
export {
  type LayerOrthogonality,
  layerOrthogonality,
  type OrthogonalityMetrics,
  orthogonalityMetrics,
} from './probes/orthogonality.js';
export {
  type SecondMomentOptions,
  type SecondMomentStats,
  secondMomentStats,
} from './probes/second-moment.js';
export {
  inRotatedBasis,
  RotatedOptimizer,
  type RotatedOptimizerApi,
  type RotatedOptions,
  RotatedState,
  rotated,
} from './rotated-optimizer.js';
export {
  type BasisChange,
  IdentityRotation,
  ROTATION_SCOPES,
  type Rotation,
  RotationBase,
  type RotationScope,
} from './rotation.js';
export { type LossCurve, slowdown } from './slowdown.js';
export { SvdRotation, type SvdRotationState } from './svd-rotation.js';
