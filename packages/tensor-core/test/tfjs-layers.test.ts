import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../mnist/src/index.js';
import {
  AdamW,
  initBackend,
  mean,
  paramsFromLayersModel,
  Rng,
  SGD,
  TFJS_STATE_WEIGHT,
  toTfjsOptimizer,
} from '../src/index.js';
import { expectBitIdentical } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/** A 196-64-10 ReLU MLP on 14×14 digits, initialised from `seed`. */
function mlp(seed: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [196],
        units: 64,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 100 }),
      }),
    ],
  });
}

function digits(count: number, split: 'train' | 'test', rng?: Rng) {
  const d = loadMnist({ size: 14 })[split];
  const order = rng ? rng.permutation(d.count) : Int32Array.from({ length: d.count }, (_, i) => i);
  const idx = order.subarray(0, count);
  const x = new Float32Array(count * 196);
  const y = new Float32Array(count * 10);
  idx.forEach((i, k) => {
    x.set(d.features.subarray(i * 196, (i + 1) * 196), k * 196);
    y[k * 10 + d.labels[i]!] = 1;
  });
  return {
    x: tf.tensor2d(x, [count, 196]),
    y: tf.tensor2d(y, [count, 10]),
    labels: Array.from(idx, (i) => d.labels[i]!),
  };
}

async function accuracy(model: tfl.Sequential, x: tf.Tensor, labels: readonly number[]): Promise<number> {
  const pred = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, 1));
  const p = await pred.data();
  pred.dispose();
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) hit++;
  return hit / labels.length;
}

describe('model.fit with a paperkit optimizer (toTfjsOptimizer)', () => {
  it('AdamW reaches tf.train.adam’s MNIST accuracy at the same settings (±1 pp, 3 seeds)', async () => {
    const train = digits(2000, 'train', Rng.fromSeed(1));
    const test = digits(1000, 'test');
    const ours: number[] = [];
    const theirs: number[] = [];
    for (const seed of [0, 1, 2]) {
      for (const kind of ['paperkit', 'tfjs'] as const) {
        const model = mlp(seed);
        // Same settings: lr 3e-3, β (0.9, 0.999), ε 1e-7 (tfjs's default), no weight decay.
        const optimizer =
          kind === 'paperkit'
            ? toTfjsOptimizer(new AdamW({ lr: 3e-3, eps: 1e-7, weightDecay: 0 }), { model })
            : tf.train.adam(3e-3);
        model.compile({ optimizer, loss: 'categoricalCrossentropy' });
        const h = await model.fit(train.x, train.y, { epochs: 2, batchSize: 50, shuffle: false, verbose: 0 });
        expect(h.history.loss![1]).toBeLessThan(h.history.loss![0] as number);
        (kind === 'paperkit' ? ours : theirs).push(await accuracy(model, test.x, test.labels));
        optimizer.dispose();
        model.dispose();
      }
    }
    expect(mean(ours)).toBeGreaterThan(0.8);
    expect(Math.abs(mean(ours) - mean(theirs))).toBeLessThanOrEqual(0.01);
    tf.dispose([train.x, train.y, test.x, test.y]);
  });

  it('keys the state by stable weight names, saves it as one JSON weight, restores it into another build', async () => {
    const data = digits(200, 'train');
    const a = mlp(7);
    const b = mlp(7);
    const optA = toTfjsOptimizer(new AdamW({ lr: 1e-2 }), { model: a });
    const optB = toTfjsOptimizer(new AdamW({ lr: 1e-2 }), { model: b });
    a.compile({ optimizer: optA, loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: optB, loss: 'categoricalCrossentropy' });
    const fit = (m: tfl.Sequential) =>
      m.fit(data.x, data.y, { epochs: 1, batchSize: 50, shuffle: false, verbose: 0 });
    await fit(a);
    await fit(b);
    // Stable names (tfjs's variable names differ between the two builds: dense_Dense3 vs dense_Dense5).
    expect(Object.keys(optA.optimizer.getState().params)).toEqual([
      '0/kernel',
      '0/bias',
      '1/kernel',
      '1/bias',
    ]);
    expect(a.trainableWeights[0]!.name).not.toBe(b.trainableWeights[0]!.name);
    expect(optA.iterations).toBe(4);
    const weights = await optA.getWeights();
    expect(weights.map((w) => w.name)).toEqual([TFJS_STATE_WEIGHT]);
    // b's optimizer takes a's state; both models hold the same weights; they stay equal.
    b.setWeights(a.getWeights());
    await optB.setWeights(weights);
    tf.dispose(weights.map((w) => w.tensor));
    await fit(a);
    await fit(b);
    const [wa, wb] = [a.getWeights(), b.getWeights()];
    for (let i = 0; i < wa.length; i++) expectBitIdentical(wa[i]!.dataSync(), wb[i]!.dataSync());
    await expect(optB.setWeights([])).rejects.toThrow(/weightValues must be a list holding/);
    for (const o of [optA, optB]) o.dispose();
    a.dispose();
    b.dispose();
    tf.dispose([data.x, data.y]);
  });
});

