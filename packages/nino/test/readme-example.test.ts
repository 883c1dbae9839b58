import {
  Adam,
  applyMlp,
  initBackend,
  initMlp,
  Rng,
  randomNormal,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { graphFromParamMap, horizonSchedule, prepareNowcast, withNowcasting } from '../src/index.js';
import { loadShippedCheckpoint } from '../src/node/index.js';

it('the README usage example runs: 1000 Adam steps with two NiNo-small nowcasts (k = 40, then 1)', async () => {
  await initBackend();
  const mlp = { sizes: [16, 32, 32, 8] };
  const params = initMlp(Rng.fromSeed(0), mlp);
  const x = randomNormal(Rng.fromSeed(1), [256, 16]);
  const y = tf.tensor1d(
    Int32Array.from({ length: 256 }, (_, i) => i % 8),
    'int32',
  );
  const loss = () => softmaxCrossEntropy(applyMlp(params.tensors(), x, mlp), y) as tf.Scalar;

  const model = await loadShippedCheckpoint('nino_small');
  const nino = prepareNowcast(model, graphFromParamMap(params));
  const kSchedule = horizonSchedule({ maxSteps: 1000, period: 500 });
  expect(kSchedule).toEqual([40, 1]);
  const events: { step: number; k: number }[] = [];
  const opt = withNowcasting(new Adam({ lr: 1e-3 }), nino, {
    period: 500,
    kSchedule,
    onNowcast: (e) => events.push({ step: e.step, k: e.k }),
  });
  const first = loss();
  const start = first.dataSync()[0]!;
  first.dispose();
  for (let step = 0; step < 1000; step++) opt.minimize(loss, params).dispose();
  const last = loss();
  const end = last.dataSync()[0]!;
  last.dispose();
  expect(events).toEqual([
    { step: 500, k: 40 },
    { step: 1000, k: 1 },
  ]);
  expect(Number.isFinite(end)).toBe(true);
  expect(end).toBeLessThan(start);
  opt.dispose();
  nino.dispose();
  model.dispose();
  params.dispose();
  tf.dispose([x, y]);
});
