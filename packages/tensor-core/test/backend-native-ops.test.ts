import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blasStatus, setBlasThreads } from '../src/backend/blas/index.js';
import { probeNative } from '../src/backend/blas/native.js';
import {
  applyTransformer,
  disableNativeOps,
  enableNativeOps,
  initBackend,
  initTransformer,
  languageModelLoss,
  NATIVE_OP_KERNELS,
  nativeOpsEnabled,
  PaperkitInputError,
  Rng,
} from '../src/index.js';
import { expectAllClose, expectBitIdentical, expectNoLeak } from '../src/testing/index.js';

const probe = await probeNative();
const absent = probe.state === 'absent';
if (absent) console.warn(`[native-ops] skipped: ${probe.reason}`);
const BACKENDS = ['wasm', 'cpu'] as const;
type Be = (typeof BACKENDS)[number];

function data(rng: Rng, shape: number[], positive = false): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(out);
  if (positive) for (let i = 0; i < out.length; i++) out[i] = Math.abs(out[i]!) + 0.1;
  return out;
}

/**
 * `fn`'s outputs with the native kernels on `be`, and with the stock kernels (under the edge
 * guards) of `stockBe` (default `be`).
 */
async function both(be: Be, fn: () => tf.Tensor | tf.Tensor[], stockBe: Be = be) {
  const read = () =>
    tf.tidy(() => {
      const out = fn();
      return (Array.isArray(out) ? out : [out]).map((t) => ({
        shape: t.shape,
        data: t.dataSync() as Float32Array,
      }));
    });
  await tf.setBackend(stockBe);
  disableNativeOps(stockBe);
  const stock = read();
  await enableNativeOps(stockBe);
  await tf.setBackend(be);
  expect(await enableNativeOps(be)).toBe(true);
  const native = read();
  return { stock, native };
}

/** 1 ulp of float32 at the values' scale: tfjs's cpu kernels round some intermediates in float64. */
const ULP = { atol: 1e-38, rtol: 2.5e-7 };

/** Elementwise shapes: equal, scalar, both sides broadcast, size-1 and size-0 dims, rank 6, and one large enough to be split over threads. */
const PAIRS: [number[], number[]][] = [
  [
    [5, 7],
    [5, 7],
  ],
  [[5, 7], []],
  [[], [3, 4]],
  [
    [2, 1, 3],
    [1, 4, 1],
  ],
  [
    [4, 1],
    [1, 6],
  ],
  [[3, 5], [5]],
  [
    [3, 5],
    [3, 1],
  ],
  [
    [1, 1, 1],
    [2, 3, 4],
  ],
  [
    [2, 0, 3],
    [1, 1, 3],
  ],
  [[0], [1]],
  [
    [2, 1, 3, 1, 2, 2],
    [1, 3, 1, 2, 1, 2],
  ],
  [[64, 1024], [1024]],
];

