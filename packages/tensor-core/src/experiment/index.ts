export type {
  CellContext,
  CellResult,
  ImagesData,
  MatrixData,
  ProgressReporter,
  XY,
} from './cell.js';
export {
  abortPoint,
  defineExperiment,
  type Experiment,
  type ExperimentContext,
  type ExperimentResult,
  type MetricRecord,
  type MetricSink,
  type PaperComparison,
  resolveConfig,
  type SummaryValue,
  throwIfAborted,
  yieldToEventLoop,
} from './contract.js';
export type {
  AxisSpec,
  BarPlot,
  HeatmapPlot,
  ImageGridPlot,
  LinePlot,
  PlotSeries,
  PlotSpec,
  ScatterPlot,
} from './plots.js';
