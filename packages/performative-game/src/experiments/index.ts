/**
 * The paper's claims as paperkit experiments (`paperkit run performative-game/<name>`).
 * `tradeoff` is the headline that `paperkit repro` runs.
 * @packageDocumentation
 */
import { anarchy } from './anarchy.js';
import { rrm } from './rrm.js';
import { tradeoff } from './tradeoff.js';
import { trustOscillation } from './trust-oscillation.js';

export { anarchy, rrm, tradeoff, trustOscillation };

/** Every experiment of this package, for the runner registry. */
export const experiments = [tradeoff, anarchy, rrm, trustOscillation] as const;
