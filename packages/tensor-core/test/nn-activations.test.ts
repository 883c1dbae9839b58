import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { activate, LEAKY_RELU_SLOPE } from '../src/nn/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('activate: leaky ReLU slope', () => {
  const x = () => tf.tensor1d([-2, -0.5, 0, 1.5]);

  it('defaults to PyTorch’s slope 0.01', async () => {
    const y = activate(x(), 'leakyRelu');
    expect(LEAKY_RELU_SLOPE).toBe(0.01);
    expect(Array.from(await y.data())).toEqual([-0.02, -0.005, 0, 1.5].map(Math.fround));
  });

  it('takes a configured slope: 0.2 gives (−0.4, −0.1, 0, 1.5), 0 is a ReLU', async () => {
    expect(Array.from(await activate(x(), 'leakyRelu', { leakySlope: 0.2 }).data())).toEqual(
      [-0.4, -0.1, 0, 1.5].map(Math.fround),
    );
    // −2·0 is −0: compare values, not signs of zero.
    expect(Array.from(await activate(x(), 'leakyRelu', { leakySlope: 0 }).data(), (v) => v + 0)).toEqual([
      0, 0, 0, 1.5,
    ]);
  });

  it('its gradient is the slope below 0 and 1 above', async () => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(activate(t, 'leakyRelu', { leakySlope: 0.3 })))(
      tf.tensor1d([-1, 2]),
    );
    expect(Array.from(await g.data())).toEqual([0.3, 1].map(Math.fround));
  });

  it('other activations ignore the slope', async () => {
    expect(Array.from(await activate(x(), 'relu', { leakySlope: 0.5 }).data())).toEqual([0, 0, 0, 1.5]);
  });

  it('rejects a slope outside [0, 1), naming the parameter', () => {
    for (const bad of [-0.1, 1, Number.NaN, '0.2' as unknown as number])
      expect(() => activate(x(), 'leakyRelu', { leakySlope: bad })).toThrow(/leakySlope/);
    expect(() => activate(x(), 'leakyRelu', null as never)).toThrow(/options/);
  });
});
