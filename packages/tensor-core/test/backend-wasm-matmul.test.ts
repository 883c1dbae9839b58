import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disableWasmMatMulFix,
  enableWasmMatMulFix,
  initBackend,
  Rng,
  randomNormal,
  wasmMatMulFixEnabled,
} from '../src/index.js';
import { expectAllClose, expectNoLeak } from '../src/testing/index.js';

type Case = { a: number[]; b: number[]; ta: boolean; tb: boolean };

// Every transpose combination on plain, batched and batch-broadcast shapes (odd sizes on purpose).
const CASES: Case[] = [];
for (const [ta, tb] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const) {
  const m = 7;
  const k = 5;
  const n = 3;
  const a2 = ta ? [k, m] : [m, k];
  const b2 = tb ? [n, k] : [k, n];
  CASES.push({ a: a2, b: b2, ta, tb });
  CASES.push({ a: [4, ...a2], b: [4, ...b2], ta, tb });
  // One-sided broadcast (tfjs's matMul gradient cannot reduce a two-sided one).
  CASES.push({ a: [2, 3, ...a2], b: b2, ta, tb });
}

/** Products, fused products (bias, activations) and both gradients, read to the host. */
function compute(c: Case, seed: number): Float32Array[] {
  const rng = Rng.fromSeed(seed);
  const a = randomNormal(rng, c.a);
  const b = randomNormal(rng, c.b);
  const n = c.tb ? c.b.at(-2)! : c.b.at(-1)!;
  const bias = randomNormal(rng, [n]);
  const out = tf.tidy(() => {
    const y = tf.matMul(a, b, c.ta, c.tb);
    const f = { a, b, transposeA: c.ta, transposeB: c.tb };
    const fused = [
      tf.fused.matMul({ ...f, bias, activation: 'relu' }),
      tf.fused.matMul({ ...f, activation: 'leakyrelu', leakyreluAlpha: 0.3 }),
      tf.fused.matMul({ ...f, bias, activation: 'prelu', preluActivationWeights: tf.mul(bias, 0.5) }),
      tf.fused.matMul({ ...f, bias, activation: 'sigmoid' }),
    ];
    // tfjs's matMul gradient does not reduce broadcast batch axes, so gradients on equal batches only.
    const grads =
      c.a.length === c.b.length
        ? tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, z, c.ta, c.tb))))([a, b])
        : [];
    return [y, ...fused, ...grads].map((t) => t.dataSync() as Float32Array);
  });
  tf.dispose([a, b, bias]);
  return out;
}

describe('wasm matMul with explicit transposes', () => {
  beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));
  afterAll(() => enableWasmMatMulFix());

  it('is installed by initBackend on wasm', () => {
    expect(wasmMatMulFixEnabled()).toBe(true);
  });

  it('equals the cpu backend for every transpose combination, batch broadcast, bias, activation and gradient', async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
    const want = CASES.map((c, i) => compute(c, i));
    await initBackend({ prefer: 'wasm', blas: 'off' });
    CASES.forEach((c, i) => {
      const got = compute(c, i);
      for (let k = 0; k < got.length; k++) expectAllClose(got[k]!, want[i]![k]!, { atol: 1e-5, rtol: 1e-5 });
    });
  });

  it('frees its transposed copies', async () => {
    const rng = Rng.fromSeed(9);
    const a = randomNormal(rng, [6, 4]);
    const b = randomNormal(rng, [5, 6]);
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    await expectNoLeak(async () => {
      const before = backend.numDataIds();
      const y = tf.matMul(a, b, true, true);
      expect(backend.numDataIds()).toBe(before + 1);
      y.dispose();
    }, 0);
    tf.dispose([a, b]);
  });

  it('can be switched off and on again; the stock kernel gives the same products', () => {
    const rng = Rng.fromSeed(10);
    const a = randomNormal(rng, [9, 8]);
    const b = randomNormal(rng, [7, 8]);
    const fixed = tf.tidy(() => tf.matMul(a, b, false, true).dataSync() as Float32Array);
    expect(disableWasmMatMulFix()).toBe(true);
    expect(wasmMatMulFixEnabled()).toBe(false);
    expect(disableWasmMatMulFix()).toBe(false);
    const stock = tf.tidy(() => tf.matMul(a, b, false, true).dataSync() as Float32Array);
    expectAllClose(fixed, stock, { atol: 1e-5, rtol: 1e-5 });
    expect(enableWasmMatMulFix()).toBe(true);
    tf.dispose([a, b]);
  });
});
