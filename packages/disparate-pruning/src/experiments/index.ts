/**
 * The paper's claims as paperkit experiments (`paperkit run disparate-pruning/<name>`):
 * `synthetic-groups` (the headline that `paperkit repro` runs), `mnist-groups`, `intersectional`.
 * @packageDocumentation
 */
import { intersectional } from './intersectional.js';
import { mnistGroups } from './mnist-groups.js';
import { syntheticGroups } from './synthetic-groups.js';

export {
  CELL_METRICS,
  type CellMetric,
  type DenseMlpConfig,
  denseWeights,
  type FineTuneCellConfig,
  type FineTuneOutcome,
  fineTuneCell,
  type GroupedSplit,
  type ReportGrouping,
} from './fine-tune-cell.js';
export {
  INTERSECTION_LABELS,
  type IntersectionalConfig,
  intersectional,
  intersectionalTask,
} from './intersectional.js';
export {
  type DualSettings,
  dualFields,
  METHOD_LABELS,
  METHOD_NAMES,
  type MethodName,
  type MethodSetup,
  methodSetup,
} from './methods.js';
export { type MnistGroupsConfig, mnistGroups } from './mnist-groups.js';
export { METRICS, PAPER } from './shared.js';
export {
  fourGroupTask,
  type GroupedGaussianConfig,
  type GroupedSample,
  groupedGaussianTask,
} from './synthetic-data.js';
export { SYNTHETIC_GROUP_LABELS, type SyntheticGroupsConfig, syntheticGroups } from './synthetic-groups.js';

/** Every experiment of this package, for the runner registry. */
export const experiments = [syntheticGroups, mnistGroups, intersectional] as const;
