import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disableBlasKernels, enableBlasKernels, setBlasThreads } from '../src/backend/blas/index.js';
import { probeNative } from '../src/backend/blas/native.js';
import { initBackend, Rng } from '../src/index.js';
import { expectAllClose, expectBitIdentical } from '../src/testing/index.js';

const probe = await probeNative();
if (probe.state === 'absent') console.warn(`[blas-matmul] skipped: ${probe.reason}`);
const BACKENDS = ['wasm', 'cpu'] as const;
type Be = (typeof BACKENDS)[number];
// float32 sums of up to ~100 unit-variance products: rounding stays well under 1e-4.
const TOL = { atol: 1e-4, rtol: 1e-4 };

interface Arg {
  readonly shape: number[];
  readonly data: Float32Array;
}

function randArg(rng: Rng, shape: number[]): Arg {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(data);
  return { shape, data };
}

const t = (a: Arg) => tf.tensor(a.data, a.shape, 'float32');

/** Runs `fn` on `be` with the BLAS kernels on or off and returns its output values and shape. */
async function run(
  be: Be,
  blas: boolean,
  fn: () => tf.Tensor,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(be);
  if (blas) expect(await enableBlasKernels(be)).toBe(true);
  else disableBlasKernels(be);
  const out = tf.tidy(fn);
  const res = { shape: out.shape, data: out.dataSync() as Float32Array };
  out.dispose();
  return res;
}

/** BLAS on `be` against the stock kernel of `refBe` (default `be`) on `reference` (default `fn`). */
async function expectSame(
  be: Be,
  fn: () => tf.Tensor,
  reference?: () => tf.Tensor,
  refBe: Be = be,
): Promise<void> {
  const stock = await run(refBe, false, reference ?? fn);
  const blas = await run(be, true, fn);
  expect(blas.shape).toEqual(stock.shape);
  expectAllClose(blas.data, stock.data, TOL);
}

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Stored shape of an operand whose op() is rows×cols. */
function stored(batch: number[], rows: number, cols: number, trans: boolean): number[] {
  return [...batch, ...(trans ? [cols, rows] : [rows, cols])];
}

