/**
 * The paper's claims as paperkit experiments (`paperkit run quantized-factors/<name>`).
 * `linear-recovery` is the headline that `paperkit repro` runs.
 * @packageDocumentation
 */
import { landscape } from './landscape.js';
import { linearRecovery } from './linear-recovery.js';
import { nonlinear } from './nonlinear.js';

export { type LandscapeConfig, landscape } from './landscape.js';
export {
  LINEAR_RECOVERY_METHODS,
  type LinearRecoveryConfig,
  type LinearRecoveryMethod,
  linearRecovery,
} from './linear-recovery.js';
export { NONLINEAR_METHODS, type NonlinearConfig, nonlinear } from './nonlinear.js';

/** Every experiment of this package, for the runner registry. */
export const experiments = [linearRecovery, landscape, nonlinear] as const;
