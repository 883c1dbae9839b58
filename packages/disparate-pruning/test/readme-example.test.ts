import { loadMnist } from '@paperkit/mnist';
import {
  Adam,
  applyMlp,
  batches,
  gatherBatch,
  initBackend,
  initMlp,
  Rng,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { constrainDisparity, prunedCount } from '../src/index.js';

it('the README usage example runs and returns what the README says', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const { train, test } = loadMnist({ size: 14 });
  const sizes = [196, 64, 64, 10];
  const params = initMlp(Rng.fromSeed(0), { sizes });
  const forward = (p: Record<string, tf.Tensor>, x: tf.Tensor) => applyMlp(p, x, { sizes });
  const dense = new Adam({ lr: 1e-3 });
  for (let epoch = 0; epoch < 3; epoch++)
    for (const idx of batches(train.count, 128, Rng.fromSeed(epoch))) {
      const { x, y } = gatherBatch(train, idx);
      dense
        .minimize(() => softmaxCrossEntropy(forward(params.tensors(), x), y) as tf.Scalar, params)
        .dispose();
      tf.dispose([x, y]);
    }
  const optimizer = new Adam({ lr: 1e-3 });
  const result = await constrainDisparity({ params, forward }, train, train.labels, {
    sparsity: 0.95,
    epsilon: 0.01,
    epochs: 8,
    pruning: { end: 3 },
    optimizer,
    test: { data: test, groups: test.labels },
  });
  expect(result.train.rows).toHaveLength(10);
  expect(result.train.rows.map((r) => r.name)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  expect(result.test!.rows).toHaveLength(10);
  const masked = [196 * 64, 64 * 64, 64 * 10];
  expect(result.optimizer.sparsity().overall).toBe(
    masked.reduce((s, n) => s + prunedCount(n, 0.95), 0) / masked.reduce((a, b) => a + b, 0),
  );
  expect(result.train.sparseAccuracy).toBeGreaterThan(0.7);
  expect(Number.isFinite(result.train.maxExcessGap)).toBe(true);
  result.optimizer.dispose();
  optimizer.dispose();
  dense.dispose();
  params.dispose();
});
