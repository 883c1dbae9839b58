export { abortPoint, throwIfAborted, yieldToEventLoop } from './abort.js';
export {
  type ClaimResult,
  claimResults,
  type ExperimentSummary,
  rowsOf,
  summarizeExperiment,
} from './aggregate.js';
export type { CellContext, CellResult, ImagesData, MatrixData, ProgressReporter, XY } from './cell.js';
export { type Cell, type CellParams, cellOf, cellSlug, checkCells, grid } from './cells.js';
export {
  above,
  atLeast,
  atMost,
  type Better,
  below,
  bestGap,
  bestOf,
  claim,
  derived,
  inRange,
  leadOver,
  minPairedGap,
  near,
  printed,
  qualitative,
  spread,
} from './claim-builders.js';
export { type ClaimWords, claimIf, claimOf } from './claim-words.js';
export {
  type Claim,
  computed,
  describeExpectation,
  diff,
  type Expectation,
  maxOver,
  meanOver,
  minOver,
  PROVENANCES,
  type Provenance,
  type Reference,
  ratio,
  type TableMetric,
  value,
} from './claims.js';
export {
  defaultSeeds,
  defineExperiment,
  type Experiment,
  type MetricSpec,
  type Preset,
  resolveConfig,
} from './define.js';
export { checkCellResult, type RunCellsOptions, runCells } from './engine.js';
export { type SeriesHeatmapOptions, seriesHeatmap } from './heatmap-view.js';
export { decodeNumber, encodeNumber, encodeNumbers, stringifyWithNumbers } from './json-numbers.js';
export { type MetricLinesOptions, metricLines } from './metric-lines-view.js';
export { checkPaperRef, formatCitation, type PaperRef } from './paper.js';
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
export { type FirstSeedCurvesOptions, firstSeedCurves, fixedPlot } from './single-run-views.js';
export {
  type CellStatistic,
  parseCsv,
  type ResultRow,
  ResultsTable,
  resultsFromCsv,
  resultsToCsv,
  SeedTable,
  type Where,
} from './table.js';
export { trainInCell } from './train-in-cell.js';
export { evaluateClaim, judge, type Verdict, type VerdictStatus } from './verdict.js';
export { type BarsOptions, bars, type CurvesOptions, curves, deltaBars } from './view-builders.js';
export {
  type BarsView,
  buildPlot,
  type CellRecord,
  type CustomView,
  type GridView,
  type ImagesView,
  type LinesView,
  type MatrixView,
  meanCurve,
  type PlotView,
  type ScatterView,
} from './views.js';
export { ZIPF_LM_BASE, ZIPF_LM_QUICK, zipfLanguageModelFields } from './zipf-lm-fields.js';
