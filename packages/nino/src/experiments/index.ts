/**
 * The experiments of @paperkit/nino (`@paperkit/nino/experiments`) for the `paperkit` runner:
 * `nino/speedup` (the headline that `paperkit repro` runs) and `nino/meta-train`.
 * @packageDocumentation
 */
import { metaTrainExperiment } from './meta-train.js';
import { speedup } from './speedup.js';

export { type CheckpointSource, setCheckpointSource, shippedCheckpoint } from './checkpoints.js';
export {
  META_NETWORKS,
  type MetaNetwork,
  type MetaTrainExperimentConfig,
  type MetaTrainMetric,
  metaTrainBase,
  metaTrainCell,
  metaTrainExperiment,
  metaTrainQuick,
  metaTrainSchema,
} from './meta-train.js';
export { type RunResult, type RunSettings, stepsToTarget, trainWithNowcasts } from './nowcast-training.js';
export { PAPER } from './shared.js';
export {
  ADAM_FINAL_LOSS,
  SPEEDUP_METHODS,
  SPEEDUP_TARGETS,
  type SpeedupCell,
  type SpeedupConfig,
  type SpeedupMethod,
  type SpeedupMetric,
  speedup,
  speedupBase,
  speedupCell,
  speedupQuick,
  speedupSchema,
} from './speedup.js';
export { makeTask, SPEEDUP_TASKS, type SpeedupTask, type TaskData, type TaskInstance } from './tasks.js';

/** Every experiment of this package, for the runner registry; `nino/speedup` is the headline. */
export const experiments = [speedup, metaTrainExperiment] as const;
