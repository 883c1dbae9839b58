/**
 * Data on the host: seeded minibatching, synthetic generators (teacher–student, Gaussian mixtures,
 * Zipfian Markov text, two moons) and the invertible mixings of identifiability benchmarks. The MNIST
 * digits live in their own package, `@paperkit/mnist`, so that the 41 MB of data reach only the
 * projects that train on them.
 */
export {
  BatchCursor,
  type BatchOptions,
  batchCount,
  batches,
  gatherBatch,
  gatherRows,
  type LabeledArrays,
  languageModelBatch,
} from './batches.js';
export { type GaussianMixtureConfig, type GaussianMixtureData, gaussianMixture } from './gaussian-mixture.js';
export {
  type EntropyRateOptions,
  type MarkovChain,
  type MarkovText,
  markovEntropyRate,
  markovRowEntropies,
  markovSequenceEntropy,
  markovTransitionMatrix,
  sampleMarkovSequences,
  type ZipfMarkovConfig,
  type ZipfMarkovTextConfig,
  zipfMarkovChain,
  zipfMarkovText,
  zipfWeights,
} from './markov-text.js';
export {
  applyMixing,
  checkMixing,
  type InvertibleMlpMixingConfig,
  invertibleMlpMixing,
  invertMixing,
  type LinearMixing,
  type LinearMixingConfig,
  linearMixing,
  MIXING_LEAKY_SLOPE,
  type Mixing,
  type MlpMixing,
  minJacobianSingularValue,
  mixingJacobian,
  mixObservations,
  type ObservationOptions,
  type Observations,
} from './mixing.js';
export {
  type TeacherActivation,
  type TeacherNet,
  type TeacherStudentConfig,
  type TeacherStudentData,
  teacherLogits,
  teacherStudent,
} from './teacher-student.js';
export { type TwoMoonsConfig, twoMoons } from './two-moons.js';
export { avgPool2x2, type FeatureStats, featureStats, oneHot, standardize } from './transforms.js';
