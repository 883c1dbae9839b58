import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

// The README's usage examples, verbatim apart from the data and the assertions.
it('the README examples run: a νPI dual, and NuPIOptimizer in model.fit', async () => {
  const { initBackend, SGD, toTfjsOptimizer } = await import('@paperkit/tensor-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  const { ConstrainedOptimizer, defineConstraint, defineProblem, denseMultiplier, NuPI, NuPIOptimizer } =
    await import('../src/index.js');

  await initBackend({ prefer: 'wasm', blas: 'off' });
  const x = tf.variable(tf.zeros([1]));
  const bound = defineConstraint({
    kind: 'inequality',
    formulation: 'lagrangian',
    multiplier: denseMultiplier(1),
  });
  const problem = defineProblem({
    constraints: { bound },
    computeState: () => ({
      loss: tf.mul(0.5, tf.sum(tf.square(tf.sub(x, 2)))), // f(x) = ½(x − 2)²
      constraints: { bound: { violation: tf.sub(x, 1) } }, // g(x) = x − 1 ≤ 0
    }),
  });
  const opt = new ConstrainedOptimizer({
    problem,
    params: { x },
    primal: new SGD({ lr: 0.05 }),
    dual: new NuPI({ lr: 1, ki: 0.5, kp: 5 }), // κi = 0.5, κp = 5 (critically damped here)
  });
  for (let t = 0; t < 200; t++) opt.roll().dispose();
  expect(x.dataSync()[0]).toBeCloseTo(1, 5);
  expect(bound.multiplier.value[0]).toBeCloseTo(1, 5);
  expect(JSON.parse(JSON.stringify(opt.getState())).rolls).toBe(200);

  const features = tf.randomNormal([64, 4], 0, 1, 'float32', 3);
  const targets = tf.matMul(features, tf.tensor2d([[1], [-1], [0.5], [2]]));
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 1 })] });
  const nupi = new NuPIOptimizer({ lr: 0.01, ki: 1, kp: -2, nu: 0.5 });
  model.compile({ optimizer: toTfjsOptimizer(nupi, { model }), loss: 'meanSquaredError' });
  const h = await model.fit(features, targets, { epochs: 10, batchSize: 16, verbose: 0 });
  const loss = h.history.loss as number[];
  expect(loss[9]).toBeLessThan(loss[0]! * 0.5);
  expect(nupi.iterations).toBe(40);
  model.optimizer.dispose();
  model.dispose();
  opt.dispose();
  tf.dispose([x, features, targets]);
});

it('the README example of minimizeConstrained runs: x = y = ½, μ = −1', async () => {
  const { initBackend } = await import('@paperkit/tensor-core');
  const { minimizeConstrained } = await import('../src/index.js');
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const xy = tf.variable(tf.zeros([2]));
  const r = minimizeConstrained({
    params: { xy },
    objective: () => tf.sum(tf.square(xy)), // min x² + y²
    equality: () => tf.sub(tf.sum(xy), 1), // s.t. x + y = 1
    lr: 0.05,
  });
  expect(r.converged).toBe(true);
  expect(Array.from(xy.dataSync())).toEqual([expect.closeTo(0.5, 5), expect.closeTo(0.5, 5)]);
  expect(r.equality!.multiplier[0]).toBeCloseTo(-1, 4);
  xy.dispose();
});
