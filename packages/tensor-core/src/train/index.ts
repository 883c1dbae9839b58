export { DivergenceError, type TrainOptions, type TrainProgress, type TrainResult, train } from './loop.js';
