/**
 * @paperkit/additive-decoders: additive decoders (Lachapelle, Mahajan, Mitliagkas, Lacoste-Julien,
 * NeurIPS 2023) on TensorFlow.js — decoders that sum one network per latent block, which makes the
 * blocks identifiable from reconstruction alone and lets the decoder render unseen combinations of
 * block values (Cartesian-product extrapolation); with the theory's tools (sufficient-nonlinearity
 * matrix, Cartesian-product extension, decoder-only extrapolation), bump-image data on the paper's
 * supports, and the LMS metrics.
 * @packageDocumentation
 */

export { BUMP_COLORS, BumpScene, type BumpSceneConfig, bump, bumpDerivatives } from './data/bumps.js';
export {
  type BlockSupportOptions,
  type Box,
  boxSupport,
  cartesianProductExtension,
  checkBox,
  checkSupport,
  independentNoOcclusionSupport,
  lShapedSupport,
  outOfSupport,
  type Support,
  scmLinearSupport,
} from './data/supports.js';
export {
  columns,
  type LmsResult,
  type LmsTreeOptions,
  type LmsTreePartitionScore,
  type LmsTreeResult,
  lmsSpearman,
  lmsTree,
  type RmseOptions,
  reconstructionRmse,
} from './metrics/lms.js';
export { RegressionTree, type RegressionTreeOptions } from './metrics/regression-tree.js';
export {
  Autoencoder,
  type AutoencoderConfig,
  resolveDecoderPartition,
} from './models/autoencoder.js';
export { DEFAULT_LEAKY_SLOPE, type HiddenActivation } from './models/block-mlp.js';
export {
  AdditiveDecoder,
  DEFAULT_DECODER_HIDDEN,
  type DecoderConfig,
  nonAdditiveDecoder,
} from './models/decoder.js';
export type { DeconvConfig, DeconvSpec } from './models/deconv.js';
export { DEFAULT_ENCODER_HIDDEN, Encoder, type EncoderConfig } from './models/encoder.js';
export {
  decodeRows,
  encodeRows,
  type HostRows,
  mapRows,
  reconstructionMse,
  reconstructRows,
} from './models/host.js';
export {
  blockIndexOf,
  checkPartition,
  contiguousPartition,
  type Partition,
  partitionSize,
  partitionsWithBlockSizes,
  scalarPartition,
} from './partition.js';
export { cartesianIdentityResidual, cartesianProduct, linspace } from './theory/cartesian-product.js';
export {
  type BlockMaps,
  extrapolateWithDecoder,
  type FitBlockMapsOptions,
  fitBlockMaps,
  MonotoneMap,
  mapLatents,
} from './theory/extrapolation.js';
export { bumpSceneMap, decoderMap } from './theory/maps.js';
export {
  type AdditiveMap,
  example38,
  example38DetW,
  type SufficientNonlinearityOptions,
  type SufficientNonlinearityReport,
  sufficientNonlinearity,
  sufficientNonlinearityColumns,
  sufficientNonlinearityMatrix,
} from './theory/sufficient-nonlinearity.js';
export type { ScreenMode } from './training/screen.js';
export {
  type AutoencoderFit,
  TRAIN_DEFAULTS,
  type TrainAutoencoderOptions,
  trainAutoencoder,
} from './training/train-autoencoder.js';
