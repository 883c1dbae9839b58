import {
  diag,
  eigSym,
  haarOrthogonal,
  initBackend,
  type Matrix,
  matmul,
  Rng,
  transpose,
} from '@paperkit/tensor-core';
import { readHost } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  coordinateLabels,
  createRotation,
  gradientLinfBound,
  hessianRows,
  layerOrthogonality,
  oneOneNorm,
  oneOneNormEstimate,
  orthogonalityMetrics,
  partitionRow,
  type Rotation,
  secondMomentStats,
} from '../src/index.js';
import { toyParams } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const logspace = (a: number, b: number, n: number) =>
  Float64Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));

/** The d×d matrix of a rotation, column j = R e_j (only for tiny d in tests). */
async function denseOf(rot: Rotation): Promise<Matrix> {
  const d = rot.dim;
  const out = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const e = new Float32Array(d);
    e[j] = 1;
    const r = tf.tidy(() => rot.rotateFlat(tf.tensor1d(e)));
    const col = readHost(r);
    r.dispose();
    for (let i = 0; i < d; i++) out[i * d + j] = col[i]!;
  }
  return { rows: d, cols: d, data: out };
}

describe('update orthogonality (A.7 oracle 8)', () => {
  it('CV is 0 for orthogonal matrices, 0.5 for diag(1, 3), scale-invariant, 0.874475 for [[1, 2], [3, 4]]', () => {
    const q = haarOrthogonal(6, Rng.fromSeed(1));
    expect(orthogonalityMetrics(q).cv).toBeLessThan(1e-6);
    const semi = { rows: 3, cols: 6, data: q.data.slice(0, 18) };
    expect(orthogonalityMetrics(semi).cv).toBeLessThan(1e-6);
    expect(orthogonalityMetrics(diag([1, 3])).cv).toBe(0.5);
    const a = { rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) };
    const m = orthogonalityMetrics(a);
    expect(m.cv).toBeCloseTo(0.874475, 6);
    expect(orthogonalityMetrics({ ...a, data: a.data.map((x) => -7.5 * x) }).cv).toBeCloseTo(m.cv, 12);
    // (a) = CV²/(1 + CV²); (b) CV of s²; (d) entropy max ln r at orthogonality.
    expect(m.scaledFit).toBeCloseTo(m.cv ** 2 / (1 + m.cv ** 2), 12);
    const l = [5.46499 ** 2, 0.365966 ** 2];
    const ml = (l[0]! + l[1]!) / 2;
    expect(m.eigenCv).toBeCloseTo(Math.abs(l[0]! - ml) / ml, 4);
    expect(m.gramFit).toBeCloseTo(m.eigenCv ** 2 / (1 + m.eigenCv ** 2), 12);
    expect(orthogonalityMetrics(q).entropy).toBeCloseTo(Math.log(6), 10);
    expect(m.entropy).toBeLessThan(Math.log(2));
  });

  it('measures each fused part separately', async () => {
    const params = toyParams();
    const layers = await layerOrthogonality(params.tensors(), params);
    expect(layers.map((l) => l.layer)).toEqual([
      'tok.embedding',
      'block0.attn.qkv.weight#0',
      'block0.attn.qkv.weight#1',
      'block0.attn.qkv.weight#2',
      'head.weight',
    ]);
    const q = readHost(tf.slice(params.get('block0.attn.qkv.weight'), [0, 8], [8, 8]));
    expect(layers[2]!.cv).toBeCloseTo(orthogonalityMetrics({ rows: 8, cols: 8, data: q }).cv, 10);
    params.dispose();
  });
});

describe('(1,1)-norm (A.7 oracle 9)', () => {
  it('is 735.17 for diag(logspace(−2, 2, 64)), grows under a Haar rotation, never below tr H; the spectral norm stays 100', () => {
    const h = diag(logspace(-2, 2, 64));
    const base = oneOneNorm(h);
    expect(base).toBeCloseTo(735.17, 1);
    const r = haarOrthogonal(64, Rng.fromSeed(3));
    const rot = matmul(matmul(r, h), transpose(r));
    const n = oneOneNorm(rot);
    expect(n).toBeGreaterThan(3 * base);
    expect(n).toBeLessThan(64 * base);
    const eig = eigSym(rot).values;
    expect(Math.max(...eig)).toBeCloseTo(100, 8);
    const id = diag(new Float64Array(64).fill(1));
    expect(oneOneNorm(matmul(matmul(r, id), transpose(r)))).toBeCloseTo(64, 8);
  });

  it('the row estimate of ‖H‖_(1,1) is exact when every row is sampled', () => {
    const r = haarOrthogonal(8, Rng.fromSeed(4));
    const h = matmul(matmul(r, diag(logspace(-1, 1, 8))), transpose(r));
    const rows = Array.from({ length: 8 }, (_, i) => h.data.slice(i * 8, i * 8 + 8));
    expect(oneOneNormEstimate(rows).total).toBeCloseTo(oneOneNorm(h), 10);
  });
});

