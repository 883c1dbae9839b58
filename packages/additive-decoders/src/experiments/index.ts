/**
 * The paper's claims as paperkit experiments (`paperkit run additive-decoders/<name>`):
 * `scalar-extrapolation` is the headline that `paperkit repro` runs.
 * @packageDocumentation
 */
import { blockLatents } from './block-latents.js';
import { example38Experiment } from './example-3-8.js';
import { scalarExtrapolation } from './scalar-extrapolation.js';

export { type BlockLatentsConfig, blockLatents, blockScene } from './block-latents.js';
export { type Example38Config, example38Experiment } from './example-3-8.js';
export { type ScalarExtrapolationConfig, scalarExtrapolation, scalarScene } from './scalar-extrapolation.js';
export { DECODERS, type DecoderKind, PAPER } from './shared.js';

/** Every experiment of this package, for the runner registry. */
export const experiments = [scalarExtrapolation, blockLatents, example38Experiment] as const;
