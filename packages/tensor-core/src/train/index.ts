export {
  cellSink,
  DivergenceError,
  type MetricRecord,
  type MetricSink,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  train,
} from './loop.js';
export {
  type ZipfLanguageModelConfig,
  type ZipfLanguageModelTask,
  zipfLanguageModelTask,
} from './zipf-language-model.js';