describe.skipIf(absent)('native elementwise, reduction and layout kernels', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', blas: 'auto' });
    await initBackend({ prefer: 'wasm', blas: 'auto' });
    await setBlasThreads(2);
  });
  afterAll(() => setBlasThreads(1));

  it('initBackend registers them with the BLAS kernels and blas: off removes them', async () => {
    expect(nativeOpsEnabled('wasm')).toBe(true);
    expect(blasStatus()).toMatchObject({ nativeOpsOn: ['wasm', 'cpu'], kernelThreads: 2 });
    await initBackend({ prefer: 'cpu', blas: 'off' });
    expect(nativeOpsEnabled('cpu')).toBe(false);
    await initBackend({ prefer: 'cpu', blas: 'auto' });
    expect(nativeOpsEnabled('cpu')).toBe(true);
    expect(NATIVE_OP_KERNELS).toContain('Softmax');
    await expect(enableNativeOps('webgl')).rejects.toThrow(PaperkitInputError);
    expect(() => disableNativeOps('tensorflow')).toThrow(
      /backend must be one of wasm, cpu; got "tensorflow"/,
    );
  });

  for (const be of BACKENDS) {
    it(`${be}: broadcasting binary ops are bit-identical to the stock kernels on every shape`, async () => {
      const rng = Rng.fromSeed(401).stream(be);
      for (const [sa, sb] of PAIRS) {
        const a = data(rng, sa);
        const b = data(rng, sb, true);
        const ops = (x: tf.Tensor, y: tf.Tensor) => [
          tf.add(x, y),
          tf.sub(x, y),
          tf.mul(x, y),
          tf.div(x, y),
          tf.squaredDifference(x, y),
        ];
        const { stock, native } = await both(be, () => ops(tf.tensor(a, sa), tf.tensor(b, sb)));
        native.forEach((r, i) => {
          expect(r.shape).toEqual(stock[i]!.shape);
          // cpu squares the difference in float64 before rounding once; wasm and the addon round twice.
          if (be === 'cpu' && i === 4) expectAllClose(r.data, stock[i]!.data, ULP);
          else expectBitIdentical(r.data, stock[i]!.data);
        });
      }
    });

    it(`${be}: unary ops equal the stock kernels (exact ones bit for bit, transcendental ones to a few ulp)`, async () => {
      const rng = Rng.fromSeed(402).stream(be);
      for (const shape of [[7], [], [0, 3], [3, 1, 4], [70_000]]) {
        const x = data(rng, shape);
        const pos = x.map((v) => Math.abs(v) + 0.05);
        const exact = (t: tf.Tensor, p: tf.Tensor) => [
          tf.neg(t),
          tf.square(t),
          tf.abs(t),
          tf.relu(t),
          tf.step(t, 0.3),
          tf.leakyRelu(t, 0.2),
          tf.sqrt(p),
          tf.reciprocal(p),
        ];
        const approx = (t: tf.Tensor, p: tf.Tensor) => [
          tf.exp(t),
          tf.log(p),
          tf.tanh(t),
          tf.sigmoid(t),
          tf.rsqrt(p),
          tf.erf(t),
        ];
        const e = await both(be, () => exact(tf.tensor(x, shape), tf.tensor(pos, shape)));
        // cpu multiplies by LeakyRelu's alpha as a float64 (0.2), the addon and wasm as float32.
        for (const [i, r] of e.native.entries()) {
          if (be === 'cpu' && i === 5) expectAllClose(r.data, e.stock[i]!.data, ULP);
          else expectBitIdentical(r.data, e.stock[i]!.data);
        }
        const a = await both(be, () => approx(tf.tensor(x, shape), tf.tensor(pos, shape)));
        // tfjs's cpu erf is Abramowitz–Stegun 7.1.26 (absolute error 1.5e-7); the addon's is the C library's.
        for (const [i, r] of a.native.entries())
          expectAllClose(r.data, a.stock[i]!.data, { atol: 3e-7, rtol: 2e-6 });
      }
    });

    it(`${be}: reductions over contiguous axes (any keepDims) equal the stock kernels; other axis sets fall back`, async () => {
      const rng = Rng.fromSeed(403).stream(be);
      const cases: [number[], number | number[]][] = [
        [[6, 9], -1],
        [[6, 9], 0],
        [
          [4, 5, 6],
          [1, 2],
        ],
        [
          [4, 5, 6],
          [0, 1],
        ],
        [
          [4, 5, 6],
          [0, 2],
        ], // not contiguous: the stock kernel
        [
          [4, 1, 6],
          [0, 2],
        ], // contiguous once the size-1 axis is ignored
        [[3, 0], 1],
        [[0, 3], 1],
        [[50_000], 0],
        [[128, 512], -1],
      ];
      for (const [shape, axis] of cases) {
        const x = data(rng, shape);
        for (const keepDims of [false, true]) {
          const f = (t: tf.Tensor) => [
            tf.sum(t, axis, keepDims),
            tf.mean(t, axis, keepDims),
            tf.max(t, axis, keepDims),
            tf.min(t, axis, keepDims),
          ];
          const { stock, native } = await both(be, () => f(tf.tensor(x, shape)));
          native.forEach((r, i) => {
            expect(r.shape).toEqual(stock[i]!.shape);
            // Sums are float64 here; wasm's stock kernel sums in float32.
            expectAllClose(r.data, stock[i]!.data, { atol: 5e-5, rtol: 5e-5 });
          });
        }
      }
    });

    it(`${be}: softmax, transpose, gather, segment sums and casts equal the stock kernels`, async () => {
      const rng = Rng.fromSeed(404).stream(be);
      for (const shape of [[3, 7], [2, 3, 1], [1], [4, 0], [128, 512]]) {
        const x = data(rng, shape);
        const { stock, native } = await both(be, () => tf.softmax(tf.tensor(x, shape)));
        expectAllClose(native[0]!.data, stock[0]!.data, { atol: 1e-7, rtol: 1e-6 });
      }
      for (const [shape, perm] of [
        [
          [2, 3, 4, 5],
          [0, 2, 1, 3],
        ],
        [
          [7, 9],
          [1, 0],
        ],
        [
          [2, 1, 0, 3],
          [3, 2, 1, 0],
        ],
        [
          [4, 64, 4, 32],
          [0, 2, 1, 3],
        ],
      ] as const) {
        const x = data(rng, [...shape]);
        const ints = Int32Array.from(x, (v) => Math.round(v * 100));
        const { stock, native } = await both(be, () => [
          tf.transpose(tf.tensor(x, [...shape]), [...perm]),
          tf.transpose(tf.tensor(ints, [...shape], 'int32'), [...perm]),
        ]);
        for (const [i, r] of native.entries()) expectBitIdentical(r.data, stock[i]!.data);
      }
      // SplitV: the fused-QKV split of attention, uneven and empty pieces, int32.
      for (const [shape, splits, axis] of [
        [[8, 64, 384], 3, 2],
        [[5, 7], [2, 0, 5], 1],
        [[6, 4, 3], [1, 5], 0],
      ] as const) {
        const x = data(rng, [...shape]);
        const ints = Int32Array.from(x, (v) => Math.round(v * 100));
        const s = Array.isArray(splits) ? [...splits] : splits;
        const r = await both(be, () => [
          ...tf.split(tf.tensor(x, [...shape]), s as number, axis),
          ...tf.split(tf.tensor(ints, [...shape], 'int32'), s as number, axis),
        ]);
        for (const [i, out] of r.native.entries()) {
          expect(out.shape).toEqual(r.stock[i]!.shape);
          expectBitIdentical(out.data, r.stock[i]!.data);
        }
      }
      const table = data(rng, [50, 8]);
      const ids = Int32Array.from({ length: 40 }, () => rng.int(50));
      const { stock, native } = await both(be, () => [
        tf.gather(tf.tensor(table, [50, 8]), tf.tensor(ids, [5, 8], 'int32')),
        tf.gather(
          tf.tensor(table, [50, 8]),
          tf.tensor(
            ids.subarray(0, 6).map((i) => i % 8),
            [6],
            'int32',
          ),
          1,
        ),
        tf.gather(tf.tensor(table, [50, 8]), tf.tensor([], [0], 'int32')),
        tf.cast(tf.tensor(ids, [40], 'int32'), 'float32'),
        tf.cast(tf.tensor(table, [50, 8]), 'float32'),
      ]);
      native.forEach((r, i) => {
        expect(r.shape).toEqual(stock[i]!.shape);
        expectBitIdentical(r.data, stock[i]!.data);
      });
      // Segment sums (the gather gradient; ids −1 and 11 are dropped). wasm has no stock kernel: cpu's is the reference.
      const seg = data(rng, [40, 5]);
      const segIds = Int32Array.from({ length: 40 }, () => rng.int(12) - 1);
      const sums = await both(
        be,
        () => tf.unsortedSegmentSum(tf.tensor(seg, [40, 5]), tf.tensor(segIds, [40], 'int32'), 10),
        'cpu',
      );
      expect(sums.native[0]!.shape).toEqual([10, 5]);
      expectAllClose(sums.native[0]!.data, sums.stock[0]!.data, { atol: 1e-6, rtol: 1e-6 });
      expect(() =>
        tf.tidy(() => tf.gather(tf.tensor(table, [50, 8]), tf.tensor([3, 50], [2], 'int32'))),
      ).toThrow(/GatherV2: the index value 50 is not in \[0, 49\]/);
    });

    it(`${be}: gradients through the native kernels equal the stock ones and central differences`, async () => {
      const rng = Rng.fromSeed(405).stream(be);
      const x = data(rng, [6, 16]);
      const w = data(rng, [16]);
      const table = data(rng, [20, 16]);
      const ids = Int32Array.from({ length: 12 }, () => rng.int(20));
      // A pre-LN-like block: layer norm, GELU (erf), softmax, a broadcast bias, an embedding gather.
      const f = (xt: tf.Tensor, tt: tf.Tensor) => {
        const emb = tf.reshape(tf.gather(tt, tf.tensor(ids, [12], 'int32')), [6, 32]);
        const h = tf.add(tf.slice(emb, [0, 0], [6, 16]), xt);
        const mu = tf.mean(h, -1, true);
        const hc = tf.sub(h, mu);
        const ln = tf.mul(hc, tf.rsqrt(tf.add(tf.mean(tf.square(hc), -1, true), 1e-5)));
        const g = tf.mul(tf.mul(ln, 0.5), tf.add(1, tf.erf(tf.mul(ln, Math.SQRT1_2))));
        const p = tf.softmax(tf.add(g, tf.tensor(w, [16])));
        return tf.sum(
          tf
            .mul(p, tf.tanh(tf.transpose(tf.reshape(tf.exp(tf.neg(tf.square(g))), [16, 6]))))
            .reshape([6, 16])
            .sum(0),
        );
      };
      const grads = () => tf.grads(f)([tf.tensor(x, [6, 16]), tf.tensor(table, [20, 16])]);
      // wasm's stock kernels cannot differentiate gather (no UnsortedSegmentSum): cpu's are the reference.
      const { stock, native } = await both(be, grads, 'cpu');
      for (const [i, r] of native.entries())
        expectAllClose(r.data, stock[i]!.data, { atol: 2e-6, rtol: 1e-4 });
      // <∇f, v> against (f(x + εv) − f(x − εv)) / 2ε in float32: a loose but real check.
      const v = data(rng, [6, 16]);
      const eps = 1e-2;
      const value = (dx: number) =>
        tf.tidy(
          () =>
            f(
              tf.add(tf.tensor(x, [6, 16]), tf.mul(tf.tensor(v, [6, 16]), dx)),
              tf.tensor(table, [20, 16]),
            ).dataSync()[0]!,
        );
      const fd = (value(eps) - value(-eps)) / (2 * eps);
      const analytic = native[0]!.data.reduce((s, g, i) => s + g * v[i]!, 0);
      expect(Math.abs(analytic - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    });

    it(`${be}: a tiny transformer's loss and every gradient equal the stock kernels'`, async () => {
      const config = { vocabSize: 24, contextLength: 8, dModel: 16, heads: 2, layers: 2 };
      const params = initTransformer(Rng.fromSeed(407).stream('init'), config);
      const rng = Rng.fromSeed(408).stream(be);
      const ids = (n: number) => Int32Array.from({ length: n }, () => rng.int(24));
      const input = ids(3 * 8);
      const target = ids(3 * 8);
      const names = Object.keys(params.tensors());
      const run = () => {
        const vars = params.tensors();
        const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
          const p = Object.fromEntries(names.map((n, i) => [n, xs[i]!]));
          return languageModelLoss(
            applyTransformer(p, tf.tensor(input, [3, 8], 'int32'), config),
            tf.tensor(target, [3, 8], 'int32'),
          );
        })(names.map((n) => vars[n]!));
        return [value, ...grads];
      };
      // On stock wasm the embedding is a one-hot product (no gather gradient there); the same math.
      const { stock, native } = await both(be, run);
      for (const [i, r] of native.entries())
        expectAllClose(r.data, stock[i]!.data, { atol: 1e-6, rtol: 1e-4 });
      params.dispose();
    });

    it(`${be}: leak nothing, and give the same bits at one thread count and at another`, async () => {
      const rng = Rng.fromSeed(406).stream(be);
      await tf.setBackend(be);
      expect(await enableNativeOps(be)).toBe(true);
      const x = tf.tensor(data(rng, [64, 1024]), [64, 1024]);
      const b = tf.tensor(data(rng, [1024]), [1024]);
      const run = () =>
        tf.tidy(() => {
          const y = tf.softmax(tf.mul(tf.add(x, b), tf.exp(tf.neg(tf.abs(x)))));
          return [tf.sum(y, 0), tf.mean(y, -1), tf.transpose(y), tf.erf(y)].map(
            (t) => t.dataSync() as Float32Array,
          );
        });
      const runs: Float32Array[][] = [];
      await expectNoLeak(async () => {
        for (const threads of [2, 2, 1, 3]) {
          await setBlasThreads(threads);
          runs.push(run());
        }
      });
      for (const r of runs.slice(1)) for (const [i, d] of r.entries()) expectBitIdentical(d, runs[0]![i]!);
      tf.dispose([x, b]);
      await setBlasThreads(2);
    });
  }
});
