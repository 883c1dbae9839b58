import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES, generate, OUTPUT, tfjsCoreDir } from '../scripts/tfjs-registrations.mjs';
import { initBackend } from '../src/index.js';

const pkg = join(import.meta.dirname, '..');

/** Kernel names of the gradient configs tfjs-core ships (`./gradients/<Kernel>_grad` imports). */
function shippedGradientKernels(): string[] {
  const text = readFileSync(join(tfjsCoreDir(), ENTRIES[0]!), 'utf8');
  return [...text.matchAll(/from '\.\/gradients\/(\w+)_grad'/g)].map((m) => m[1]!);
}

describe('tfjs registrations without the @tensorflow/tfjs umbrella', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
  });

  it('the committed generated module is what the script produces from the installed tfjs-core', async () => {
    const committed = readFileSync(join(pkg, OUTPUT), 'utf8');
    // On failure: cd packages/tensor-core && node scripts/tfjs-registrations.mjs
    expect(committed === (await generate())).toBe(true);
  });

  it('registers a gradient for every gradient config tfjs-core ships', () => {
    const kernels = shippedGradientKernels();
    expect(kernels.length).toBeGreaterThan(100);
    expect(kernels.filter((k) => tf.getGradient(k) === undefined)).toEqual([]);
  });

  it('registers the chained tensor ops', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const y = x.square().sum();
    expect(y.dataSync()[0]).toBe(14);
    tf.dispose([x, y]);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`gradients through the engine match hand derivatives on ${backend}`, async () => {
      await initBackend({ prefer: backend, blas: 'off' });
      const x = tf.tensor1d([0.5, -1.5, 2]);
      // d/dx Σ sigmoid(x)·x² = σ'(x)·x² + 2x·σ(x), with σ' = σ(1 − σ).
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(v), tf.square(v))))(x);
      const got = await g.data();
      const want = [0.5, -1.5, 2].map((v) => {
        const s = 1 / (1 + Math.exp(-v));
        return s * (1 - s) * v * v + 2 * v * s;
      });
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i]!, 5);
      tf.dispose([x, g]);
    });
  }
});
