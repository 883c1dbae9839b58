/**
 * @paperkit/tensor-core: the shared foundation of every paperkit package.
 * @packageDocumentation
 */
export * from './backend/index.js';
export * from './data/index.js';
export * from './experiment/index.js';
export * from './linalg/index.js';
export * from './metrics/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './params/index.js';
export * from './random/index.js';
export * from './stats/index.js';
export * from './train/index.js';
export * from './validate/index.js';
