import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disableBlasKernels, enableBlasKernels, setBlasThreads } from '../src/backend/blas/index.js';
import { probeNative } from '../src/backend/blas/native.js';
import { initBackend, Rng } from '../src/index.js';
import { expectAllClose, expectBitIdentical } from '../src/testing/index.js';

const probe = await probeNative();
if (probe.state === 'absent') console.warn(`[blas-conv] skipped: ${probe.reason}`);
const BACKENDS = ['wasm', 'cpu'] as const;
type Be = (typeof BACKENDS)[number];
// float32 sums of at most 3·3·4 unit-variance products per output (and their gradients).
const TOL = { atol: 1e-4, rtol: 1e-4 };

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

interface Case {
  readonly name: string;
  /** NHWC shape [n, h, w, c]; transposed for NCHW. */
  readonly x: [number, number, number, number];
  readonly f: [number, number, number, number];
  readonly strides: number | [number, number];
  readonly pad: Pad;
  readonly dilations?: number | [number, number];
  readonly rounding?: Rounding;
}

const CASES: Case[] = [
  { name: "3×3 'same'", x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: "3×3 'valid' stride 2", x: [3, 9, 8, 2], f: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { name: "'same' stride [2,1], 2×3 filter", x: [1, 8, 7, 3], f: [2, 3, 3, 2], strides: [2, 1], pad: 'same' },
  {
    name: 'pad 1 stride 2 rounding ceil',
    x: [2, 6, 7, 2],
    f: [3, 3, 2, 3],
    strides: 2,
    pad: 1,
    rounding: 'ceil',
  },
  {
    name: 'pad 2 stride 3 rounding floor',
    x: [1, 10, 8, 1],
    f: [3, 2, 1, 2],
    strides: 3,
    pad: 2,
    rounding: 'floor',
  },
  {
    name: 'pad 1 stride 2 rounding round',
    x: [1, 6, 6, 2],
    f: [2, 2, 2, 2],
    strides: 2,
    pad: 1,
    rounding: 'round',
  },
  {
    name: 'explicit asymmetric padding',
    x: [2, 5, 6, 3],
    f: [3, 3, 3, 2],
    strides: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: 'dilation 2', x: [2, 9, 8, 2], f: [3, 3, 2, 3], strides: 1, pad: 'same', dilations: 2 },
  { name: 'pointwise 1×1', x: [3, 5, 4, 6], f: [1, 1, 6, 4], strides: 1, pad: 'valid' },
  { name: '1×1 stride 2', x: [2, 5, 5, 3], f: [1, 1, 3, 2], strides: 2, pad: 'same' },
  { name: 'single pixel, single channel', x: [1, 1, 1, 1], f: [1, 1, 1, 1], strides: 1, pad: 'valid' },
  { name: 'filter as large as the image', x: [2, 4, 3, 2], f: [4, 3, 2, 3], strides: 1, pad: 'valid' },
];

function randArray(rng: Rng, n: number): Float32Array {
  return rng.fillNormal(new Float32Array(n));
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const toNchw = ([n, h, w, c]: readonly number[]) => [n!, c!, h!, w!];

/** NCHW keeps the spatial pads in dims 2 and 3. */
function padFor(pad: Pad, format: 'NHWC' | 'NCHW'): Pad {
  return Array.isArray(pad) && format === 'NCHW' ? [pad[0], pad[3], pad[1], pad[2]] : pad;
}

async function use(be: Be, blas: boolean): Promise<void> {
  await tf.setBackend(be);
  if (blas) expect(await enableBlasKernels(be)).toBe(true);
  else disableBlasKernels(be);
}

async function run(
  be: Be,
  blas: boolean,
  fn: () => tf.Tensor,
): Promise<{ shape: number[]; data: Float32Array }> {
  await use(be, blas);
  const out = tf.tidy(fn);
  const res = { shape: out.shape, data: out.dataSync() as Float32Array };
  out.dispose();
  return res;
}

/**
 * BLAS on `be` against cpu's stock kernel (the reference definition: wasm lacks
 * Conv2DBackpropFilter and NCHW), and on wasm also against wasm's own stock kernel when
 * `wasmStock` says it has a correct one.
 */
async function expectSame(be: Be, fn: () => tf.Tensor, wasmStock: boolean): Promise<void> {
  const blas = await run(be, true, fn);
  const refs = be === 'wasm' && wasmStock ? (['cpu', 'wasm'] as const) : (['cpu'] as const);
  for (const ref of refs) {
    const stock = await run(ref, false, fn);
    expect(blas.shape).toEqual(stock.shape);
    expectAllClose(blas.data, stock.data, TOL);
  }
}

describe.skipIf(probe.state === 'absent')('BLAS Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
    await initBackend({ prefer: 'wasm', blas: 'off' });
    await setBlasThreads(1);
  });

  for (const be of BACKENDS) {
    for (const format of ['NHWC', 'NCHW'] as const) {
      it(`${be} ${format}: each kernel equals the stock kernel for every stride/pad/dilation/rounding case`, async () => {
        const rng = Rng.fromSeed(201).stream(`${be}-${format}`);
        for (const c of CASES) {
          const xShape = format === 'NHWC' ? c.x : toNchw(c.x);
          const x = randArray(rng, size(c.x));
          const w = randArray(rng, size(c.f));
          const pad = padFor(c.pad, format);
          const dil = c.dilations ?? 1;
          const attrs = { strides: c.strides, pad, dataFormat: format, dimRoundingMode: c.rounding };
          const forward = () =>
            tf.conv2d(
              tf.tensor4d(x, xShape as [number, number, number, number]),
              tf.tensor4d(w, c.f),
              c.strides,
              pad as 'same',
              format,
              dil,
              c.rounding,
            );
          const yShape = (await run('cpu', false, forward)).shape;
          const dy = randArray(rng, size(yShape));
          // wasm's stock Conv2D ignores the extra bottom/right row that rounding 'ceil'/'round'
          // adds (it differs from cpu's stock kernel there, tfjs-backend-wasm 4.22), so rounding
          // cases are held to cpu's kernel only.
          const wasmStock = format === 'NHWC';
          await expectSame(be, forward, wasmStock && !c.rounding);
          if (dil !== 1) continue; // tfjs's conv2d gradient and backprop kernels take no dilations
          await expectSame(
            be,
            () =>
              tf
                .engine()
                .runKernel(
                  'Conv2DBackpropInput',
                  { dy: tf.tensor(dy, yShape), filter: tf.tensor4d(w, c.f) },
                  { ...attrs, inputShape: xShape } as unknown as tf.NamedAttrMap,
                ) as tf.Tensor,
            wasmStock,
          );
          await expectSame(
            be,
            () =>
              tf
                .engine()
                .runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, xShape), dy: tf.tensor(dy, yShape) }, {
                  ...attrs,
                  filterShape: c.f,
                } as unknown as tf.NamedAttrMap) as tf.Tensor,
            false,
          );
        }
      });
    }

    it(`${be}: conv2d gradients (tf.grads) equal the stock ones and exact finite differences`, async () => {
      const rng = Rng.fromSeed(202).stream(be);
      for (const c of CASES.filter((k) => !k.dilations && !k.rounding)) {
        const x = randArray(rng, size(c.x));
        const w = randArray(rng, size(c.f));
        const loss = (r: tf.Tensor) => (xs: tf.Tensor, ws: tf.Tensor) =>
          tf.sum(tf.mul(r, tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.strides, c.pad as 'same')));
        const yShape = (
          await run('cpu', false, () =>
            tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.f), c.strides, c.pad as 'same'),
          )
        ).shape;
        const r = randArray(rng, size(yShape));
        // One gradient at a time, so the stock wasm run of ∇x never needs the filter gradient it lacks.
        const gradX = () =>
          tf.grad((xs: tf.Tensor) => loss(tf.tensor(r, yShape))(xs, tf.tensor4d(w, c.f)))(
            tf.tensor4d(x, c.x),
          );
        const gradW = () =>
          tf.grad((ws: tf.Tensor) => loss(tf.tensor(r, yShape))(tf.tensor4d(x, c.x), ws))(
            tf.tensor4d(w, c.f),
          );
        await expectSame(be, gradX, true);
        await expectSame(be, gradW, false);
        // The loss is bilinear in (x, w): (f(x+v) − f(x−v))/2 equals <∇_x f, v> with no truncation error.
        await use(be, true);
        for (const which of [0, 1] as const) {
          const v = randArray(rng, which === 0 ? x.length : w.length);
          const err = tf.tidy(() => {
            const R = tf.tensor(r, yShape);
            const X = tf.tensor4d(x, c.x);
            const W = tf.tensor4d(w, c.f);
            const V = tf.tensor(v, which === 0 ? c.x : c.f);
            const f = loss(R);
            const at = (s: number) => {
              const moved = tf.add(which === 0 ? X : W, tf.mul(V, s));
              return (which === 0 ? f(moved, W) : f(X, moved)).dataSync()[0]!;
            };
            const fd = (at(1) - at(-1)) / 2;
            const analytic = tf.sum(tf.mul(tf.grads(f)([X, W])[which]!, V)).dataSync()[0]!;
            return Math.abs(analytic - fd) / Math.max(1, Math.abs(fd));
          });
          expect(err).toBeLessThan(1e-4);
        }
      }
    });

    it(`${be}: fused conv2d (bias + activation) equals the stock kernel`, async () => {
      const rng = Rng.fromSeed(203).stream(be);
      const c = CASES[0]!;
      for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const) {
        const x = randArray(rng, size(c.x));
        const w = randArray(rng, size(c.f));
        const bias = randArray(rng, c.f[3]);
        const alpha = randArray(rng, c.f[3]);
        const fn = () =>
          tf.fused.conv2d({
            x: tf.tensor4d(x, c.x),
            filter: tf.tensor4d(w, c.f),
            strides: c.strides,
            pad: 'same',
            bias: tf.tensor1d(bias),
            activation,
            ...(activation === 'prelu' ? { preluActivationWeights: tf.tensor1d(alpha) } : {}),
            leakyreluAlpha: 0.3,
          });
        await expectSame(be, fn, true);
      }
    });

    it(`${be}: is bit-for-bit deterministic at a fixed thread count`, async () => {
      const rng = Rng.fromSeed(204).stream(be);
      const x = randArray(rng, 4 * 20 * 20 * 8);
      const w = randArray(rng, 3 * 3 * 8 * 16);
      const fn = () => tf.conv2d(tf.tensor4d(x, [4, 20, 20, 8]), tf.tensor4d(w, [3, 3, 8, 16]), 1, 'same');
      expect(await setBlasThreads(2)).toBe(true);
      const first = await run(be, true, fn);
      const second = await run(be, true, fn);
      await setBlasThreads(1);
      expectBitIdentical(second.data, first.data);
    });
  }
});