describe('Hessian rows (A.7 oracles 11, 12)', () => {
  const d = 10;
  const rng = Rng.fromSeed(21);
  // A = BᵀB/d + I: symmetric positive definite.
  const b = Float64Array.from({ length: d * d }, () => rng.normal());
  const bm = { rows: d, cols: d, data: b };
  const a = matmul(transpose(bm), bm);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) a.data[i * d + j] = a.data[i * d + j]! / d + (i === j ? 1 : 0);
  // Built inside the loss: tensors need the backend that beforeAll selects.
  const loss = (p: Record<string, tf.Tensor>) =>
    tf.tidy(() => {
      const at = tf.tensor2d(Float32Array.from(a.data), [d, d]);
      const w = tf.reshape(p.w!, [d, 1]);
      return tf.mul(0.5, tf.sum(tf.mul(w, tf.matMul(at, w)))) as tf.Scalar;
    });

  it('finite-difference rows of ½wᵀAw equal the rows of A within 1e-3; rotated rows equal rows of RARᵀ', async () => {
    const w = tf.variable(tf.linspace(-1, 1, d));
    const rows = await hessianRows(loss, { w }, [0, 3, 9]);
    [0, 3, 9].forEach((i, k) => {
      for (let j = 0; j < d; j++) expect(Math.abs(rows[k]![j]! - a.data[i * d + j]!)).toBeLessThan(1e-3);
    });
    const rot = createRotation({ w: [d] }, { scope: 'global', blockSize: 4, rng: Rng.fromSeed(2) });
    const r = await denseOf(rot);
    const rar = matmul(matmul(r, a), transpose(r));
    const rrows = await hessianRows(loss, { w }, [1, 8], { rotation: rot });
    [1, 8].forEach((i, k) => {
      for (let j = 0; j < d; j++) expect(Math.abs(rrows[k]![j]! - rar.data[i * d + j]!)).toBeLessThan(1e-3);
    });
    rot.dispose();
    w.dispose();
  });

  it('partition contributions add up: r·δw = c_N + c_L + c_¬L within 1e-6', () => {
    const params = toyParams();
    const labels = coordinateLabels(params);
    const dim = labels.layer.length;
    const g = Rng.fromSeed(9);
    const row = Float64Array.from({ length: dim }, () => g.normal());
    const dws = [
      Float64Array.from({ length: dim }, () => g.normal()),
      Float64Array.from({ length: dim }, () => g.normal()),
    ];
    // Coordinate of the query block: weight entry (2, 5) of the fused [8, 24] QKV.
    const i = 96 + 2 * 24 + 5;
    const part = partitionRow(row, i, labels, dws);
    for (const [k, c] of part.contributions.entries()) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += row[j]! * dws[k]![j]!;
      expect(Math.abs(c.neuron + c.layer + c.other - dot)).toBeLessThan(1e-6);
      expect(c.total).toBeCloseTo(dot, 9);
    }
    // Output neuron 5 of the Q part holds the 8 weights of column 5; the Q layer has 64 entries.
    expect(part.neuron.count).toBe(8);
    expect(part.layer.count).toBe(64 - 8);
    expect(part.other.count).toBe(dim - 64);
    expect(labels.layerNames).toContain('block0.attn.qkv.weight#1');
    params.dispose();
  });
});

describe('L∞ gradient bound and second moments', () => {
  it('C̃ is the largest gradient entry over the batches, in rotated coordinates when asked', async () => {
    const c = [Float32Array.from([0.5, -2, 0.1, 0]), Float32Array.from([1, 1, -3, 0.2])];
    const w = tf.variable(tf.zeros([4]));
    const cs = c.map((x) => tf.tensor1d(x));
    const loss = (p: Record<string, tf.Tensor>, i: number) => tf.sum(tf.mul(p.w!, cs[i]!)) as tf.Scalar;
    const plain = await gradientLinfBound(loss, { w }, { batches: 2 });
    expect(Array.from(plain.perBatch)).toEqual([2, 3]);
    expect(plain.bound).toBe(3);
    const rot = createRotation({ w: [4] }, { scope: 'global', blockSize: 4, rng: Rng.fromSeed(1) });
    const r = await denseOf(rot);
    const rotatedBound = await gradientLinfBound(loss, { w }, { batches: 2, rotation: rot });
    const expected = c.map((x) =>
      Math.max(
        ...Array.from({ length: 4 }, (_, i) =>
          Math.abs(x.reduce((s, v, j) => s + r.data[i * 4 + j]! * v, 0)),
        ),
      ),
    );
    expect(rotatedBound.perBatch[0]).toBeCloseTo(expected[0]!, 5);
    expect(rotatedBound.perBatch[1]).toBeCloseTo(expected[1]!, 5);
    await expect(gradientLinfBound(loss, { w }, { batches: 0 })).rejects.toThrow(
      /batches must be an integer >= 1/,
    );
    rot.dispose();
    tf.dispose([w, ...cs]);
  });

  it('secondMomentStats: std of log10 v, quantiles and a histogram over the non-zero entries', () => {
    const v = [1e-6, 1e-4, 1e-2, 0, 1];
    const s = secondMomentStats(v, { bins: 3, range: [-6, 0] });
    expect(s.zeros).toBe(1);
    expect(s.meanLog10).toBeCloseTo(-3, 12);
    expect(s.stdLog10).toBeCloseTo(Math.sqrt(5), 12);
    expect(s.histogram.counts).toEqual([1, 1, 2]);
    expect(s.quantiles[2]).toBeCloseTo(-3, 12);
    expect(() => secondMomentStats([0, 0])).toThrow(/at least one non-zero/);
    expect(() => secondMomentStats([-1])).toThrow(/v\[0\] must be a finite number >= 0/);
  });
});
