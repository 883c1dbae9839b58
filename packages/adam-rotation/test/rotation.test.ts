import {
  det,
  haarOrthogonal,
  identity,
  initBackend,
  type Matrix,
  matmul,
  ParamMap,
  Rng,
  randomNormal,
  transpose,
} from '@paperkit/tensor-core';
import { expectNoLeak, maxAbsDiff, readHost } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BlockRotation,
  buildPlan,
  createRotation,
  describeParams,
  NeuronRotation,
  partition,
  ROTATION_SCOPES,
  type Rotation,
  type RotationScope,
} from '../src/index.js';
import { toyParams } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

function maxOffIdentity(m: Matrix): number {
  const p = matmul(m, transpose(m));
  let worst = 0;
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.rows; j++)
      worst = Math.max(worst, Math.abs(p.data[i * m.rows + j]! - (i === j ? 1 : 0)));
  return worst;
}

/** A rotation of the toy map for each scope; svd gets its basis from one refresh at t = 1. */
function toyRotation(scope: RotationScope, params = toyParams()): Rotation {
  const rng = Rng.fromSeed(3);
  const rot =
    scope === 'svd'
      ? createRotation(params, { scope, every: 1 })
      : scope === 'global' || scope === 'layer'
        ? createRotation(params, { scope, blockSize: 16, rng })
        : createRotation(params, { scope, rng });
  if (scope === 'svd') {
    const g = tf.tidy(() =>
      Object.fromEntries(
        params.names().map((n) => [n, randomNormal(rng.stream(n), params.info(n).shape as number[])]),
      ),
    );
    rot.refresh(g, 1);
    tf.dispose(Object.values(g));
  }
  return rot;
}

describe('Haar blocks (A.7 oracles 1, 2)', () => {
  it('are orthogonal to 1e-12 in float64 with |det| = 1, and det = +1 with special', () => {
    for (const n of [2, 7, 16, 64, 128]) {
      const r = haarOrthogonal(n, Rng.fromSeed(n));
      expect(maxOffIdentity(r)).toBeLessThan(1e-12);
      expect(Math.abs(Math.abs(det(r)) - 1)).toBeLessThan(1e-4);
    }
    let sawNegative = false;
    for (let s = 0; s < 10; s++) {
      sawNegative ||= det(haarOrthogonal(5, Rng.fromSeed(s))) < 0;
      expect(det(haarOrthogonal(5, Rng.fromSeed(s), { special: true }))).toBeCloseTo(1, 10);
    }
    expect(sawNegative).toBe(true);
  });

  it('the float32 blocks a rotation uploads are orthogonal to 1e-5', async () => {
    const params = { w: [4096] };
    const rot = createRotation(params, {
      scope: 'global',
      blockSize: 128,
      rng: Rng.fromSeed(1),
    }) as BlockRotation;
    const m = rot.plan.segments[0]!.matrix!;
    const r = tf.tensor2d(Float32Array.from(m.data), [128, 128]);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.matMul(r, r, false, true), tf.eye(128)))));
    expect((await err.data())[0]).toBeLessThan(1e-5);
    tf.dispose([r, err]);
  });

  it('have E[R11] ≈ 0 and E[R11²] ≈ 1/8 over 2000 samples of n = 8', () => {
    const rng = Rng.fromSeed(2024);
    let m1 = 0;
    let m2 = 0;
    for (let k = 0; k < 2000; k++) {
      const r11 = haarOrthogonal(8, rng).data[0]!;
      m1 += r11 / 2000;
      m2 += (r11 * r11) / 2000;
    }
    expect(Math.abs(m1)).toBeLessThan(0.03);
    expect(Math.abs(m2 - 1 / 8)).toBeLessThan(0.01);
  });
});

