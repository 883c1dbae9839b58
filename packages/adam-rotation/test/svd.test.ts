import { Adam, fromRows, initBackend, Momentum, Rng, randomNormal, svd } from '@paperkit/tensor-core';
import { expectBitIdentical, maxAbsDiff, readHost } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRotation, orthogonalityMetrics, rotated, type SvdRotation } from '../src/index.js';
import { toyParams } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

/** One step of rotated Adam (β1 = β2 = 0, SVD every step, lr 1) on a loss whose gradient is G: returns the update u = W0 − W1. */
async function muonStep(g: number[][], eps: number): Promise<Float64Array> {
  const m = fromRows(g);
  const w = tf.variable(tf.zeros([m.rows, m.cols]));
  const gt = tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
  const opt = rotated(
    new Adam({ lr: 1, beta1: 0, beta2: 0, eps }),
    createRotation({ w: [m.rows, m.cols] }, { scope: 'svd', every: 1 }),
  );
  opt.minimize(() => tf.sum(tf.mul(w, gt)) as tf.Scalar, { w }).dispose();
  const out = readHost(w).map((x) => -x);
  opt.dispose();
  tf.dispose([w, gt]);
  return out;
}

describe('SVD rotation ≡ Muon at β1 = β2 = 0 (A.7 oracle 7)', () => {
  // float32: UᵀGV has off-diagonal round-off ~1e-7·‖G‖, so x/(|x| + ε) needs ε ≥ 1e-3·s_min (spec note);
  // then the update is U·diag(s/(s + ε))·Vᵀ, i.e. the polar factor UVᵀ up to a relative ε/s_min = 1e-3.
  it('G = [[1, 2], [3, 4]]: the update is the polar factor [[−0.514496, 0.857493], [0.857493, 0.514496]]', async () => {
    const sMin = 0.365966;
    const u = await muonStep(
      [
        [1, 2],
        [3, 4],
      ],
      1e-3 * sMin,
    );
    const polar = [-0.514496, 0.857493, 0.857493, 0.514496];
    expect(maxAbsDiff(u, polar)).toBeLessThan(1.5e-3);
    const s = svd({ rows: 2, cols: 2, data: u }).s;
    expect(s[0]).toBeCloseTo(0.999933, 3);
    expect(s[1]).toBeCloseTo(1 / 1.001, 3);
    expect(s[0]! - s[1]!).toBeGreaterThan(0);
  });

  it('rectangular G = [[1, 0, 2], [0, 3, 1]]: both singular values of the update are 1 (to ε/s_min)', async () => {
    const g = [
      [1, 0, 2],
      [0, 3, 1],
    ];
    const sMin = svd(fromRows(g)).s[1]!;
    const u = await muonStep(g, 1e-3 * sMin);
    const s = svd({ rows: 2, cols: 3, data: u }).s;
    expect(Math.abs(s[0]! - 1)).toBeLessThan(1.5e-3);
    expect(Math.abs(s[1]! - 1)).toBeLessThan(1.5e-3);
    expect(orthogonalityMetrics({ rows: 2, cols: 3, data: u }).cv).toBeLessThan(1e-3);
  });
});

describe('SVD basis changes', () => {
  it('reprojectMoments keeps momentum SGD equivariant through basis changes; stale moments do not', async () => {
    const run = async (mode: 'plain' | 'reproject' | 'stale') => {
      const params = toyParams(5);
      const cfg = { lr: 0.02, momentum: 0.9 };
      const opt =
        mode === 'plain'
          ? new Momentum(cfg)
          : rotated(
              new Momentum(cfg),
              createRotation(params, { scope: 'svd', every: 4, reprojectMoments: mode === 'reproject' }),
            );
      for (let i = 0; i < 30; i++)
        opt
          .minimize(
            () =>
              tf.tidy(
                () =>
                  tf.addN(
                    params.names().map((n) => tf.sum(tf.log1p(tf.square(tf.sub(params.get(n), 0.3))))),
                  ) as tf.Scalar,
              ),
            params,
          )
          .dispose();
      const out = await params.flatten();
      opt.dispose();
      params.dispose();
      return out;
    };
    const plain = await run('plain');
    expect(maxAbsDiff(await run('reproject'), plain)).toBeLessThan(1e-4);
    expect(maxAbsDiff(await run('stale'), plain)).toBeGreaterThan(1e-2);
  });

  it('the change of basis maps first moments exactly and preserves the mass of second moments', async () => {
    const params = toyParams(6);
    const rot = createRotation(params, { scope: 'svd', every: 2, reprojectMoments: true }) as SvdRotation;
    const rng = Rng.fromSeed(3);
    const grads = () =>
      tf.tidy(() =>
        Object.fromEntries(
          params
            .names()
            .map((n) => [n, randomNormal(rng.stream(`${n}${rng.next()}`), params.info(n).shape as number[])]),
        ),
      );
    const g1 = grads();
    expect(rot.refresh(g1, 1)).toBeNull(); // first basis: nothing to re-project
    expect(rot.refresh(g1, 2)).toBeNull(); // (t − 1) mod F ≠ 0
    const x = grads();
    const original = rot.unrotate(x); // x read in the old basis
    const g3 = grads();
    const change = rot.refresh(g3, 3)!;
    expect(change).not.toBeNull();
    const expected = rot.rotate(original);
    const name = 'block0.attn.qkv.weight';
    const mapped = change.linear(name, x[name]!);
    expect(maxAbsDiff(readHost(mapped), readHost(expected[name]!))).toBeLessThan(1e-5);
    const v = tf.square(x[name]!);
    const vMapped = change.squared(name, v);
    const [s0, s1] = [readHost(v).reduce((a, b) => a + b), readHost(vMapped).reduce((a, b) => a + b)];
    expect(Math.abs(s1 - s0) / s0).toBeLessThan(1e-5);
    expect(change.linear('ln.gain', x['ln.gain']!)).toBe(x['ln.gain']);
    expect(rot.matrices()).toEqual([
      'block0.attn.qkv.weight#0',
      'block0.attn.qkv.weight#1',
      'block0.attn.qkv.weight#2',
      'head.weight',
    ]);
    tf.dispose([
      ...Object.values(g1),
      ...Object.values(x),
      ...Object.values(original),
      ...Object.values(g3),
      ...Object.values(expected),
      mapped,
      v,
      vMapped,
    ]);
    rot.dispose();
    params.dispose();
  });

  it('resumes bit-identically from getState/setState, bases included', async () => {
    const loss = (p: Record<string, tf.Tensor>) =>
      tf.tidy(
        () => tf.addN(Object.values(p).map((t) => tf.sum(tf.log1p(tf.square(tf.sub(t, 0.2)))))) as tf.Scalar,
      );
    const make = (params: ReturnType<typeof toyParams>) =>
      rotated(new Adam({ lr: 0.01 }), createRotation(params, { scope: 'svd', every: 3 }));
    const a = toyParams(7);
    const optA = make(a);
    for (let i = 0; i < 5; i++) optA.minimize(() => loss(a.tensors()), a).dispose();
    const state = JSON.parse(JSON.stringify(await optA.getState()));
    const b = a.clone();
    for (let i = 0; i < 5; i++) optA.minimize(() => loss(a.tensors()), a).dispose();
    const optB = make(b);
    optB.setState(state);
    for (let i = 0; i < 5; i++) optB.minimize(() => loss(b.tensors()), b).dispose();
    expectBitIdentical(await b.flatten(), await a.flatten());
    expect(optB.name).toBe('RotatedAdam');
    optA.dispose();
    optB.dispose();
    a.dispose();
    b.dispose();
  });
});
