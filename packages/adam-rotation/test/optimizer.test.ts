import {
  Adam,
  type AdamConfig,
  AdamW,
  fromRows,
  initBackend,
  Momentum,
  type Optimizer,
  type ParamMap,
  Rng,
  SGD,
} from '@paperkit/tensor-core';
import { expectBitIdentical, maxAbsDiff, readHost } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRotation, ROTATION_SCOPES, type Rotation, rotated } from '../src/index.js';
import { toyParams } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

/** A smooth non-quadratic loss coupling the toy tensors (embedding × head product, log-barrier-free). */
function toyLoss(p: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    let l: tf.Tensor = tf.scalar(0);
    for (const [k, t] of Object.entries(p)) {
      const target = (k.length % 5) / 5 - 0.4;
      l = tf.add(l, tf.sum(tf.log1p(tf.square(tf.sub(t, target)))));
    }
    const logits = tf.matMul(p['tok.embedding']! as tf.Tensor2D, p['head.weight']! as tf.Tensor2D);
    return tf.add(l, tf.mul(0.05, tf.sum(tf.square(tf.tanh(logits))))) as tf.Scalar;
  });
}

async function flat(params: ParamMap): Promise<Float32Array> {
  return params.flatten();
}

async function trajectory(opt: Optimizer, params: ParamMap, steps: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => toyLoss(params.tensors()), params).dispose();
    out.push(await flat(params));
  }
  return out;
}

/** A signed permutation D·P of order n. */
function signedPermutation(n: number, rng: Rng): { rows: number; cols: number; data: Float64Array } {
  const pi = rng.permutation(n);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + pi[i]!] = rng.next() < 0.5 ? -1 : 1;
  return { rows: n, cols: n, data };
}

describe('exact equivalences (A.7 oracles 3, 4)', () => {
  const make = (kind: 'none' | 'identity' | 'signed') => (params: ParamMap) => {
    if (kind === 'none') return createRotation(params, { scope: 'none' });
    const n = 8;
    const matrix =
      kind === 'identity'
        ? fromRows(
            Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))),
          )
        : signedPermutation(n, Rng.fromSeed(4));
    return createRotation(params, {
      scope: 'global',
      matrix,
      permute: kind === 'signed',
      rng: Rng.fromSeed(2),
    });
  };
  for (const kind of ['none', 'identity', 'signed'] as const)
    for (const [label, Base, cfg] of [
      ['Adam', Adam, { lr: 0.05 }],
      ['AdamW', AdamW, { lr: 0.05, weightDecay: 0.1 }],
      ['Adam (coupled L2, amsgrad)', Adam, { lr: 0.05, weightDecay: 0.01, amsgrad: true }],
    ] as const)
      it(`${label} with R = ${kind} equals the plain optimizer bit-for-bit at every step`, async () => {
        const a = toyParams(1);
        const b = toyParams(1);
        const plain = new (Base as typeof Adam)(cfg);
        const rot = rotated(new (Base as typeof Adam)(cfg), make(kind)(b));
        const ta = await trajectory(plain, a, 12);
        const tb = await trajectory(rot, b, 12);
        for (let i = 0; i < ta.length; i++) expectBitIdentical(tb[i]!, ta[i]!);
        plain.dispose();
        rot.dispose();
        a.dispose();
        b.dispose();
      });
});

describe('equivariance of SGD and momentum (A.7 oracle 5, Prop. 1)', () => {
  for (const [label, Base, cfg] of [
    ['SGD', SGD, { lr: 0.05 }],
    ['Momentum', Momentum, { lr: 0.05, momentum: 0.9 }],
    ['Momentum + coupled L2', Momentum, { lr: 0.05, momentum: 0.9, weightDecay: 0.01 }],
  ] as const)
    it(`rotated ${label} follows the plain trajectory within 1e-5 relative over 100 steps`, async () => {
      const a = toyParams(2);
      const b = toyParams(2);
      const plain = new (Base as typeof SGD)(cfg);
      const rot = rotated(
        new (Base as typeof SGD)(cfg),
        createRotation(b, { scope: 'global', blockSize: 16, rng: Rng.fromSeed(5) }),
      );
      const ta = await trajectory(plain, a, 100);
      const tb = await trajectory(rot, b, 100);
      const scale = Math.max(...Array.from(ta[99]!, Math.abs));
      expect(maxAbsDiff(tb[99]!, ta[99]!) / scale).toBeLessThan(1e-5);
      expect(maxAbsDiff(ta[99]!, ta[0]!)).toBeGreaterThan(0.1);
      plain.dispose();
      rot.dispose();
      a.dispose();
      b.dispose();
    });
});