describe('rotate / unrotate (A.7 oracle 1)', () => {
  for (const scope of ROTATION_SCOPES) {
    it(`${scope}: preserves the norm to 1e-5 and unrotate∘rotate = id to 1e-6`, async () => {
      const params = toyParams();
      const rot = toyRotation(scope, params);
      const g = tf.tidy(() =>
        Object.fromEntries(
          params
            .names()
            .map((n) => [n, randomNormal(Rng.fromSeed(9).stream(n), params.info(n).shape as number[])]),
        ),
      );
      const r = rot.rotate(g);
      const back = rot.unrotate(r);
      const flat = async (x: Record<string, tf.Tensor>) => {
        const t = tf.concat(params.names().map((n) => tf.reshape(x[n]!, [-1])));
        const out = readHost(t);
        t.dispose();
        return out;
      };
      const [a, b, c] = [await flat(g), await flat(r), await flat(back)];
      const norm = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
      expect(Math.abs(norm(b) - norm(a)) / norm(a)).toBeLessThan(1e-5);
      expect(maxAbsDiff(c, a)).toBeLessThan(1e-6);
      if (scope !== 'none') expect(maxAbsDiff(b, a)).toBeGreaterThan(1e-2);
      tf.dispose([...Object.values(r), ...Object.values(back)]);
      rot.dispose();
      tf.dispose(Object.values(g));
      params.dispose();
    });
  }

  it('handles a residual block: s = 100, n = 16 gives 6 blocks of 16 and one of 4', async () => {
    const rot = createRotation(
      { w: [100] },
      { scope: 'layer', blockSize: 16, rng: Rng.fromSeed(5) },
    ) as BlockRotation;
    expect(rot.blocks()).toEqual([
      { size: 16, rows: 6, rotated: true },
      { size: 4, rows: 1, rotated: true },
    ]);
    const g = { w: randomNormal(Rng.fromSeed(6), [100]) };
    const r = rot.rotate(g);
    const back = rot.unrotate(r);
    expect(maxAbsDiff(readHost(back.w!), readHost(g.w))).toBeLessThan(1e-6);
    tf.dispose([g.w, r.w!, back.w!]);
    rot.dispose();
  });

  it('keeps rotated coordinates inside their own layer (layer) and neuron (fanIn)', async () => {
    const params = toyParams();
    // A gradient living on output neuron 5 of the head only.
    const g = tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      for (const n of params.names()) out[n] = tf.zeros(params.info(n).shape as number[]);
      const h = new Float32Array(8 * 12);
      for (let i = 0; i < 8; i++) h[i * 12 + 5] = i + 1;
      out['head.weight'] = tf.tensor2d(h, [8, 12]);
      return out;
    });
    for (const scope of ['layer', 'fanIn'] as const) {
      const rot = createRotation(params, {
        scope,
        rng: Rng.fromSeed(1),
        ...(scope === 'layer' ? { blockSize: 16 } : {}),
      });
      const r = rot.rotate(g);
      for (const n of params.names()) {
        const v = readHost(r[n]!);
        if (n !== 'head.weight') expect(maxAbsDiff(v, new Float64Array(v.length))).toBe(0);
        else if (scope === 'fanIn') for (let i = 0; i < v.length; i++) if (i % 12 !== 5) expect(v[i]).toBe(0);
      }
      tf.dispose(Object.values(r));
      rot.dispose();
    }
    tf.dispose(Object.values(g));
    params.dispose();
  });

  it('fanOut on an embedding rotates within each token; fanIn mixes tokens', async () => {
    const params = toyParams();
    const g = tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      for (const n of params.names()) out[n] = tf.zeros(params.info(n).shape as number[]);
      const e = new Float32Array(12 * 8);
      for (let j = 0; j < 8; j++) e[3 * 8 + j] = j + 1; // token 3 only
      out['tok.embedding'] = tf.tensor2d(e, [12, 8]);
      return out;
    });
    const rows = async (scope: 'fanOut' | 'fanIn' | 'tokenLocal') => {
      const rot = createRotation(params, { scope, rng: Rng.fromSeed(1) });
      const r = rot.rotate(g);
      const v = readHost(r['tok.embedding']!);
      tf.dispose(Object.values(r));
      rot.dispose();
      const touched = new Set<number>();
      v.forEach((x, i) => {
        if (x !== 0) touched.add(Math.floor(i / 8));
      });
      return [...touched];
    };
    expect(await rows('fanOut')).toEqual([3]);
    expect(await rows('tokenLocal')).toEqual([3]);
    expect((await rows('fanIn')).length).toBeGreaterThan(6);
    tf.dispose(Object.values(g));
    params.dispose();
  });

  it('neuron-wise scopes run as one GEMM per tensor, the same map as the general block plan', async () => {
    // A conv-like 4-D weight [kh, kw, in, out] with 2 fused parts exercises every transpose.
    const shapes = { conv: [2, 3, 4, 6], 'mix.qkv.weight': [5, 9], emb: [7, 4] };
    const rng = Rng.fromSeed(31);
    const values = Object.fromEntries(
      Object.entries(shapes).map(([k, s]) => [k, randomNormal(rng.stream(k), s)]),
    );
    const params = ParamMap.fromTensors({
      conv: { value: values.conv!, role: 'weight', layout: { outAxis: 3, inAxis: 2 } },
      'mix.qkv.weight': {
        value: values['mix.qkv.weight']!,
        role: 'weight',
        layout: { outAxis: 1, inAxis: 0 },
      },
      emb: { value: values.emb!, role: 'embedding', layout: { outAxis: 1, inAxis: 0 } },
    });
    const fused = { conv: 2 };
    for (const scope of ['fanIn', 'fanOut', 'tokenLocal'] as const) {
      const fast = createRotation(params, { scope, rng: Rng.fromSeed(4), fused });
      expect(fast).toBeInstanceOf(NeuronRotation);
      const slots = describeParams(params, fused);
      const general = new BlockRotation(
        scope,
        slots,
        buildPlan(
          params.size,
          partition(slots, scope, () => true),
          {
            blockSize: 'group',
            permute: false,
            matrix: undefined,
            residual: 'haar',
            special: false,
            rng: Rng.fromSeed(4),
          },
        ),
      );
      const a = fast.rotate(values);
      const b = general.rotate(values);
      const back = fast.unrotate(a);
      for (const n of Object.keys(shapes)) {
        expect(maxAbsDiff(readHost(a[n]!), readHost(b[n]!))).toBeLessThan(1e-5);
        expect(maxAbsDiff(readHost(back[n]!), readHost(values[n]!))).toBeLessThan(1e-5);
      }
      tf.dispose([...Object.values(a), ...Object.values(b), ...Object.values(back)]);
      fast.dispose();
      general.dispose();
    }
    tf.dispose(Object.values(values));
    params.dispose();
  });

  it('never builds a d×d matrix: global on 1e5 coordinates with n = 64 holds one 64×64 block', () => {
    const rot = createRotation(
      { a: [300, 200], b: [40000] },
      { scope: 'global', blockSize: 64, rng: Rng.fromSeed(1) },
    ) as BlockRotation;
    const blocks = rot.blocks();
    expect(blocks[0]).toEqual({ size: 64, rows: Math.floor(100000 / 64), rotated: true });
    expect(blocks.every((b) => b.size <= 64)).toBe(true);
  });

  it('leaks no tensor per rotate/unrotate after the first use', async () => {
    const params = toyParams();
    for (const scope of ['global', 'fanOut', 'svd'] as const) {
      const rot = toyRotation(scope, params);
      const g = params.tensors();
      tf.dispose(Object.values(rot.rotate(g)));
      await expectNoLeak(() => {
        const r = rot.rotate(g);
        tf.dispose([...Object.values(rot.unrotate(r)), ...Object.values(r)]);
      });
      rot.dispose();
    }
    params.dispose();
  });
});

