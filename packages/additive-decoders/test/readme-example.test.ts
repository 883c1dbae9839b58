import { initBackend, Rng } from '@paperkit/tensor-core';
import { expect, it } from 'vitest';
import {
  BumpScene,
  bumpSceneMap,
  encodeRows,
  example38,
  extrapolateWithDecoder,
  fitBlockMaps,
  lmsSpearman,
  lShapedSupport,
  outOfSupport,
  reconstructionRmse,
  sufficientNonlinearity,
  trainAutoencoder,
} from '../src/index.js';

it('the README usage example runs and gives numbers in the ranges it states', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const rng = Rng.fromSeed(0);
  const scene = new BumpScene({ latents: 'scalar', size: 16 }); // two balls; latent i = height of ball i
  const support = lShapedSupport(); // [1, 4]² without the square y₁ > 2.5 ∧ y₂ > 2.5
  const zTrain = support.sample(rng.stream('train'), 2000);
  const xTrain = scene.render(zTrain);
  const fit = await trainAutoencoder({
    train: xTrain,
    validation: scene.render(support.sample(rng.stream('val'), 500)),
    inputDim: scene.outputDim,
    latentDim: 2,
    decoder: 'additive-scalar', // or 'non-additive', or any partition such as [[0, 1], [2, 3]]
    steps: 300, // the headline experiment: restarts: 8, screenSteps: 250, steps: 1500
    restarts: 1,
    lr: 2e-3,
    rng: rng.stream('model'),
  });
  const zHat = await encodeRows(fit.model, xTrain);
  const { lms, assignment } = lmsSpearman(
    { rows: 2000, cols: 2, data: zTrain },
    { rows: 2000, cols: 2, data: zHat },
  );
  // Decoder-only extrapolation: map true latents to learned ones block by block, decode the unseen square.
  const maps = fitBlockMaps({ z: zTrain, zHat, truePartition: scene.partition, assignment });
  const zOos = outOfSupport(support).sample(rng.stream('oos'), 500);
  const rmse = reconstructionRmse(
    scene.render(zOos),
    await extrapolateWithDecoder(fit.model.decoder, maps, zOos),
  );
  fit.dispose();
  expect(lms).toBeGreaterThan(50);
  expect(lms).toBeLessThanOrEqual(100);
  expect(rmse).toBeGreaterThan(0);
  expect(rmse).toBeLessThan(0.5);

  // Sufficient nonlinearity on Example 3.8 and on the bump renderer.
  const ex = sufficientNonlinearity(example38, [-0.5, 0.5]);
  expect(ex.det).toBeCloseTo(384, 9); // = 24·(z₂ + 1 − z₁)⁴
  const rgb = new BumpScene({ latents: 'scalar', size: 64, channels: 'rgb', background: 'white' });
  const bumps = sufficientNonlinearity(bumpSceneMap(rgb), [2, 3]);
  expect(bumps.normalizedVolume).toBeGreaterThan(0.9716);
  expect(bumps.normalizedVolume).toBeLessThanOrEqual(1 + 1e-9);
  expect(bumps.fullColumnRank).toBe(true);
});
