import { Adam, AdamW, initBackend, ParamMap, Rng, randomNormal } from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createRotation,
  describeParams,
  layerOrthogonality,
  orthogonalityMetrics,
  partition,
  rotated,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const identity = (n: number) => ({
  rows: n,
  cols: n,
  data: Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)),
});

/** 70 coordinates: a [6, 10] weight (fan-in 6, fan-out 10) and a 10-vector; every scope leaves blocks of 2 for n = 4. */
function params70(seed: number): ParamMap {
  const rng = Rng.fromSeed(seed);
  const w = randomNormal(rng.stream('w'), [6, 10]);
  const b = randomNormal(rng.stream('b'), [10]);
  const m = ParamMap.fromTensors({
    w: { value: w, role: 'weight', layout: { outAxis: 1, inAxis: 0 } },
    b: { value: b, role: 'bias' },
  });
  tf.dispose([w, b]);
  return m;
}

const loss = (p: Record<string, tf.Tensor>) =>
  tf.tidy(
    () =>
      tf.add(tf.sum(tf.log1p(tf.square(tf.sub(p.w!, 0.3)))), tf.sum(tf.square(tf.sin(p.b!)))) as tf.Scalar,
  );

describe('a user matrix on groups its order does not divide (issue 21)', () => {
  for (const [scope, permute] of [
    ['global', false],
    ['global', true],
    ['layer', false],
    ['fanIn', false],
    ['fanOut', false],
  ] as const)
    it(`${scope}${permute ? ' + permutation' : ''}, matrix I₄ on 70 coordinates: rotated Adam is plain Adam bit for bit`, async () => {
      const a = params70(1);
      const b = params70(1);
      const rot = createRotation(b, { scope, matrix: identity(4), permute, rng: Rng.fromSeed(3) });
      // The leftover blocks of 2 get I₂, not a Haar draw.
      expect(rot.dim).toBe(70);
      const plain = new Adam({ lr: 0.05 });
      const turned = rotated(new Adam({ lr: 0.05 }), rot);
      for (let i = 0; i < 10; i++) {
        plain.minimize(() => loss(a.tensors()), a).dispose();
        turned.minimize(() => loss(b.tensors()), b).dispose();
      }
      expectBitIdentical(await b.flatten(), await a.flatten());
      for (const x of [plain, turned, a, b]) x.dispose();
    });

  it('a matrix whose top-left block is not orthogonal is an error for leftover blocks, not a random rotation', () => {
    // A 4-cycle permutation: orthogonal, but its top-left 2×2 block [[0, 1], [0, 0]] is not.
    const cycle = { rows: 4, cols: 4, data: [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0] };
    expect(() => createRotation({ x: [58] }, { scope: 'global', matrix: cycle, permute: false })).toThrow(
      /matrix must be an R_4 whose top-left block is orthogonal for a block of 2 coordinates.*got "a 4×4 matrix whose top-left 2×2 block is not orthogonal/,
    );
    // Where 4 divides every group the same matrix is fine.
    expect(createRotation({ x: [56] }, { scope: 'global', matrix: cycle, permute: false }).dim).toBe(56);
  });
});

describe('non-finite gradients in a rotated basis (issue 19)', () => {
  it('one NaN entry stops the optimizer with an error naming the parameter and the step', () => {
    const p = params70(2);
    const opt = rotated(new AdamW({ lr: 0.1 }), createRotation(p, { scope: 'global', blockSize: 4 }), {
      checkFiniteEvery: 4,
    });
    const gw = tf.ones([6, 10]);
    const gb = tf.tensor1d([0, 0, Number.NaN, 0, 0, 0, 0, 0, 0, 0]);
    opt.step(p, { w: gw, b: tf.zerosLike(gb) });
    opt.step(p, { w: gw, b: gb });
    opt.step(p, { w: gw, b: tf.zerosLike(gb) });
    // Read on the device every 4 steps: the 4th step reports the NaN of step 2.
    expect(() => opt.step(p, { w: gw, b: tf.zerosLike(gb) })).toThrow(
      /grads\.b must be finite values: a rotation mixes every coordinate of a block.*got "a gradient holding NaN or ±Infinity at step 2 \(read at step 4\)"/,
    );
    tf.dispose([gw, gb]);
    opt.dispose();
    p.dispose();
  });

  it('with checkFiniteEvery 1 the step throws before writing, and Infinity counts too', async () => {
    const p = params70(3);
    const opt = rotated(new Adam({ lr: 0.1 }), createRotation(p, { scope: 'layer', blockSize: 4 }), {
      checkFiniteEvery: 1,
    });
    const before = await p.flatten();
    const gw = tf.fill([6, 10], Number.POSITIVE_INFINITY);
    expect(() => opt.step(p, { w: gw })).toThrow(
      /grads\.w must be finite values.*at step 1 \(read at step 1\)/,
    );
    expectBitIdentical(await p.flatten(), before);
    gw.dispose();
    opt.dispose();
    p.dispose();
  });

  it('the guard leaks nothing per step and rejects bad options', async () => {
    const p = params70(4);
    const opt = rotated(new Adam({ lr: 0.01 }), createRotation(p, { scope: 'global', blockSize: 8 }), {
      checkFiniteEvery: 3,
    });
    opt.minimize(() => loss(p.tensors()), p).dispose();
    await expectNoLeak(() => {
      for (let i = 0; i < 7; i++) opt.minimize(() => loss(p.tensors()), p).dispose();
    });
    const rot = createRotation(p, { scope: 'global', blockSize: 8 });
    expect(() => rotated(new Adam({ lr: 0.01 }), rot, { checkFiniteEvery: -1 })).toThrow(
      /checkFiniteEvery must be an integer >= 0; got -1/,
    );
    expect(() => rotated(new Adam({ lr: 0.01 }), rot, { checkEvery: 2 } as never)).toThrow(
      /options.checkEvery must be a known option \(trackDirection, checkFiniteEvery\)/,
    );
    opt.dispose();
    p.dispose();
  });
});

describe('probe and partition inputs (issue 19)', () => {
  it('partition names a bad scope, slot list or filter', () => {
    expect(() => partition([], 'bogus' as never, () => true)).toThrow(
      /scope must be one of "global", "layer"/,
    );
    expect(() => partition('x' as never, 'global', () => true)).toThrow(
      /slots must be an array of parameter slots/,
    );
    expect(() => partition(describeParams({ w: [2, 3] }), 'layer', 1 as never)).toThrow(
      /include must be a function/,
    );
  });

  it('layerOrthogonality rejects directions whose shape is not the parameter’s', async () => {
    const d = tf.ones([3, 2]);
    await expect(layerOrthogonality({ w: d }, { w: [2, 3] })).rejects.toThrow(
      /directions.w must be a tensor of the parameter's shape \[2,3\]/,
    );
    await expect(layerOrthogonality(null as never, { w: [2, 3] })).rejects.toThrow(
      /directions must be a record/,
    );
    d.dispose();
  });

  it('orthogonalityMetrics of a zero matrix is an error, not "perfectly orthogonal"', () => {
    expect(() => orthogonalityMetrics({ rows: 2, cols: 3, data: new Float64Array(6) })).toThrow(
      /a must be a matrix with a non-zero singular value.*got "a zero 2×3 matrix"/,
    );
  });
});