describe('what rotation does to coordinates (A.7 oracles 10, 13)', () => {
  it('a dense Haar rotation of d = 1024 spreads e1: ‖R e1‖∞ < 0.2, ‖R e1‖₂ = 1', async () => {
    const rot = createRotation({ w: [1024] }, { scope: 'global', blockSize: 1024, rng: Rng.fromSeed(7) });
    const e = new Float32Array(1024);
    e[0] = 1;
    const r = readHost(rot.rotate({ w: tf.tensor1d(e) }).w!);
    const inf = r.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(inf).toBeLessThan(0.2);
    expect(inf).toBeGreaterThan(0.05);
    expect(Math.abs(Math.sqrt(r.reduce((s, x) => s + x * x, 0)) - 1)).toBeLessThan(1e-5);
    rot.dispose();
  });

  it('a global block rotation (n = 64) concentrates log-magnitudes of a heavy-tailed gradient', async () => {
    const rng = Rng.fromSeed(11);
    const g = new Float32Array(4096);
    for (let i = 0; i < g.length; i++) g[i] = (rng.next() < 0.5 ? -1 : 1) * 10 ** rng.uniform(-3, 0);
    const rot = createRotation({ w: [4096] }, { scope: 'global', blockSize: 64, rng: Rng.fromSeed(12) });
    const r = readHost(rot.rotate({ w: tf.tensor1d(g) }).w!);
    const spread = (x: ArrayLike<number>) => {
      const l = Array.from(x, (v) => Math.log10(Math.abs(v)));
      const m = l.reduce((a, b) => a + b, 0) / l.length;
      return Math.sqrt(l.reduce((a, b) => a + (b - m) ** 2, 0) / l.length);
    };
    expect(spread(r)).toBeLessThan(spread(g));
    rot.dispose();
  });
});

