import { experiments as performativeGame } from '@paperkit/performative-game/experiments';
import type { Experiment } from '@paperkit/tensor-core';
import { experiments as demo } from './demo/index.js';

/** The experiments one npm package contributes (its `@paperkit/<pkg>/experiments` export). */
export interface ExperimentPackage {
  /** npm name, used for the manifest's `package` field (`name@version`). */
  readonly name: string;
  readonly experiments: readonly Experiment[];
}

/**
 * Every package whose experiments the CLI knows, one line per package. To add a paper package: import
 * its `experiments` from `@paperkit/<pkg>/experiments` above, add `{ name: '@paperkit/<pkg>',
 * experiments }` below, and `"@paperkit/<pkg>": "workspace:^"` to this app's dependencies.
 */
export const packages: readonly ExperimentPackage[] = [
  { name: '@paperkit/runner', experiments: demo },
  { name: '@paperkit/performative-game', experiments: performativeGame },
];

/** All registered experiments, in registration order. */
export const experiments: readonly Experiment[] = packages.flatMap((p) => p.experiments);
