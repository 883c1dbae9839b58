import { experiments as adamRotation } from '@paperkit/adam-rotation/experiments';
import { experiments as additiveDecoders } from '@paperkit/additive-decoders/experiments';
import { experiments as causalDisentangle } from '@paperkit/causal-disentangle/experiments';
import { experiments as criticalMomenta } from '@paperkit/critical-momenta/experiments';
import { experiments as disparatePruning } from '@paperkit/disparate-pruning/experiments';
import { experiments as nino } from '@paperkit/nino/experiments';
import { experiments as nupi } from '@paperkit/nupi/experiments';
import { experiments as performativeGame } from '@paperkit/performative-game/experiments';
import { experiments as quantizedFactors } from '@paperkit/quantized-factors/experiments';
import type { Experiment } from '@paperkit/tensor-core';
import { experiments as weightSharing } from '@paperkit/weight-sharing/experiments';
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
 * experiments }` below, and `"@paperkit/<pkg>": "workspace:^"` to this app's devDependencies (not
 * its dependencies: the published CLI ships without this file and discovers the installed packages,
 * see default-registry.ts).
 */
export const packages: readonly ExperimentPackage[] = [
  { name: '@paperkit/cli', experiments: demo },
  { name: '@paperkit/performative-game', experiments: performativeGame },
  { name: '@paperkit/disparate-pruning', experiments: disparatePruning },
  { name: '@paperkit/quantized-factors', experiments: quantizedFactors },
  { name: '@paperkit/additive-decoders', experiments: additiveDecoders },
  { name: '@paperkit/adam-rotation', experiments: adamRotation },
  { name: '@paperkit/critical-momenta', experiments: criticalMomenta },
  { name: '@paperkit/nupi', experiments: nupi },
  { name: '@paperkit/weight-sharing', experiments: weightSharing },
  { name: '@paperkit/causal-disentangle', experiments: causalDisentangle },
  { name: '@paperkit/nino', experiments: nino },
];

/** All registered experiments, in registration order. */
export const experiments: readonly Experiment[] = packages.flatMap((p) => p.experiments);
