import { applyMlp, initMlp, type LabeledArrays, type ParamMap, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { fourGroupTask, groupedGaussianTask } from '../src/experiments/synthetic-data.js';
import type { FunctionalClassifier, TrainingBatch } from '../src/index.js';
import { encodeGroups, type GroupSpec } from '../src/index.js';

/** A small MLP classifier on tensor-core's ParamMap. */
export function mlpClassifier(sizes: number[], seed = 1): FunctionalClassifier & { params: ParamMap } {
  const params = initMlp(Rng.fromSeed(seed).stream('init'), { sizes });
  return { params, forward: (p, x) => applyMlp(p, x, { sizes }) };
}

/** The four-group task at a small size. */
export function smallTask(n: number, seed = 0): { data: LabeledArrays; groups: Int32Array } {
  return groupedGaussianTask(fourGroupTask(), n, Rng.fromSeed(seed).stream('data'));
}

/** A training batch from host rows. */
export function makeBatch(features: number[][], labels: number[], groups: GroupSpec): TrainingBatch {
  const d = features[0]!.length;
  return {
    x: tf.tensor2d(features.flat(), [features.length, d]),
    y: tf.tensor1d(labels, 'int32'),
    labels: Int32Array.from(labels),
    groups: encodeGroups(groups, labels.length),
  };
}

/** Per-example softmax cross-entropy on the host: logsumexp(z) − z_y. */
export function hostCrossEntropy(logits: number[], y: number): number {
  const m = Math.max(...logits);
  return m + Math.log(logits.reduce((s, z) => s + Math.exp(z - m), 0)) - logits[y]!;
}
