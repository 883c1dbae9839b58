/**
 * The paper's claims as experiments for the `paperkit` runner (`paperkit run adam-rotation/<name>`).
 * `zipf-bigram` is the headline that `paperkit repro` runs.
 * @packageDocumentation
 */
import { blockSize } from './block-size.js';
import { cnn } from './cnn.js';
import { paramType } from './param-type.js';
import { probes } from './probes.js';
import { quadratic } from './quadratic.js';
import { tinyTransformer } from './tiny-transformer.js';
import { zipfBigram } from './zipf-bigram.js';

export { blockSize, cnn, paramType, probes, quadratic, tinyTransformer, zipfBigram };

/** Every experiment of this package, for the runner registry. */
export const experiments = [
  quadratic,
  zipfBigram,
  tinyTransformer,
  probes,
  cnn,
  blockSize,
  paramType,
] as const;
