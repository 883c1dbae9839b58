/**
 * @paperkit/nino: Neuron Interaction and Nowcasting networks (Knyazev, Moudgil, Lajoie, Belilovsky,
 * Lacoste-Julien, ICLR 2025) on TensorFlow.js: neural graphs of MLPs, CNNs and transformers, the NiNo
 * graph network and the WNN+/linefit baselines as pure nowcasting functions, the public checkpoints
 * and this package's own meta-trained NiNo-small, and meta-training on batched Adam trajectories.
 * @packageDocumentation
 */
export { batchGraphs } from './graph/batch.js';
export { type BuildGraphOptions, buildNeuralGraph } from './graph/build.js';
export {
  checkFlatParams,
  edgeFeatures,
  parameterSlotMask,
  paramsFromEdgeFeatures,
  paramsFromEdgeValues,
} from './graph/edge-features.js';
export {
  graphFromLayersModel,
  type LayerLike,
  type LayersModelGraph,
  type LayersModelLike,
  type LayerVariableLike,
  readLayerVariables,
  writeLayerVariables,
} from './graph/from-layers-model.js';
export { graphFromParamMap, layersFromParamMap, type ParamMapGraphOptions } from './graph/from-param-map.js';
export {
  type CnnLayersConfig,
  type ConvLayer,
  type ConvLayout,
  cnnLayers,
  type DenseLayout,
  type EmbeddingLayer,
  type FlattenLayer,
  LAYER_KINDS,
  type Layer,
  type LinearLayer,
  type MlpLayersOptions,
  mlpLayers,
  type NormLayer,
  type TransformerBlockLayer,
  type TransformerBlockNames,
  type TransformerLayersConfig,
  transformerLayers,
} from './graph/layers.js';
export { type LaplacianPEOptions, laplacianPE } from './graph/lpe.js';
export {
  AUX_EDGE_VALUE,
  EDGE_TYPES,
  type GraphParam,
  type NeuralGraph,
  type NodeGroup,
  NUM_EDGE_TYPES,
  SELF_LOOP_VALUE,
} from './graph/types.js';
export { type NowcastErrorOptions, type NowcastErrors, nowcastErrors } from './meta/evaluate.js';
export {
  batchLoss,
  type DeviceBatch,
  drawWindows,
  lpeCache,
  type MetaTrainConfig,
  type MetaTrainOptions,
  type MetaTrainResult,
  maskedL1,
  metaTrain,
  NINO_SMALL,
  type ResolvedMetaTrainConfig,
  resolveMetaTrainConfig,
  uploadBatch,
} from './meta/meta-train.js';
export {
  type MetaRecipe,
  type MetaRecipeOptions,
  type MetaRecipeResult,
  NINO_SMALL_RECIPE,
  NINO_TINY_RECIPE,
  recipeCheckpoints,
  runMetaRecipe,
} from './meta/recipe.js';
export { buildMetaBatch, type MetaBatch, type MetaBatchOptions, type WindowPick } from './meta/samples.js';
export { type TeacherTask, type TeacherTaskConfig, teacherTask } from './meta/teacher-task.js';
export {
  type GenerateOptions,
  generateTrajectories,
  type Trajectory,
  type TrajectoryConfig,
  type TrajectoryGroup,
  type TrajectoryProgress,
} from './meta/trajectories.js';
export {
  type CheckpointJson,
  type CheckpointTensor,
  fromOfficialConfig,
  type LoadCheckpointOptions,
  loadCheckpoint,
  type SaveCheckpointOptions,
  saveCheckpoint,
  toOfficialConfig,
} from './model/checkpoint.js';
export {
  NINO_DEFAULTS,
  type NinoConfig,
  type NinoTensorSpec,
  ninoParamCount,
  ninoTensorSpecs,
  resolveNinoConfig,
} from './model/config.js';
export { type Horizon, ninoForward } from './model/forward.js';
export {
  type DeviceGraph,
  gatherRows,
  meanAggregate,
  prepareDeviceGraph,
  segmentSum,
} from './model/message-passing.js';
export { NINO_INIT_STD, NinoModel } from './model/model.js';
export { linefit } from './nowcast/linefit.js';
export {
  type Nowcaster,
  type NowcastOptions,
  nowcast,
  type PreparedNowcast,
  prepareNowcast,
} from './nowcast/nowcast.js';
export {
  checkHistory,
  computeScales,
  SCALE_EPS,
  scaleParams,
  type TensorScales,
  unscaleParams,
} from './nowcast/scaling.js';
export {
  type HorizonScheduleOptions,
  horizonAt,
  horizonSchedule,
  roundHalfEven,
} from './nowcast/schedule.js';
export { type Snapshot, type SnapshotLayout, SnapshotState } from './optim/snapshot-state.js';
export {
  type NowcastEvent,
  NowcastingOptimizer,
  type NowcastingOptions,
  withNowcasting,
} from './optim/with-nowcasting.js';
