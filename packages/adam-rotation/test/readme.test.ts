import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

// The README's usage example, verbatim apart from the step count and the assertions.
it('the README example runs', async () => {
  const { createRotation, gradientLinfBound, layerOrthogonality, rotated } = await import('../src/index.js');
  const {
    AdamW,
    applyTransformer,
    initBackend,
    initTransformer,
    languageModelBatch,
    languageModelLoss,
    Rng,
    zipfMarkovText,
  } = await import('@paperkit/tensor-core');
  const STEPS = 5;

  await initBackend({ prefer: 'wasm', blas: 'off' });
  const rng = Rng.fromSeed(0);
  const model = { vocabSize: 64, contextLength: 16, dModel: 32, heads: 2, layers: 2 };
  const params = initTransformer(rng.stream('init'), model);
  const text = zipfMarkovText(rng.stream('data'), { vocabSize: 64, count: 8 * STEPS, length: 17 });
  const batch = (step: number) =>
    languageModelBatch(
      text.tokens,
      17,
      Array.from({ length: 8 }, (_, k) => step * 8 + k),
    );
  const loss = (p: Record<string, tf.Tensor>, b: { inputs: tf.Tensor; targets: tf.Tensor }) =>
    languageModelLoss(applyTransformer(p, b.inputs, model), b.targets);

  // AdamW in a globally rotated basis: R = (R_32 ⊕ … ⊕ R_32)·P_π; weight decay stays in the original basis.
  const rotation = createRotation(params, { scope: 'global', blockSize: 32, rng: rng.stream('rotation') });
  const opt = rotated(new AdamW({ lr: 3e-3, weightDecay: 0.1, clipNorm: 1 }), rotation, {
    trackDirection: true,
  });
  for (let step = 0; step < STEPS; step++) {
    const b = batch(step);
    opt.minimize(() => loss(params.tensors(), b), params).dispose();
    tf.dispose([b.inputs, b.targets]);
  }

  // The paper's probes on the result: update orthogonality per layer (Q, K, V apart) and the L∞ bound.
  const cv = await layerOrthogonality(opt.lastDirection()!, params);
  // Alg. 1: the largest rotated gradient entry over T different minibatches. The loss gets the batch
  // index i; the tensors batch(i) creates are freed by the probe.
  const held = tf.memory().numTensors;
  const linf = await gradientLinfBound((p, i) => loss(p, batch(i)), params, { batches: STEPS, rotation });
  expect(tf.memory().numTensors).toBe(held);

  expect(cv.map((c) => c.layer)).toContain('block0.attn.qkv.weight#2');
  // Each index is its own minibatch, so the per-batch maxima differ, and C̃ is their maximum.
  expect(new Set(linf.perBatch).size).toBe(STEPS);
  expect(linf.bound).toBe(Math.max(...linf.perBatch));
  opt.dispose();
  params.dispose();
});

// The README's model.fit example, verbatim apart from the data and the assertions.
it('the README model.fit example runs', async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const { AdamW, initBackend, paramsFromLayersModel, Rng, randomNormal, toTfjsOptimizer } = await import(
    '@paperkit/tensor-core'
  );
  const { createRotation, rotated } = await import('../src/index.js');
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const data = Rng.fromSeed(4);
  const xs = randomNormal(data, [128, 64]);
  const ys = tf.tidy(() => tf.oneHot(tf.argMax(tf.matMul(xs, randomNormal(data, [64, 10])), 1), 10));

  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [64], units: 32, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const fanIn = createRotation(paramsFromLayersModel(model), { scope: 'fanIn', rng: Rng.fromSeed(1) });
  const optimizer = toTfjsOptimizer(rotated(new AdamW({ lr: 3e-3 }), fanIn), { model });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const h = await model.fit(xs, ys, { epochs: 5, batchSize: 32, verbose: 0 });

  const loss = h.history.loss as number[];
  expect(loss[4]).toBeLessThan(loss[0]! * 0.8);
  const state = optimizer.optimizer.getState();
  expect(state.optimizer).toBe('RotatedAdamW');
  expect(state.transform.kind).toBe('inRotatedBasis');
  expect(Object.keys(state.params)).toEqual(['0/kernel', '0/bias', '1/kernel', '1/bias']);
  optimizer.dispose();
  model.dispose();
  tf.dispose([xs, ys]);
});
