/**
 * Small models as pure functions over named parameters: `init*(rng, config, into?) → ParamMap` draws
 * seeded initial values (each tensor from its own named sub-stream), `apply*(params, x, config)` is
 * the forward pass, usable inside `tf.variableGrads`/`tf.grads`.
 */
export { ACTIVATIONS, type Activation, activate, checkActivation, LEAKY_RELU_SLOPE } from './activations.js';
export { applyCnn, assertCnnTrainable, type CnnConfig, cnnFeatureShape, initCnn } from './cnn.js';
export { type ConvPadding, conv2dSame, im2colConv2dSame } from './conv-same.js';
export {
  DEFAULT_GRADIENT_TOLERANCE,
  type GradientCheckOptions,
  type GradientCheckResult,
  type GradientComparison,
  type GradientTolerance,
  gradientCheck,
  gradientMismatches,
} from './grad-check.js';
export {
  addDense,
  checkWeightInit,
  type DenseOptions,
  initBias,
  initWeight,
  type WeightInit,
} from './init.js';
export { dense, layerNorm, type ParamTensors, param } from './layers.js';
export {
  binaryCrossEntropyWithLogits,
  meanSquaredError,
  type Reduction,
  softmaxCrossEntropy,
} from './losses.js';
export { applyMlp, initMlp, type MlpConfig, mlpActivations } from './mlp.js';
export { ConstantMatrix, stopGradient } from './tensor-ops.js';
export {
  applyTransformer,
  causalMask,
  embeddingLookup,
  initTransformer,
  languageModelLoss,
  type TransformerConfig,
} from './transformer.js';
export {
  applyDecoder,
  applyGaussianEncoder,
  bernoulliLogLikelihood,
  type DecoderConfig,
  type DiagonalGaussian,
  diagonalGaussianKl,
  type GaussianEncoderConfig,
  gaussianKl,
  gaussianLogLikelihood,
  initDecoder,
  initGaussianEncoder,
  reparameterize,
} from './vae.js';