describe('bad input', () => {
  const p = { w: [10, 4] };
  it('names the parameter, value and what is allowed', () => {
    expect(() => createRotation(p, { scope: 'diagonal' as RotationScope })).toThrow(
      /scope must be one of "none", "global"/,
    );
    expect(() => createRotation(p, { scope: 'layer', blockSize: 16, residual: 'error' })).toThrow(
      /blockSize must be a divisor of every rotation group's size/,
    );
    expect(() => createRotation(p, { scope: 'global', blockSize: 0 })).toThrow(
      /blockSize must be an integer >= 1/,
    );
    expect(() =>
      createRotation(p, { scope: 'global', matrix: { rows: 2, cols: 2, data: [1, 1, 0, 1] } }),
    ).toThrow(/matrix must be orthogonal/);
    expect(() =>
      createRotation(p, { scope: 'global', matrix: { rows: 2, cols: 3, data: [1, 0, 0, 0, 1, 0] } }),
    ).toThrow(/square orthogonal/);
    expect(() => createRotation(p, { scope: 'global', matrix: identity(4), blockSize: 8 })).toThrow(
      /blockSize must be the order of the given matrix/,
    );
    expect(() => createRotation(p, { scope: 'svd', blockSize: 4 })).toThrow(
      /blockSize must be absent with scope 'svd'/,
    );
    expect(() => createRotation(p, { scope: 'layer', every: 5 })).toThrow(
      /every must be used only with scope 'svd'/,
    );
    expect(() => createRotation(p, { scope: 'layer', blocksize: 4 } as never)).toThrow(
      /options.blocksize must be one of the known options/,
    );
    expect(() => createRotation({ qkv: [4, 10] }, { scope: 'layer' })).toThrow(
      /fused.qkv must be a divisor of axis 1/,
    );
    expect(() => createRotation({ w: [0] }, { scope: 'layer' })).toThrow(
      /params.w must be a tensor or a shape/,
    );
    expect(() => createRotation({}, { scope: 'layer' })).toThrow(/params must be at least one parameter/);
    expect(() => createRotation(p, { scope: 'global', blockSize: 41 })).toThrow(
      /blockSize must be an integer in \[1, 40\] \(the largest global rotation group has 40 coordinates\); got 41/,
    );
    expect(() => createRotation({ w: [10, 4], b: [4] }, { scope: 'layer', blockSize: 64 })).toThrow(
      /blockSize must be an integer in \[1, 40\]/,
    );
    expect(() => createRotation({ w: [10, 4] }, { scope: 'fanOut', blockSize: 5 })).toThrow(
      /blockSize must be an integer in \[1, 4\] \(the largest fanOut rotation group/,
    );
    expect(() => createRotation({ w: [10, 4], b: [4] }, { scope: 'fanIn', include: () => true })).toThrow(
      /include must be a filter selecting only weights with input and output axes \(rank ≥ 2\) with scope 'fanIn'; got "a filter selecting b \(shape \[4\], no neuron layout\)"/,
    );
    expect(() => createRotation({ k: [3, 3, 4] }, { scope: 'svd', include: () => true })).toThrow(
      /include must be a filter selecting only rank-2 weight matrices with scope 'svd'.*k \(shape \[3,3,4\]\)/,
    );
    // Defaults skip what they cannot rotate instead: vectors under fanIn, non-matrices under svd.
    expect(createRotation({ w: [10, 4], b: [4] }, { scope: 'fanIn' }).scope).toBe('fanIn');
    expect(createRotation({ k: [3, 3, 4], w: [10, 4] }, { scope: 'svd' }).scope).toBe('svd');
    const rot = createRotation(p, { scope: 'global', blockSize: 8 });
    expect(() => rot.rotate({})).toThrow(/x.w must be a tensor \(the rotation covers w/);
    const bad = tf.zeros([4, 10]);
    expect(() => rot.rotate({ w: bad })).toThrow(/x.w must be a tensor of shape \[10,4\]/);
    bad.dispose();
  });
});
