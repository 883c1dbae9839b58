/**
 * The νPI paper's claims as paperkit experiments (`paperkit run nupi/<name>`).
 * @packageDocumentation
 */
import { oscillator } from './oscillator.js';
import { rateConstraint } from './rate-constraint.js';
import { sparsity } from './sparsity.js';
import { svm } from './svm.js';

export { oscillator, rateConstraint, sparsity, svm };

/** Every experiment of this package, for the runner registry (`nupi/oscillator` is the headline). */
export const experiments = [oscillator, rateConstraint, svm, sparsity] as const;