describe('paramsFromLayersModel', () => {
  it('infers roles, layouts and groups from Layers weights, over the model’s own variables', () => {
    const text = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 20, outputDim: 8, inputLength: 5 }),
        tfl.layers.layerNormalization(),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4 }),
      ],
    });
    const p = paramsFromLayersModel(text);
    expect(p.names()).toEqual(['0/embeddings', '1/gamma', '1/beta', '3/kernel', '3/bias']);
    const byWeight = Object.fromEntries(p.names().map((n) => [n.slice(n.lastIndexOf('/') + 1), n]));
    expect(p.info(byWeight.embeddings!)).toMatchObject({
      role: 'embedding',
      shape: [20, 8],
      layout: { inAxis: 0, outAxis: 1 },
    });
    expect(p.info(byWeight.gamma!).role).toBe('norm');
    expect(p.info(byWeight.beta!).role).toBe('bias');
    expect(p.info(byWeight.kernel!)).toMatchObject({
      role: 'weight',
      shape: [40, 4],
      layout: { inAxis: 0, outAxis: 1 },
    });
    expect(p.info(byWeight.kernel!).group).toBe(p.info(byWeight.bias!).group);
    // The very same variables: nothing copied, and disposing the map leaves the model intact.
    expect(p.get(byWeight.kernel!)).toBe(text.layers[3]!.trainableWeights[0]!.read());
    p.dispose();
    expect(text.layers[3]!.trainableWeights[0]!.read().isDisposed).toBe(false);

    const conv = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, name: 'features' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const q = paramsFromLayersModel(conv, {
      describe: (w) => (w.layerClass === 'Dense' && w.weight === 'kernel' ? { role: 'other' } : undefined),
    });
    const kernels = q.names().filter((n) => /kernel/.test(n));
    // A layer you named keeps its name.
    expect(kernels).toEqual(['features/kernel', '2/kernel']);
    expect(q.info(kernels[0]!)).toMatchObject({
      role: 'weight',
      shape: [3, 3, 2, 4],
      layout: { inAxis: 2, outAxis: 3 },
    });
    expect(q.info(kernels[1]!).role).toBe('other');
    expect(() => paramsFromLayersModel({} as never)).toThrow(/model\.layers must be the array of layers/);
    text.dispose();
    conv.dispose();
  });

  it('trains a Layers model in a hand-written loop', () => {
    const data = digits(100, 'train');
    const model = mlp(3);
    const params = paramsFromLayersModel(model);
    const opt = new SGD({ lr: 0.5 });
    const loss = () =>
      tf.losses.softmaxCrossEntropy(data.y, tf.log(model.apply(data.x) as tf.Tensor)) as tf.Scalar;
    const first = opt.minimize(loss, params);
    for (let i = 0; i < 20; i++) opt.minimize(loss, params).dispose();
    const last = tf.tidy(loss);
    expect(last.dataSync()[0]).toBeLessThan(first.dataSync()[0]! * 0.8);
    tf.dispose([first, last, data.x, data.y]);
    opt.dispose();
    model.dispose();
  });
});
