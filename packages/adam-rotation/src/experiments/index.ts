/**
 * The paper's claims as runnable experiments for the `paperkit` runner.
 * @packageDocumentation
 */
import { probesExperiment } from './probes.js';
import { quadraticExperiment } from './quadratic.js';
import { tinyTransformerExperiment } from './tiny-transformer.js';
import { zipfBigramExperiment } from './zipf-bigram.js';

export { bigramChain, bigramTask, initBigram } from './bigram.js';
export { probesExperiment } from './probes.js';
export { quadraticExperiment } from './quadratic.js';
export { tinyTransformerExperiment } from './tiny-transformer.js';
export { zipfBigramExperiment } from './zipf-bigram.js';

/** Every experiment of this package (the headline is `adam-rotation/zipf-bigram`). */
export const experiments = [
  quadraticExperiment,
  zipfBigramExperiment,
  tinyTransformerExperiment,
  probesExperiment,
] as const;
