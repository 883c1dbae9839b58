/**
 * The paper's claims as experiments for the `paperkit` runner (`@paperkit/causal-disentangle/experiments`):
 * `causal-disentangle/action-sparsity` (the headline), `temporal-sparsity`, `partial` and the exact
 * `graph-criterion`.
 * @packageDocumentation
 */
import { actionSparsity } from './action-sparsity.js';
import { graphCriterion } from './graph-criterion.js';
import { partial } from './partial.js';
import { temporalSparsity } from './temporal-sparsity.js';

export { type ActionSparsityConfig, actionSparsity } from './action-sparsity.js';
export { type GraphCriterionConfig, graphCriterion } from './graph-criterion.js';
export { type PartialConfig, pairedActionGraph, partial } from './partial.js';
export {
  LATENT_SERIES,
  METHODS,
  type Method,
  PAPER,
  TRAINED_METRICS,
  type TrainedMetric,
  type TrainingSettings,
  trainCell,
  trainingFields,
} from './shared.js';
export { type TemporalSparsityConfig, temporalSparsity } from './temporal-sparsity.js';

/** Every experiment of the package, the headline first. */
export const experiments = [actionSparsity, temporalSparsity, partial, graphCriterion] as const;
