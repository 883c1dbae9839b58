import type { Experiment } from '@paperkit/tensor-core';
import { mnistMlp } from './mnist-mlp.js';

/** The runner's own experiments (a demo that exercises the whole chain). */
export const experiments: readonly Experiment[] = [mnistMlp];
