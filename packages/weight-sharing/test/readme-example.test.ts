import { loadMnist } from '@paperkit/mnist';
import {
  applyMlp,
  gatherBatch,
  initBackend,
  initMlp,
  Rng,
  randomNormal,
  SGD,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import {
  BetaLassoOptimizer,
  firstLayer,
  kktCheck,
  ProximalOptimizer,
  proxR,
  R,
  sharingMetrics,
  WeightSharingProx,
  weightSharingPenalty,
  withSharingPenalty,
} from '../src/index.js';

it('the README prox example prints what the README says', async () => {
  const w = new Float64Array([0, 1, 5]);
  expect(R(w)).toBe(5);
  const { x, clusters, clusterCount } = proxR(w, 2, { returnClusters: true });
  expect(Array.from(x)).toEqual([1.5, 1.5, 3]);
  expect(Array.from(clusters)).toEqual([0, 0, 1]);
  expect(clusterCount).toBe(2);
  expect(kktCheck(w, x, 2).ok).toBe(true);
});

it('the README training program runs: 20 proximal steps on 256 MNIST digits share fc0 weights and learn', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const { x, y } = gatherBatch(
    loadMnist().train,
    Int32Array.from({ length: 256 }, (_, i) => i),
  ); // 256 digits
  const mlp = { sizes: [784, 64, 10] };
  const params = initMlp(Rng.fromSeed(0), mlp);
  const ws = new WeightSharingProx({ layers: firstLayer(params, 1e-2) }); // fc0.weight + fc0.bias
  const opt = new ProximalOptimizer(new SGD({ lr: 0.1 }), ws);
  const loss = () => softmaxCrossEntropy(applyMlp(params.tensors(), x, mlp), y) as tf.Scalar;
  const before = sharingMetrics((await params.get('fc0.weight').data()) as Float32Array).distinctRatio;
  const l0 = opt.minimize(loss, params);
  const first = (await l0.data())[0]!;
  l0.dispose();
  for (let step = 1; step < 20; step++) opt.minimize(loss, params).dispose(); // gradient step, then prox on fc0
  const after = sharingMetrics((await params.get('fc0.weight').data()) as Float32Array).distinctRatio;
  expect(firstLayer(params, 1e-2)).toEqual([{ weight: 'fc0.weight', bias: 'fc0.bias', wsLr: 1e-2 }]);
  expect(after).toBeLessThan(before - 0.01);
  // It learns: the loss falls from about ln 10.
  const l1 = loss();
  const last = (await l1.data())[0]!;
  l1.dispose();
  expect(first).toBeGreaterThan(2);
  expect(last).toBeLessThan(first - 0.3);
  opt.dispose();
  params.dispose();
  tf.dispose([x, y]);
});

it('the README subgradient and β-lasso example runs and does what it says', async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const w = tf.tensor1d([0, 1, 5]);
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => weightSharingPenalty(t, 2))(w);
  expect(await value.data()).toEqual(Float32Array.from([10]));
  expect(Array.from(await grad.data())).toEqual([-2, 0, 2]);
  tf.dispose([w, value, grad]);

  const rng = Rng.fromSeed(1);
  const mlp = { sizes: [784, 64, 10] };
  const params = initMlp(rng.stream('init'), mlp);
  const x = randomNormal(rng, [32, 784]);
  const y = tf.tensor1d(
    Array.from({ length: 32 }, (_, i) => i % 10),
    'int32',
  );
  const layers = firstLayer(params, 1e-2);
  const loss = () => softmaxCrossEntropy(applyMlp(params.tensors(), x, mlp), y) as tf.Scalar;
  const sgd = new SGD({ lr: 0.1 });
  const total = withSharingPenalty(loss, params, layers);
  const expected = tf.tidy(() =>
    tf.add(
      loss(),
      tf.mul(
        1e-2,
        tf.add(weightSharingPenalty(params.get('fc0.weight')), weightSharingPenalty(params.get('fc0.bias'))),
      ),
    ),
  );
  const got = sgd.minimize(total, params);
  // minimize returns the loss before the step: cross-entropy + 1e-2·(R(fc0.weight) + R(fc0.bias))
  // (float32, summed in another order: a few ulps).
  const want = (await expected.data())[0]!;
  expect(Math.abs((await got.data())[0]! - want)).toBeLessThan(1e-6 * want);
  tf.dispose([got, expected]);
  const betaLasso = new BetaLassoOptimizer(new SGD({ lr: 0.1 }), { layers, beta: 50, lmbda: 2e-4 });
  betaLasso.minimize(loss, params).dispose();
  // Threshold β·λ = 0.01 against fc0's U(±1/28) init: about a quarter of the weights become 0.
  const sparsity = sharingMetrics((await params.get('fc0.weight').data()) as Float32Array).sparsity;
  expect(sparsity).toBeGreaterThan(0.2);
  expect(sparsity).toBeLessThan(0.4);
  expect(sharingMetrics((await params.get('fc1.weight').data()) as Float32Array).sparsity).toBe(0);
  sgd.dispose();
  betaLasso.dispose();
  params.dispose();
  tf.dispose([x, y]);
});

it('the README model.fit example runs', async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const { paramsFromLayersModel, toTfjsOptimizer } = await import('@paperkit/tensor-core');
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const { x, y } = gatherBatch(
    loadMnist().train,
    Int32Array.from({ length: 64 }, (_, i) => i),
  );
  const oneHotLabels = tf.oneHot(y, 10);

  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const layers = firstLayer(paramsFromLayersModel(model), 1e-2); // [{ weight: '0/kernel', bias: '0/bias', wsLr }]
  const proximal = new ProximalOptimizer(new SGD({ lr: 0.1 }), { layers });
  model.compile({ optimizer: toTfjsOptimizer(proximal, { model }), loss: 'categoricalCrossentropy' });
  const before = sharingMetrics(model.layers[0]!.getWeights()[0]!.dataSync() as Float32Array).distinctRatio;
  await model.fit(x, oneHotLabels, { epochs: 2, batchSize: 32, verbose: 0 });

  expect(layers).toEqual([{ weight: '0/kernel', bias: '0/bias', wsLr: 1e-2 }]);
  const after = sharingMetrics(model.layers[0]!.getWeights()[0]!.dataSync() as Float32Array).distinctRatio;
  expect(after).toBeLessThan(before);
  expect(proximal.getState().transform.children!.weightSharingProx!.counters).toEqual({ steps: 4 });
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([x, y, oneHotLabels]);
});
