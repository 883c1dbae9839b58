import { initBackend, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import {
  consistencyPattern,
  fitMechanismSparsity,
  graphicalCriterion,
  interventionCriterion,
  namedGraph,
  SMALL_ARCHITECTURE,
  syntheticDataset,
} from '../src/index.js';

it('the README usage example runs and returns what it says', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const before = tf.memory().numTensors;
  const ds = syntheticDataset(Rng.fromSeed(0), {
    setting: 'action',
    latentDim: 4,
    observedDim: 8,
    splits: { train: 4000 },
  });
  const { x, actions, z } = ds.splits.train!;
  const observations = { rows: 4000, cols: 8, data: x };
  const fit = await fitMechanismSparsity(
    { observations, actions: { rows: 4000, cols: 4, data: actions! } },
    {
      latentDim: 4,
      sparsity: { kind: 'constraint', action: 8, annealSteps: 100 },
      architecture: SMALL_ARCHITECTURE,
      steps: 200,
      batchSize: 256,
      lr: 1e-3,
      maskLr: 1e-2,
      evaluation: { observations, latents: { rows: 4000, cols: 4, data: z }, graphs: ds.graphs },
    },
  );
  expect([fit.graphs.action!.rows, fit.graphs.action!.cols]).toEqual([4, 4]);
  expect(fit.scores!.mcc).toBeGreaterThan(0.3);
  expect(fit.scores!.mcc).toBeLessThanOrEqual(1);
  const zHat = fit.encode(observations);
  expect([zHat.rows, zHat.cols]).toEqual([4000, 4]);
  fit.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('the README graph-theory example says what the README says', () => {
  const easy = namedGraph('graph_action_3_easy');
  expect(graphicalCriterion({ action: easy }).holds).toBe(false);
  const c = consistencyPattern({ action: easy });
  for (let i = 0; i < 10; i++)
    for (let j = 0; j < 10; j++) expect(c.data[i * 10 + j]).toBe(i >> 1 === j >> 1 ? 1 : 0);
  expect(
    interventionCriterion(
      [
        [0, 1],
        [1, 2],
        [0, 2],
      ],
      3,
    ).holds,
  ).toBe(true);
});
