export {
  defineExperiment,
  type Experiment,
  type ExperimentContext,
  type ExperimentResult,
  type MetricRecord,
  type MetricSink,
  type PaperComparison,
  type ProgressReporter,
  resolveConfig,
  type SummaryValue,
  throwIfAborted,
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