/**
 * Alg. 4 ≡ running the optimizer on f^(R)(w̃) = f(Rᵀw̃) from w̃₀ = Rθ₀: R·θ_t = w̃_t. One dense R on a
 * single 16-vector (no permutation, so Rᵀ is one matMul and differentiable on every backend).
 */
describe('rotated optimizer = optimizer on the rotated objective (Alg. 4)', () => {
  const target = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i) * 2);
  const f = (w: tf.Tensor) =>
    tf.tidy(
      () =>
        tf.sum(
          tf.log1p(tf.square(tf.sub(tf.mul(w, tf.linspace(0.1, 3, 16)), tf.tensor1d(target)))),
        ) as tf.Scalar,
    );
  for (const [label, Base, cfg] of [
    ['AdamW (decay in the original basis)', AdamW, { lr: 0.05, weightDecay: 0.1 }],
    ['Adam with coupled L2', Adam, { lr: 0.05, weightDecay: 0.05 }],
    ['Momentum', Momentum, { lr: 0.02, momentum: 0.9 }],
  ] as const)
    it(label, async () => {
      const rot: Rotation = createRotation(
        { w: [16] },
        { scope: 'global', blockSize: 16, permute: false, rng: Rng.fromSeed(8) },
      );
      const theta = tf.variable(tf.linspace(-1, 1, 16));
      const wt = tf.variable(rot.rotate({ w: theta }).w!);
      const a = rotated(new (Base as typeof Adam)(cfg as AdamConfig), rot);
      const b = new (Base as typeof Adam)(cfg as AdamConfig);
      for (let i = 0; i < 50; i++) {
        a.minimize(() => f(theta), { w: theta }).dispose();
        b.minimize(() => f(rot.unrotate({ w: wt }).w!), { w: wt }).dispose();
      }
      const rTheta = rot.rotate({ w: theta }).w!;
      const lin = tf.linspace(-1, 1, 16);
      const [x, y, t0] = [readHost(rTheta), readHost(wt), readHost(lin)];
      expect(maxAbsDiff(x, y)).toBeLessThan(2e-5);
      expect(maxAbsDiff(readHost(theta), t0)).toBeGreaterThan(0.1);
      lin.dispose();
      a.dispose();
      b.dispose();
      tf.dispose([theta, wt, rTheta]);
    });
});

describe('hand-computed first step (A.7 oracle 6)', () => {
  const c = Math.SQRT1_2;
  const r45 = fromRows([
    [c, -c],
    [c, c],
  ]);
  const step = async (opt: Optimizer) => {
    const w = tf.variable(tf.tensor1d([1, 1]));
    const coef = tf.tensor1d([1, 100]);
    opt.minimize(() => tf.mul(0.5, tf.sum(tf.mul(coef, tf.square(w)))) as tf.Scalar, { w }).dispose();
    const out = readHost(w);
    tf.dispose([w, coef]);
    opt.dispose();
    return [out[0]! - 1, out[1]! - 1];
  };
  const rot = () => createRotation({ w: [2] }, { scope: 'global', matrix: r45, permute: false });

  it('Adam: (−0.1, −0.1) unrotated, (0, −0.141421) under the 45° rotation', async () => {
    const plain = await step(new Adam({ lr: 0.1 }));
    expect(plain[0]).toBeCloseTo(-0.1, 6);
    expect(plain[1]).toBeCloseTo(-0.1, 6);
    const r = await step(rotated(new Adam({ lr: 0.1 }), rot()));
    expect(Math.abs(r[0]!)).toBeLessThan(1e-6);
    expect(r[1]).toBeCloseTo(-0.141421, 5);
  });

  it('SGD: (−0.1, −10) with and without the rotation', async () => {
    for (const d of [await step(new SGD({ lr: 0.1 })), await step(rotated(new SGD({ lr: 0.1 }), rot()))]) {
      expect(d[0]).toBeCloseTo(-0.1, 5);
      expect(d[1]).toBeCloseTo(-10, 4);
    }
  });
});