describe.skipIf(probe.state === 'absent')('BLAS BatchMatMul and _FusedMatMul', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
    await initBackend({ prefer: 'wasm', blas: 'off' });
    // Test files run in parallel forks; one BLAS thread each keeps the two cores unoversubscribed.
    await setBlasThreads(1);
  });

  for (const be of BACKENDS) {
    it(`${be}: equals the stock kernel for every transpose pair, odd and 1-sized dims, batch broadcasting`, async () => {
      const rng = Rng.fromSeed(101).stream(be);
      // [aBatch, bBatch, m, k, n]; the stock kernels index batches as bi % batch, right whenever one
      // side's batch is 1 or both are equal, which is what these cover.
      const cases: [number[], number[], number, number, number][] = [
        [[], [], 1, 1, 1],
        [[], [], 5, 7, 3],
        [[], [], 33, 17, 65],
        [[], [], 1, 9, 4],
        [[], [], 6, 1, 5],
        [[], [], 7, 8, 1],
        [[4], [4], 5, 6, 3],
        [[3], [], 5, 6, 3],
        [[], [3], 5, 6, 3],
        [[1], [4], 5, 6, 3],
        [[2, 3], [2, 3], 4, 5, 6],
        [[2, 3], [], 4, 5, 6],
        [[], [2, 1, 3], 4, 5, 6],
        [[1, 1], [2, 3], 3, 2, 5],
      ];
      for (let i = 0; i < 10; i++) {
        const batch = Array.from({ length: rng.int(3) }, () => 1 + rng.int(3));
        const share = rng.int(3); // 0: both, 1: only a, 2: only b has the batch
        cases.push([
          share === 2 ? [] : batch,
          share === 1 ? [] : batch,
          1 + rng.int(9),
          1 + rng.int(9),
          1 + rng.int(9),
        ]);
      }
      for (const [ab, bb, m, k, n] of cases) {
        for (const [ta, tb] of TRANSPOSES) {
          const a = randArg(rng, stored(ab, m, k, ta));
          const b = randArg(rng, stored(bb, k, n, tb));
          await expectSame(be, () => tf.matMul(t(a), t(b), ta, tb));
        }
      }
    });

    it(`${be}: broadcasts batch dims that are 1 on different sides (numpy semantics)`, async () => {
      const rng = Rng.fromSeed(102).stream(be);
      for (const [ta, tb] of TRANSPOSES) {
        const a = randArg(rng, stored([2, 1, 3], 4, 5, ta));
        const b = randArg(rng, stored([1, 3, 1], 5, 2, tb));
        // Reference: tile both to the broadcast batch [2, 3, 3] first, where the stock kernel is right.
        const ref = () => tf.matMul(tf.tile(t(a), [1, 3, 1, 1, 1]), tf.tile(t(b), [2, 1, 3, 1, 1]), ta, tb);
        await expectSame(be, () => tf.matMul(t(a), t(b), ta, tb), ref);
      }
    });

    it(`${be}: fused matMul equals the stock kernel for every bias shape and fused activation`, async () => {
      const rng = Rng.fromSeed(103).stream(be);
      const activations = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
      const [m, k, n] = [6, 7, 5];
      for (const activation of activations) {
        for (const [ta, tb] of TRANSPOSES) {
          for (const biasShape of [null, [n], [m, n], [2, 1, n]]) {
            const batch = biasShape?.length === 3 ? [2] : [];
            const a = randArg(rng, stored(batch, m, k, ta));
            const b = randArg(rng, stored(batch, k, n, tb));
            const bias = biasShape ? randArg(rng, biasShape) : null;
            const alpha = randArg(rng, [n]);
            const fn = () =>
              tf.fused.matMul({
                a: t(a),
                b: t(b),
                transposeA: ta,
                transposeB: tb,
                ...(bias ? { bias: t(bias) } : {}),
                activation,
                ...(activation === 'prelu' ? { preluActivationWeights: t(alpha) } : {}),
                leakyreluAlpha: 0.3,
              });
            // wasm's stock _FusedMatMul takes rank-1 bias only, and with transposeA it adds the bias
            // by the wrong index (tfjs-backend-wasm 4.22; its unfused matMul + add agrees with cpu), so
            // wasm is held to cpu's stock kernel, which equals matMul + add + activation.
            await expectSame(be, fn, fn, 'cpu');
          }
        }
      }
    });

    it(`${be}: gradients through matMul and fused matMul equal the stock ones and finite differences`, async () => {
      const rng = Rng.fromSeed(104).stream(be);
      for (const [ta, tb] of TRANSPOSES) {
        // tfjs's BatchMatMul gradient does not sum over broadcast batch dims, so both carry the batch.
        const a = randArg(rng, stored([3], 5, 4, ta));
        const b = randArg(rng, stored([3], 4, 6, tb));
        const bias = randArg(rng, [6]);
        const r = randArg(rng, [3, 5, 6]);
        // Loss sum(R ⊙ σ(AB + bias)) exercises the fused op's custom gradient (matMuls of dy).
        const grads = (which: 0 | 1) => () =>
          tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
            tf.sum(
              tf.mul(
                t(r),
                tf.fused.matMul({
                  a: x,
                  b: y,
                  transposeA: ta,
                  transposeB: tb,
                  bias: z,
                  activation: 'sigmoid',
                }),
              ),
            ),
          )([t(a), t(b), t(bias)])[which]!;
        await expectSame(be, grads(0));
        await expectSame(be, grads(1));
        // sum(R ⊙ AB) is bilinear, so the central difference (f(A+V) − f(A−V))/2 is exactly <∇_A f, V>.
        await tf.setBackend(be);
        expect(await enableBlasKernels(be)).toBe(true);
        const v = randArg(rng, a.shape);
        const f = (x: tf.Tensor) => tf.sum(tf.mul(t(r), tf.matMul(x, t(b), ta, tb)));
        const fd = tf.tidy(
          () => (f(tf.add(t(a), t(v))).dataSync()[0]! - f(tf.sub(t(a), t(v))).dataSync()[0]!) / 2,
        );
        const analytic = tf.tidy(() => tf.sum(tf.mul(tf.grad(f)(t(a)), t(v))).dataSync()[0]!);
        expect(Math.abs(analytic - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      }
    });

    it(`${be}: is bit-for-bit deterministic at a fixed thread count`, async () => {
      const rng = Rng.fromSeed(105).stream(be);
      const a = randArg(rng, [3, 97, 130]);
      const b = randArg(rng, [130, 111]);
      expect(await setBlasThreads(2)).toBe(true);
      const first = await run(be, true, () => tf.matMul(t(a), t(b)));
      const second = await run(be, true, () => tf.matMul(t(a), t(b)));
      await setBlasThreads(1);
      expectBitIdentical(second.data, first.data);
    });
  }
});
