/**
 * @paperkit/quantized-factors: quantized-factor identifiability (Barin-Pacela, Ahuja, Lacoste-Julien,
 * Vincent, CLeaR 2024): grid densities with axis-aligned discontinuities and their quantisers, the
 * identifiability statement as a check, Parzen log-density gradients (chunked, with a hand-written
 * gradient), the density-gradient axis-alignment criterion, linear recovery (the paper's gradient
 * training and a robust 2-D angle search), an experimental invertible nonlinear recovery, and the ICA
 * baselines (2-D kurtosis ICA, FastICA).
 * @packageDocumentation
 */
export {
  ALPHA_MODES,
  type AlphaMode,
  type AlphaModeOptions,
  type AlphaWeights,
  type AlphaWeightsOptions,
  alphaFromNorms,
  alphaWeights,
} from './alpha.js';
export {
  type AngleLandscape,
  type AngleRecovery,
  type AngleSearchOptions,
  angleLandscape,
  type LinearRecovery,
  type RecoverLinear2DOptions,
  recoverLinear2D,
  rowAngleMap,
  rowAngles,
} from './angle-search.js';
export {
  axisAlignmentLoss,
  CRITERION_TERMS,
  type CriterionOptions,
  type CriterionResult,
  type CriterionTerm,
  type CriterionWeights,
  criterion,
} from './criterion.js';
export {
  applyLinear,
  factorizedSupportPriors,
  GRID_DATASET_KINDS,
  type GridDataset,
  type GridDatasetKind,
  type GridDatasetOptions,
  gridDataset,
  nonFactorizedSupportPriors,
  referenceLinearMap,
} from './datasets.js';
export {
  contrast,
  type FastIcaContrast,
  type FastIcaOptions,
  type FastIcaResult,
  fastIca,
  fastIcaStep,
  symmetricDecorrelation,
} from './fastica.js';
export {
  checkPriors,
  type GridSample,
  ManhattanUniform,
  type ManhattanUniformOptions,
  PRIOR_SUM_TOLERANCE,
  softmax,
} from './grid.js';
export { type IcaResult, type KurtosisIcaOptions, type KurtosisIcaResult, kurtosisIca2D } from './ica.js';
export {
  applyPointMap,
  type GridRecoveryOptions,
  type GridRecoveryResult,
  gridRecovery,
  type MappedSeparator,
  type PointMap,
} from './identifiability.js';
export {
  checkFullRank,
  composeMaps,
  conditionRatio,
  type LinearMapLossOptions,
  linearMapLosses,
  PREPROCESS,
  type Preprocess,
  preprocessMatrix,
  RANK_TOLERANCE,
} from './linear-maps.js';
export {
  type InvertibleRecovery,
  type TrainInvertibleOptions,
  trainInvertibleUnmixing,
} from './nonlinear.js';
export {
  checkPoints,
  DEFAULT_CHUNK_ELEMENTS,
  defaultChunkSize,
  type ParzenOptions,
  parzenLogDensity,
  parzenLogDensityGradient,
  parzenScore,
} from './parzen.js';
export { parzenLogDensity64, parzenLogDensityGradient64 } from './parzen64.js';
export { checkSeparators, quantize } from './quantize.js';
export { columnMoments, standardizeColumns, standardizeColumns64, TINY } from './standardize.js';
export {
  type EpochReport,
  type GradientRecovery,
  type TrainLinearOptions,
  trainLinearUnmixing,
} from './train-linear.js';
export { type Whitening, whiten } from './whiten.js';
