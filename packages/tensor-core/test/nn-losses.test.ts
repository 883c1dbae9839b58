import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  binaryCrossEntropyWithLogits,
  gradientCheck,
  gradientMismatches,
  meanSquaredError,
  softmaxCrossEntropy,
} from '../src/nn/index.js';
import { Rng, randomNormal, randomUniform } from '../src/random/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

const logitsV = [0.5, -1, 2, 0.1, 3, 1, 1, 1, -2, 0, 0.7, -0.3];
const labelsV = [2, 0, 1];

function hostCe(row: number[], k: number): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[k]!;
}

describe('softmaxCrossEntropy', () => {
  it('matches the host formula for every reduction', async () => {
    const logits = tf.tensor2d(logitsV, [3, 4]);
    const labels = tf.tensor1d(labelsV, 'int32');
    const want = labelsV.map((k, i) => hostCe(logitsV.slice(4 * i, 4 * i + 4), k));
    const none = await values(softmaxCrossEntropy(logits, labels, 'none'));
    none.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 5);
    });
    expect((await values(softmaxCrossEntropy(logits, labels)))[0]).toBeCloseTo(
      (want[0]! + want[1]! + want[2]!) / 3,
      5,
    );
    expect((await values(softmaxCrossEntropy(logits, labels, 'sum')))[0]).toBeCloseTo(
      want[0]! + want[1]! + want[2]!,
      5,
    );
    tf.dispose([logits, labels]);
  });

  it('is stable for huge logits', async () => {
    const logits = tf.tensor2d([1000, 0, -1000, 0], [2, 2]);
    const v = await values(softmaxCrossEntropy(logits, tf.tensor1d([1, 0], 'int32'), 'none'));
    expect(v[0]).toBeCloseTo(1000, 3);
    expect(v[1]).toBeCloseTo(1000, 3);
    logits.dispose();
  });

  it('gradient is (softmax − onehot)/N and matches finite differences', async () => {
    const logits = tf.tensor2d(logitsV, [3, 4]);
    const labels = tf.tensor1d(labelsV, 'int32');
    const g = await values(tf.grad((z: tf.Tensor) => softmaxCrossEntropy(z, labels))(logits));
    for (let i = 0; i < 3; i++) {
      const row = logitsV.slice(4 * i, 4 * i + 4);
      const s = row.reduce((a, v) => a + Math.exp(v), 0);
      row.forEach((v, j) => {
        expect(g[4 * i + j]).toBeCloseTo((Math.exp(v) / s - (j === labelsV[i] ? 1 : 0)) / 3, 6);
      });
    }
    const r = await gradientCheck(
      (p) => softmaxCrossEntropy(p.z!, labels) as tf.Scalar,
      { z: logits },
      {
        rng: Rng.fromSeed(1),
        coordinates: 1,
      },
    );
    expect(gradientMismatches(r)).toEqual([]);
    tf.dispose([logits, labels]);
  });

  it('rejects mismatched labels', () => {
    const logits = tf.zeros([3, 4]);
    expect(() => softmaxCrossEntropy(logits, tf.tensor1d([1, 2], 'int32'))).toThrow(
      /labels must be an int tensor of shape \[3\]/,
    );
    expect(() => softmaxCrossEntropy(logits, tf.tensor1d([1, 2, 0], 'int32'), 'avg' as 'mean')).toThrow(
      /reduction must be one of/,
    );
    logits.dispose();
  });
});

describe('meanSquaredError', () => {
  it('matches the host formula and its gradient 2(p − t)/N', async () => {
    const p = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const t = tf.tensor2d([0, 2, 5, 3.5], [2, 2]);
    expect((await values(meanSquaredError(p, t)))[0]).toBeCloseTo((1 + 0 + 4 + 0.25) / 4, 6);
    expect((await values(meanSquaredError(p, t, 'sum')))[0]).toBeCloseTo(5.25, 6);
    expect(await values(tf.grad((x: tf.Tensor) => meanSquaredError(x, t))(p))).toEqual([0.5, 0, -1, 0.25]);
    tf.dispose([p, t]);
  });

  it('gradient matches finite differences', async () => {
    const rng = Rng.fromSeed(2);
    const p = randomNormal(rng, [3, 5]);
    const t = randomNormal(rng, [3, 5]);
    const r = await gradientCheck(
      (q) => meanSquaredError(q.p!, t) as tf.Scalar,
      { p },
      { rng, coordinates: 1 },
    );
    expect(gradientMismatches(r)).toEqual([]);
    tf.dispose([p, t]);
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  it('matches −[y log σ(z) + (1 − y) log(1 − σ(z))] and stays finite for |z| = 80', async () => {
    const z = [-2, -0.5, 0, 1.5, 3];
    const y = [0, 1, 0.5, 1, 0.2];
    const got = await values(binaryCrossEntropyWithLogits(tf.tensor1d(z), tf.tensor1d(y), 'none'));
    z.forEach((zi, i) => {
      const s = 1 / (1 + Math.exp(-zi));
      expect(got[i]).toBeCloseTo(-(y[i]! * Math.log(s) + (1 - y[i]!) * Math.log(1 - s)), 5);
    });
    const big = await values(
      binaryCrossEntropyWithLogits(tf.tensor1d([80, -80, 80]), tf.tensor1d([1, 0, 0]), 'none'),
    );
    expect(big[0]).toBeCloseTo(0, 6);
    expect(big[1]).toBeCloseTo(0, 6);
    expect(big[2]).toBeCloseTo(80, 4);
    expect(() => binaryCrossEntropyWithLogits(tf.zeros([2]), tf.zeros([3]))).toThrow(/targets must be/);
  });

  it('gradient is (σ(z) − y)/N and matches finite differences', async () => {
    const rng = Rng.fromSeed(3);
    const z = randomNormal(rng, [4, 3], 0, 2);
    const y = randomUniform(rng, [4, 3]);
    const [zv, yv] = [Array.from(await z.data()), Array.from(await y.data())];
    const g = await values(tf.grad((x: tf.Tensor) => binaryCrossEntropyWithLogits(x, y))(z));
    g.forEach((gi, i) => {
      expect(gi).toBeCloseTo((1 / (1 + Math.exp(-zv[i]!)) - yv[i]!) / 12, 6);
    });
    const r = await gradientCheck(
      (q) => binaryCrossEntropyWithLogits(q.z!, y) as tf.Scalar,
      { z },
      { rng, coordinates: 1 },
    );
    expect(gradientMismatches(r)).toEqual([]);
    tf.dispose([z, y]);
  });
});

it('losses leak no tensors', () => {
  const before = tf.memory().numTensors;
  const z = tf.zeros([2, 3]);
  const l = tf.tensor1d([0, 2], 'int32');
  const { value, grads } = tf.valueAndGrads(
    (x: tf.Tensor) =>
      tf.addN([
        softmaxCrossEntropy(x, l),
        meanSquaredError(x, tf.onesLike(x)),
        binaryCrossEntropyWithLogits(x, tf.onesLike(x)),
      ]) as tf.Scalar,
  )([z]);
  tf.dispose([value, ...grads, z, l]);
  expect(tf.memory().numTensors).toBe(before);
});
