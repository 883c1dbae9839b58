/**
 * The paper's claims as runnable experiments for the `paperkit` runner.
 * @packageDocumentation
 */
import { continualExperiment } from './continual.js';
import { escapeExperiment } from './escape.js';
import { languageModelExperiment } from './language-model.js';
import { mnistExperiment } from './mnist.js';
import { testFunctionsExperiment } from './test-functions.js';
import { samExperiment, twoMoonsExperiment } from './two-moons.js';

export { continualMetrics } from '../continual-metrics.js';
export { ackley, goldsteinPrice, sharpFlat, sharpFlatGrad, type TestFunction2D } from '../landscapes.js';
export { continualExperiment } from './continual.js';
export { escapeExperiment } from './escape.js';
export { languageModelExperiment } from './language-model.js';
export { mnistExperiment } from './mnist.js';
export { testFunctionsExperiment } from './test-functions.js';
export { samExperiment, twoMoonsExperiment } from './two-moons.js';

/** Every experiment of this package; the headline (`paperkit repro`) is `critical-momenta/escape`. */
export const experiments = [
  escapeExperiment,
  testFunctionsExperiment,
  twoMoonsExperiment,
  mnistExperiment,
  samExperiment,
  continualExperiment,
  languageModelExperiment,
];
