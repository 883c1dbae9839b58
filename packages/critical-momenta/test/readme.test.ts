import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

// The README's usage examples, verbatim apart from the step counts and the assertions.
it('the README examples run: AdamCM, SAM, and both in model.fit', async () => {
  const { initBackend, meanSquaredError, ParamMap, toTfjsOptimizer } = await import('@paperkit/tensor-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  const { AdamCM, SAM } = await import('../src/index.js');

  await initBackend({ prefer: 'wasm', blas: 'off' });
  const params = ParamMap.fromTensors({ w: { value: tf.zeros([3, 1]) }, b: { value: tf.zeros([1]) } });
  const x = tf.randomNormal([64, 3], 0, 1, 'float32', 1);
  const y = tf.matMul(x, tf.tensor2d([[1], [-2], [0.5]]));
  const loss = () => meanSquaredError(tf.add(tf.matMul(x, params.get('w')), params.get('b')), y) as tf.Scalar;

  const opt = new AdamCM({ lr: 1e-2 }); // reference semantics: C = 5, λ = 0.7, kappa 1
  for (let i = 0; i < 500; i++) opt.minimize(loss, params).dispose();
  const keys = opt.inspectBuffer('w')?.keys; // the 5 priorities of w's buffer (host-side)

  // CM combined with sharpness-aware minimisation, as in the paper's Adam+CM+SAM runs:
  const sam = new SAM(new AdamCM({ lr: 1e-2 }), { rho: 0.05 });
  sam.minimize(loss, params).dispose();

  expect(keys).toHaveLength(5);
  expect(Array.from(params.get('w').dataSync()).map((v) => Math.round(v * 10) / 10)).toEqual([1, -2, 0.5]);
  expect(sam.iterations).toBe(1);

  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [3], units: 16, activation: 'tanh' }),
      tfl.layers.dense({ units: 1 }),
    ],
  });
  model.compile({
    optimizer: toTfjsOptimizer(new AdamCM({ lr: 1e-2 }), { model }),
    loss: 'meanSquaredError',
  });
  const h = await model.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0 });
  // SAM too: in model.fit, consecutive batches serve the ascent and the descent half of each SAM step.
  const samModel = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 1 })] });
  samModel.compile({
    optimizer: toTfjsOptimizer(new SAM(new AdamCM({ lr: 1e-2 })), { model: samModel }),
    loss: 'meanSquaredError',
  });
  const hs = await samModel.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0 });

  const l = h.history.loss as number[];
  const ls = hs.history.loss as number[];
  expect(l[19]).toBeLessThan(l[0]! * 0.5);
  expect(ls[19]).toBeLessThan(ls[0]! * 0.8);
  // 4 batches per epoch, 2 per SAM step: 40 SAM steps.
  expect((samModel.optimizer as unknown as { optimizer: { iterations: number } }).optimizer.iterations).toBe(
    40,
  );
  for (const m of [model, samModel]) {
    m.optimizer.dispose();
    m.dispose();
  }
  opt.dispose();
  sam.dispose();
  params.dispose();
  tf.dispose([x, y]);
});
