/**
 * The νPI paper's claims as paperkit experiments (`paperkit run nupi/<name>`); `nupi/oscillator` is
 * the headline that `paperkit repro` runs.
 * @packageDocumentation
 */
import { fairness } from './fairness.js';
import { oscillator } from './oscillator.js';
import { rateConstraint } from './rate-constraint.js';
import { sparsity } from './sparsity.js';
import { svm } from './svm.js';

export { fairness, oscillator, rateConstraint, sparsity, svm };

/** Every experiment of this package, for the runner registry. */
export const experiments = [oscillator, rateConstraint, svm, fairness, sparsity] as const;
