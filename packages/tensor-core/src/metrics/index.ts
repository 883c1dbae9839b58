/**
 * Evaluation metrics: accuracy (device and host), R², correlation matrices, the exact linear sum
 * assignment, the mean correlation coefficient (MCC) of identifiability papers, structural Hamming
 * distance between graphs, and Hessian sharpness. Matrices are row-major `MatrixLike` objects
 * `{ rows, cols, data }` (see the linalg module); results are plain float64 numbers and arrays.
 */
export { accuracy, accuracyFromLabels, accuracyFromScores } from './accuracy.js';
export { type AssignmentOptions, type AssignmentResult, linearSumAssignment } from './assignment.js';
export { pearsonCorrelationMatrix, rankColumns, spearmanCorrelationMatrix } from './correlation.js';
export {
  type CorrelationMethod,
  type MccOptions,
  type MccResult,
  meanCorrelationCoefficient,
} from './mcc.js';
export { type R2Result, r2Score } from './r2.js';
export { type SharpnessOptions, sharpness } from './sharpness.js';
export {
  type EdgeErrors,
  edgeErrors,
  permuteAdjacency,
  type ShdOptions,
  type ShdResult,
  structuralHammingDistance,
} from './shd.js';
