/**
 * @paperkit/causal-disentangle: mechanism-sparsity disentanglement (Lachapelle, López, Sharma,
 * Everett, Le Priol, Lacoste, Lacoste-Julien, 2024): the exact graph theory of (partial)
 * disentanglement, the reference's synthetic data generators, the masked VAE with a sparsity penalty
 * or constraint (on nupi), and the MCC / consistent-R / SHD metrics.
 * @packageDocumentation
 */

export {
  type CheckedData,
  checkSequenceData,
  type DeviceData,
  pairsFromSequence,
  type SequenceData,
  uploadData,
} from './fit/data.js';
export {
  type ConstraintTraceRecord,
  type FitEvaluation,
  type FitEvaluationRecord,
  type FitOptions,
  fitMechanismSparsity,
  type MechanismSparsityFit,
} from './fit/fit.js';
export { MaskedVaeAdam, type MaskedVaeAdamConfig, type MaskSelector } from './fit/mask-optimizer.js';
export {
  heldOutLoss,
  type ResolvedRestarts,
  type RestartOptions,
  resolveRestarts,
} from './fit/selection.js';
export {
  annealedBound,
  type ConstraintOptions,
  type DualOptions,
  type NoSparsity,
  type PenaltyOptions,
  REFERENCE_ANNEAL_STEPS,
  type ResolvedSparsity,
  resolveSparsity,
  type SparsityOptions,
} from './fit/sparsity.js';
export { type ConstraintReading, SparsityTrainer, type TrainerOptions } from './fit/trainer.js';
export {
  childInclusion,
  consistencyPattern,
  entanglementGraph,
  isGPreserving,
  parentInclusion,
  preservesGraphs,
  transposedPattern,
} from './graphs/consistency.js';
export {
  type CriterionResult,
  graphicalCriterion,
  interventionCriterion,
  interventionGraph,
} from './graphs/criterion.js';
export {
  type CheckedGraphs,
  checkGraphs,
  children,
  edgeCount,
  type Graph,
  type GraphLike,
  type GraphShape,
  type Graphs,
  graphsEqual,
  identityGraph,
  parents,
  toGraph,
} from './graphs/graph.js';
export {
  type ActionGraphName,
  defaultActionGraph,
  defaultTemporalGraph,
  type GraphName,
  NAMED_GRAPHS,
  type NamedGraphInfo,
  namedGraph,
  type TemporalGraphName,
} from './graphs/named.js';
export { type RandomGraphConfig, randomGraph } from './graphs/random.js';
export {
  type AlignedShd,
  alignedShd,
  consistentR,
  type DisentanglementScores,
  type EvaluateOptions,
  evaluateDisentanglement,
  linearR,
  stepRows,
} from './metrics/scores.js';
export {
  type ArchitectureConfig,
  PAPER_ARCHITECTURE,
  resolveArchitecture,
  SMALL_ARCHITECTURE,
} from './model/architecture.js';
export { gaussianNll, inverseSoftplus, softplusVariance } from './model/likelihood.js';
export {
  MaskedVae,
  type MaskedVaeConfig,
  type MaskMode,
  type VaeBatch,
  type VaeLoss,
} from './model/masked-vae.js';
export { edgeProbabilities, expectedEdges, hardMask, sampleGumbelSigmoid } from './model/masks.js';
export {
  applyLeakyMlp,
  applyTransition,
  initLeakyMlp,
  initTransition,
  resolveTransitionLayout,
  type TransitionInputs,
  type TransitionLayout,
  type TransitionShape,
} from './model/networks.js';
export {
  type SyntheticConfig,
  type SyntheticDataset,
  type SyntheticSplit,
  syntheticDataset,
} from './synthetic/dataset.js';
export {
  MECHANISM_VARIANCE,
  MECHANISM_VARIANTS,
  type MechanismParams,
  type MechanismVariant,
  mechanismMoments,
  TEMPORAL_STEP,
} from './synthetic/mechanisms.js';
