export { Rng, type RngState } from './rng.js';
export { bernoulliMask, randomNormal, randomUniform, truncatedNormal } from './tensors.js';
