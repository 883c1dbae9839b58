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
  const probe = batch(0);
  const linf = await gradientLinfBound((p) => loss(p, probe), params, { batches: 4, rotation });

  expect(cv.map((c) => c.layer)).toContain('block0.attn.qkv.weight#2');
  expect(cv.every((c) => c.cv > 0)).toBe(true);
  expect(linf.bound).toBeGreaterThan(0);
  tf.dispose([probe.inputs, probe.targets]);
  opt.dispose();
  params.dispose();
});
