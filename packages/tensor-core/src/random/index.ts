export { Rng, type RngState } from './rng.js';
export { bernoulliMask, dropoutMask, randomNormal, randomUniform, truncatedNormal } from './tensors.js';
