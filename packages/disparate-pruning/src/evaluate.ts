import {
  checkInteger,
  type LabeledArrays,
  PaperkitInputError,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedClassifier } from './classifier.js';
import type { GroupAssignment } from './groups.js';
import { type GroupRates, groupRates } from './metrics.js';

/** Per-example results of a model on a dataset, on the host. */
export interface Predictions {
  /** 1 where argmax(logits) equals the label (ties to the lowest class, as `tf.argMax`), else 0. */
  readonly correct: Uint8Array;
  /** Cross-entropy per example (nats). */
  readonly losses: Float64Array;
}

/** Accuracy and mean loss of a model, overall and per group. */
export interface GroupStats {
  readonly accuracy: GroupRates;
  readonly loss: GroupRates;
}

/** Checks that `data` is a labelled host dataset of at least one row. */
export function checkData(parameter: string, data: LabeledArrays): void {
  if (
    data === null ||
    typeof data !== 'object' ||
    !(data.features instanceof Float32Array) ||
    !(data.labels instanceof Int32Array)
  )
    throw new PaperkitInputError(
      parameter,
      data,
      'a LabeledArrays { features: Float32Array, labels: Int32Array, featureShape, count }',
    );
  checkInteger(`${parameter}.count`, data.count, 1);
  if (data.labels.length !== data.count)
    throw new PaperkitInputError(
      `${parameter}.labels`,
      `length ${data.labels.length}`,
      `length ${data.count} (count)`,
    );
  const row = data.featureShape.reduce((a, b) => a * b, 1);
  if (data.features.length !== data.count * row)
    throw new PaperkitInputError(
      `${parameter}.features`,
      `length ${data.features.length}`,
      `length ${data.count * row} (count × featureShape)`,
    );
}

/**
 * Runs the model in evaluation mode (`training: false`) over `data` in chunks and returns per-example
 * correctness and loss: one host read per chunk, no gradient tape.
 */
export function predict(model: ResolvedClassifier, data: LabeledArrays, chunk = 2048): Predictions {
  checkData('data', data);
  checkInteger('chunk', chunk, 1);
  const n = data.count;
  const row = data.featureShape.reduce((a, b) => a * b, 1);
  const correct = new Uint8Array(n);
  const losses = new Float64Array(n);
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const labels = data.labels.subarray(start, end);
    const host = tf.tidy(() => {
      const x = tf.tensor(data.features.subarray(start * row, end * row), [
        end - start,
        ...data.featureShape,
      ]);
      const y = tf.tensor1d(labels, 'int32');
      const logits = model.logits(x, false);
      const loss = softmaxCrossEntropy(logits, y, 'none');
      return tf.concat([logits, tf.reshape(loss, [-1, 1])], 1);
    });
    const values = host.dataSync();
    const width = host.shape[1]!;
    host.dispose();
    const classes = width - 1;
    for (let r = 0; r < end - start; r++) {
      const o = r * width;
      correct[start + r] = argmaxRow(values, o, classes) === labels[r] ? 1 : 0;
      losses[start + r] = values[o + classes]!;
    }
  }
  return { correct, losses };
}

/** Index of the first maximum of `values[offset … offset + classes)` (tf.argMax's tie rule). */
export function argmaxRow(values: ArrayLike<number>, offset: number, classes: number): number {
  let best = 0;
  let bestValue = values[offset]!;
  for (let c = 1; c < classes; c++) {
    const v = values[offset + c]!;
    if (v > bestValue) {
      bestValue = v;
      best = c;
    }
  }
  return best;
}

/** Accuracy and loss rates per group from {@link predict}'s output. */
export function groupStats(predictions: Predictions, groups: GroupAssignment): GroupStats {
  return { accuracy: groupRates(predictions.correct, groups), loss: groupRates(predictions.losses, groups) };
}
