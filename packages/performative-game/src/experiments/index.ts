/**
 * The paper's claims as paperkit experiments (`paperkit run performative-game/<name>`).
 * `tradeoff` is the headline that `paperkit repro` runs.
 * @packageDocumentation
 */
import { anarchy } from './anarchy.js';
import { architectures } from './architectures.js';
import { rrm } from './rrm.js';
import { tradeoff } from './tradeoff.js';
import { trustAblation } from './trust-ablation.js';
import { trustGradient } from './trust-gradient.js';
import { trustOscillation } from './trust-oscillation.js';

export { anarchy, architectures, rrm, tradeoff, trustAblation, trustGradient, trustOscillation };

/** Every experiment of this package, for the runner registry. */
export const experiments = [
  tradeoff,
  anarchy,
  rrm,
  trustOscillation,
  architectures,
  trustGradient,
  trustAblation,
] as const;
