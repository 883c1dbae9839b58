import { initBackend, matmul, meanCorrelationCoefficient, Rng, SGD } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import {
  alphaWeights,
  applyLinear,
  axisAlignmentLoss,
  gridDataset,
  gridRecovery,
  recoverLinear2D,
} from '../src/index.js';

it('the README usage example runs and gives what it says', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const data = gridDataset(Rng.fromSeed(0), { kind: 'non-factorized', n: 3000 });
  const { unmixing } = await recoverLinear2D(data.x);
  const zHat = applyLinear(unmixing, data.x);
  expect(meanCorrelationCoefficient(data.z, zHat).mcc).toBeGreaterThan(0.99);
  const grid = gridRecovery(matmul(unmixing, data.mixing!), data.grid.separators, { samples: data.z });
  expect(grid.permutation).not.toBeNull();
  expect(grid.codeAgreement).toBeGreaterThan(0.7);
  expect(grid.maxRelativeSpread).toBeLessThan(0.3);
});

it('the README training example runs and lowers the loss', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const { x } = gridDataset(Rng.fromSeed(1), { kind: 'factorized', n: 2000 });
  const { alpha } = await alphaWeights(x);
  const xs = tf.tensor2d(Float32Array.from(x.data), [x.rows, 2]);
  const W = tf.variable(tf.tensor2d([1, 0.3, -0.2, 1], [2, 2]));
  const opt = new SGD({ lr: 0.1, momentum: 0.9 });
  const lossOf = () => axisAlignmentLoss(tf.matMul(xs, W, false, true) as tf.Tensor2D, { alpha });
  const before = tf.tidy(lossOf).dataSync()[0]!;
  for (let step = 0; step < 20; step++) opt.minimize(lossOf, { W }).dispose();
  const after = tf.tidy(lossOf).dataSync()[0]!;
  expect(after).toBeLessThan(before);
  opt.dispose();
  tf.dispose([xs, W]);
});