describe('memory (A.7 oracle 14)', () => {
  for (const scope of ROTATION_SCOPES)
    it(`${scope}: the tensor count is the same at step 10 and step 20, and dispose frees everything`, async () => {
      const params = toyParams(3);
      const base = tf.memory().numTensors;
      const rot = createRotation(
        params,
        scope === 'svd'
          ? { scope, every: 3, reprojectMoments: true }
          : {
              scope,
              rng: Rng.fromSeed(1),
              ...(scope === 'global' || scope === 'layer' ? { blockSize: 16 } : {}),
            },
      );
      const opt = rotated(new AdamW({ lr: 0.01, clipNorm: 1 }), rot, { trackDirection: true });
      let at10 = 0;
      for (let i = 1; i <= 20; i++) {
        opt.minimize(() => toyLoss(params.tensors()), params).dispose();
        if (i === 10) at10 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(at10);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(base);
      params.dispose();
    });
});

describe('bad input', () => {
  it('a rotated optimizer rejects gradients of unknown parameters and treats missing ones as zero', async () => {
    const params = toyParams(4);
    const opt = rotated(new Adam({ lr: 0.1 }), createRotation(params, { scope: 'global', blockSize: 16 }));
    const g = tf.ones([8]);
    expect(() => opt.step(params, { other: g })).toThrow(
      /grads.other must be a gradient for a known parameter/,
    );
    // A parameter that exists but that the rotation was not built for.
    const other = tf.variable(tf.zeros([8]));
    expect(() => opt.step({ ...params.tensors(), other }, { other: g })).toThrow(
      /grads.other must be a parameter the rotation was built for/,
    );
    other.dispose();
    const before = await params.flatten();
    opt.step(params, { 'ln.gain': g });
    const count = tf.memory().numTensors;
    const after = await params.flatten();
    // Every tensor moves: the gain's gradient was mixed into coordinates of every other tensor.
    const moved = params
      .slots()
      .map((s) =>
        maxAbsDiff(after.subarray(s.offset, s.offset + s.size), before.subarray(s.offset, s.offset + s.size)),
      );
    expect(Math.min(...moved)).toBeGreaterThan(0);
    opt.step(params, { 'ln.gain': g });
    expect(tf.memory().numTensors).toBe(count);
    expect(() => rotated(new Adam({ lr: 0.1 }), null as never)).toThrow(/rotation must be a Rotation/);
    g.dispose();
    opt.dispose();
    params.dispose();
  });

  it('rotated(optimizer, rotation) takes over a fresh optimizer, rejects a stepped one, and composes', async () => {
    const params = toyParams(5);
    const stepped = new Adam({ lr: 0.1 });
    stepped.minimize(() => toyLoss(params.tensors()), params).dispose();
    const rot = createRotation(params, { scope: 'global', blockSize: 16 });
    expect(() => rotated(stepped, rot)).toThrow(
      /optimizer must be an optimizer that has not stepped yet \(this one took 1 steps; its state is in the original basis\)/,
    );
    expect(() => rotated({ lr: 0.1 } as never, rot)).toThrow(/optimizer must be a tensor-core Optimizer/);
    const template = new AdamW({ lr: 0.01, weightDecay: 0.1, beta2: 0.99 });
    const once = rotated(template, rot);
    expect(once.name).toBe('RotatedAdamW');
    // The template is spent: its state lives in the rotated optimizer now.
    expect(() => template.minimize(() => toyLoss(params.tensors()), params)).toThrow(/step that one/);
    expect(() => rotated(template, rot)).toThrow(/optimizer must be an optimizer not wrapped already/);
    once.dispose();
    stepped.dispose();
    params.dispose();
  });

  it('a rotated optimizer saves the SVD bases with its moments: resume equals uninterrupted', async () => {
    const make = (params: ParamMap) =>
      rotated(
        new Adam({ lr: 0.01 }),
        createRotation(params, { scope: 'svd', every: 2, reprojectMoments: true }),
      );
    const pa = toyParams(6);
    const a = make(pa);
    for (let i = 0; i < 3; i++) a.minimize(() => toyLoss(pa.tensors()), pa).dispose();
    const state = JSON.parse(JSON.stringify(a.getState()));
    expect(Object.keys(state.transform.data.bases)).toContain('head.weight');
    const pb = toyParams(6);
    pb.unflatten(await pa.flatten());
    const b = make(pb);
    b.setState(state, pb);
    // Steps 4–6 recompute the basis at t = 5 and re-project the restored moments.
    for (let i = 0; i < 3; i++) {
      a.minimize(() => toyLoss(pa.tensors()), pa).dispose();
      b.minimize(() => toyLoss(pb.tensors()), pb).dispose();
    }
    expectBitIdentical(await pb.flatten(), await pa.flatten());
    const bad = JSON.parse(JSON.stringify(state));
    bad.transform.data.bases['head.weight'].u = [1, 2];
    const c = make(pb);
    expect(() => c.setState(bad, pb)).toThrow(
      /state\.transform\.data\.bases\.head\.weight\.u must be an array of 8² = 64 numbers/,
    );
    for (const o of [a, b, c]) o.dispose();
    pa.dispose();
    pb.dispose();
  });

  it('secondMoments needs an Adam-family optimizer that has stepped', async () => {
    const opt = rotated(
      new Momentum({ lr: 0.1, momentum: 0.9 }),
      createRotation({ x: [3] }, { scope: 'global', blockSize: 3 }),
    );
    await expect(opt.secondMoments()).rejects.toThrow(/an Adam-family optimizer that has taken a step/);
    expect(opt.lastDirection()).toBeNull();
    opt.dispose();
  });
});
