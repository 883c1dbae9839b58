import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  applyTransformer,
  causalMask,
  embeddingLookup,
  gradientCheck,
  gradientMismatches,
  initTransformer,
  languageModelLoss,
  type TransformerConfig,
} from '../src/nn/index.js';
import { Rng } from '../src/random/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const cfg: TransformerConfig = { vocabSize: 7, contextLength: 6, dModel: 8, heads: 2, layers: 2 };

function tokens(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

describe('initTransformer', () => {
  it('names, shapes, roles, layouts and groups', () => {
    const pm = initTransformer(Rng.fromSeed(1), { ...cfg, layers: 1 });
    expect(pm.names()).toEqual([
      'tok.embedding',
      'pos.embedding',
      'block0.ln1.gain',
      'block0.ln1.bias',
      'block0.attn.qkv.weight',
      'block0.attn.qkv.bias',
      'block0.attn.proj.weight',
      'block0.attn.proj.bias',
      'block0.ln2.gain',
      'block0.ln2.bias',
      'block0.mlp.fc1.weight',
      'block0.mlp.fc1.bias',
      'block0.mlp.fc2.weight',
      'block0.mlp.fc2.bias',
      'lnf.gain',
      'lnf.bias',
      'head.weight',
    ]);
    expect(pm.info('block0.attn.qkv.weight')).toEqual({
      role: 'weight',
      shape: [8, 24],
      layout: { outAxis: 1, inAxis: 0 },
      group: 'block0.attn.qkv',
    });
    expect(pm.info('tok.embedding')).toMatchObject({ role: 'embedding', shape: [7, 8] });
    expect(pm.info('pos.embedding').shape).toEqual([6, 8]);
    expect(pm.info('block0.mlp.fc1.weight').shape).toEqual([8, 32]);
    expect(pm.info('block0.ln2.gain')).toEqual({ role: 'norm', shape: [8], group: 'block0.ln2' });
    expect(pm.info('head.weight').shape).toEqual([8, 7]);
    pm.dispose();
    const tied = initTransformer(Rng.fromSeed(1), { ...cfg, tiedHead: true });
    expect(tied.has('head.weight')).toBe(false);
    tied.dispose();
  });

  it('GPT-2 init: N(0, 0.02²), residual projections scaled by 1/√(2L), gains 1, biases 0', async () => {
    const big: TransformerConfig = { vocabSize: 50, contextLength: 8, dModel: 64, heads: 4, layers: 2 };
    const pm = initTransformer(Rng.fromSeed(2), big);
    const std = async (n: string) => {
      const v = Array.from(await pm.get(n).data());
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    // 12 288 (fc1) and 4 096 (proj) draws: sample std within ~1.5% (3σ); margins 5%.
    expect(Math.abs((await std('block1.mlp.fc1.weight')) / 0.02 - 1)).toBeLessThan(0.05);
    expect(Math.abs((await std('block1.attn.proj.weight')) / (0.02 / 2) - 1)).toBeLessThan(0.05);
    expect(Array.from(await pm.get('block0.ln1.gain').data()).every((x) => x === 1)).toBe(true);
    expect(Array.from(await pm.get('block0.attn.qkv.bias').data()).every((x) => x === 0)).toBe(true);
    pm.dispose();
  });

  it('same seed gives identical parameters', async () => {
    const a = initTransformer(Rng.fromSeed(3), cfg);
    const b = initTransformer(Rng.fromSeed(3), cfg);
    const c = initTransformer(Rng.fromSeed(4), cfg);
    expect(await b.flatten()).toEqual(await a.flatten());
    expect(await c.flatten()).not.toEqual(await a.flatten());
    for (const m of [a, b, c]) m.dispose();
  });

  it('rejects a width that heads do not divide', () => {
    expect(() => initTransformer(Rng.fromSeed(1), { ...cfg, heads: 3 })).toThrow(
      /heads must be a divisor of dModel/,
    );
  });
});

describe('applyTransformer', () => {
  it('returns logits [B, T, V] for any T ≤ contextLength', () => {
    const pm = initTransformer(Rng.fromSeed(5), cfg);
    const y = tf.tidy(() =>
      applyTransformer(
        pm.tensors(),
        tokens([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        cfg,
      ),
    );
    expect(y.shape).toEqual([2, 3, 7]);
    y.dispose();
    expect(() => applyTransformer(pm.tensors(), tf.zeros([1, 7], 'int32'), cfg)).toThrow(/1 <= T <= 6/);
    pm.dispose();
  });

  it.each([false, true])(
    'is causal: changing token t+1 leaves logits at positions ≤ t unchanged (tied %s)',
    async (tiedHead) => {
      const c = { ...cfg, tiedHead, initStd: 0.5 };
      const pm = initTransformer(Rng.fromSeed(6), c);
      const base = [3, 1, 4, 1, 5, 2];
      const run = async (seq: number[]) =>
        (await tf.tidy(() => applyTransformer(pm.tensors(), tokens([seq]), c)).data()) as Float32Array;
      const y0 = await run(base);
      for (let t = 0; t + 1 < base.length; t++) {
        const changed = [...base];
        changed[t + 1] = (changed[t + 1]! + 3) % 7;
        const y1 = await run(changed);
        // Masked weights are exactly 0 (exp underflow), so earlier positions are bit-identical.
        expect(Array.from(y1.subarray(0, (t + 1) * 7))).toEqual(Array.from(y0.subarray(0, (t + 1) * 7)));
        const later = y1.subarray((t + 1) * 7);
        const diff = Math.max(...later.map((v, i) => Math.abs(v - y0[(t + 1) * 7 + i]!)));
        expect(diff).toBeGreaterThan(1e-3);
      }
      pm.dispose();
    },
  );

  it('causal mask is 0 on and below the diagonal, −1e9 above', async () => {
    const m = causalMask(3);
    expect(Array.from(await m.data())).toEqual([0, -1e9, -1e9, 0, 0, -1e9, 0, 0, 0].map(Math.fround));
    m.dispose();
  });

  it('embedding lookup returns exact rows on wasm (one-hot matMul) and cpu (gather)', async () => {
    const table = tf.tensor2d([0.1, 0.2, 1.5, -3, 7.25, 1e-8], [3, 2]);
    const ids = tf.tensor2d([2, 0, 1, 2], [2, 2], 'int32');
    const expected = [7.25, 1e-8, 0.1, 0.2, 1.5, -3, 7.25, 1e-8].map(Math.fround);
    const wasm = embeddingLookup(table, ids);
    expect(wasm.shape).toEqual([2, 2, 2]);
    expect(Array.from(await wasm.data())).toEqual(expected);
    await initBackend({ prefer: 'cpu', blas: 'off' });
    try {
      const cpu = embeddingLookup(table, ids);
      expect(Array.from(await cpu.data())).toEqual(expected);
      cpu.dispose();
    } finally {
      await initBackend({ prefer: 'wasm', blas: 'off' });
    }
    tf.dispose([table, ids, wasm]);
  });

  it.each([false, true])('gradients match finite differences (tied head %s)', async (tiedHead) => {
    // initStd 0.3 makes attention far from uniform so every path carries a visible gradient.
    const c = { ...cfg, tiedHead, initStd: 0.3 };
    const rng = Rng.fromSeed(31);
    const pm = initTransformer(rng.stream('init'), c);
    const x = tokens([
      [1, 5, 2, 6, 0],
      [3, 3, 4, 1, 6],
    ]);
    const y = tokens([
      [5, 2, 6, 0, 4],
      [3, 4, 1, 6, 2],
    ]);
    const before = tf.memory().numTensors;
    const r = await gradientCheck((p) => languageModelLoss(applyTransformer(p, x, c), y), pm.tensors(), {
      rng: rng.stream('check'),
      coordinates: 6,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(r.comparisons[0]!.analytic)).toBeGreaterThan(1e-2);
    expect(gradientMismatches(r)).toEqual([]);
    tf.dispose([x, y]);
    pm.dispose();
  });

  it('forward + variableGrads leaks no tensors', () => {
    const pm = initTransformer(Rng.fromSeed(8), cfg);
    const x = tokens([[1, 2, 3, 4]]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() =>
      languageModelLoss(applyTransformer(pm.tensors(), x, cfg), x),
    );
    expect(Object.keys(grads).length).toBe(pm.count);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    pm.dispose();
  });
});

describe('languageModelLoss', () => {
  it('is log V for uniform logits and matches a host softmax cross-entropy', async () => {
    const zeros = tf.zeros([2, 3, 5]);
    const t = tokens([
      [0, 1, 2],
      [3, 4, 0],
    ]);
    expect((await languageModelLoss(zeros, t).data())[0]).toBeCloseTo(Math.log(5), 6);
    const lv = [0.5, -1, 2, 0.1, 0.3, 1, 1, 1, -2, 0];
    const logits = tf.tensor3d(lv, [1, 2, 5]);
    const targets = tokens([[2, 4]]);
    const host = (row: number[], k: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[k]!;
    const want = (host(lv.slice(0, 5), 2) + host(lv.slice(5), 4)) / 2;
    expect((await languageModelLoss(logits, targets).data())[0]).toBeCloseTo(want, 6);
    expect(() => languageModelLoss(logits, tokens([[1, 2, 3]]))).toThrow(/targets must be/);
    tf.dispose([zeros, t, logits, targets]);
  });
});
