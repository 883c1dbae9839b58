import {
  applyMlp,
  initBackend,
  initMlp,
  Rng,
  randomNormal,
  SGD,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { firstLayer, kktCheck, proxR, R, sharingMetrics, WeightSharingProx } from '../src/index.js';

it('the README examples run and print what the README says', async () => {
  const w = new Float64Array([0, 1, 5]);
  expect(R(w)).toBe(5);
  const { x, clusters, clusterCount } = proxR(w, 2, { returnClusters: true });
  expect(Array.from(x)).toEqual([1.5, 1.5, 3]);
  expect(Array.from(clusters)).toEqual([0, 0, 1]);
  expect(clusterCount).toBe(2);
  expect(kktCheck(w, x, 2).ok).toBe(true);

  await initBackend({ prefer: 'wasm', blas: 'off' });
  const rng = Rng.fromSeed(0);
  const mlp = { sizes: [784, 64, 10] };
  const params = initMlp(rng.stream('init'), mlp);
  const ws = new WeightSharingProx({ layers: firstLayer(params, 1e-2) }); // fc0.weight (flattened) + fc0.bias
  const opt = new SGD({ lr: 0.1, hooks: ws.hooks });
  const xb = randomNormal(rng, [32, 784]);
  const yb = tf.tensor1d(
    Array.from({ length: 32 }, (_, i) => i % 10),
    'int32',
  );
  const before = sharingMetrics((await params.get('fc0.weight').data()) as Float32Array).distinctRatio;
  for (let step = 0; step < 20; step++)
    opt
      .minimize(() => softmaxCrossEntropy(applyMlp(params.tensors(), xb, mlp), yb) as tf.Scalar, params)
      .dispose();
  const after = sharingMetrics((await params.get('fc0.weight').data()) as Float32Array).distinctRatio;
  expect(firstLayer(params, 1e-2)).toEqual([{ weight: 'fc0.weight', bias: 'fc0.bias', wsLr: 1e-2 }]);
  expect(after).toBeLessThan(before);
  opt.dispose();
  params.dispose();
  tf.dispose([xb, yb]);
});
