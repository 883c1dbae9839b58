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
