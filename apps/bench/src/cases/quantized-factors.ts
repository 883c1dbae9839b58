/**
 * Benchmarks of @paperkit/quantized-factors' hot path, the n² Parzen kernel of the criterion
 * (issue 18): one loss + gradient of −Σ α‖v̂‖_∞ with respect to a 2×2 W at n = 3000 (targets ≤ 1 s on
 * wasm, ≤ 0.3 s on wasm+blas), timed in pairs with the same loss written densely (one n×n softmax
 * differentiated by tfjs autodiff) in the same process; the forward loss alone (one evaluation of the
 * angle search); the whole angle search of the headline experiment at n = 3000; and n = 20 000, where
 * the chunked kernel keeps memory at O(n·chunk) while the dense form would need n² = 4·10⁸ floats per
 * buffer. Lower is better for every figure. Wall times on a shared machine stretch with its load, so
 * the notes also give the process CPU time per iteration (all threads).
 */
import {
  axisAlignmentLoss,
  defaultChunkSize,
  gridDataset,
  recoverLinear2D,
} from '@paperkit/quantized-factors';
import { initBackend, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';
import { measure, measurePaired } from '../measure.js';

/** Options of {@link benchQuantizedFactors}. */
export interface QuantizedFactorsBenchOptions {
  /** Small sizes for a CI smoke run (figures not comparable to the targets). */
  readonly quick?: boolean;
}

/** The criterion with the n×n kernel written out: what autodiff sees without chunking. */
function denseLoss(z: tf.Tensor2D, alpha: tf.Tensor1D, sigma: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z.shape[0];
    const mean = tf.mean(z, 0, true);
    const c = tf.sub(z, mean);
    const s = tf.div(c, tf.add(tf.sqrt(tf.div(tf.sum(tf.square(c), 0, true), n - 1)), 1e-6));
    const sq = tf.sum(tf.square(s), 1, true);
    const d2 = tf.add(tf.sub(sq, tf.mul(2, tf.matMul(s, s, false, true))), tf.transpose(sq));
    const p = tf.softmax(tf.div(d2, -2 * sigma * sigma));
    const v = tf.div(tf.sub(tf.matMul(p, s), s), sigma * sigma);
    const vn = tf.div(v, tf.add(tf.sqrt(tf.add(tf.sum(tf.square(v), 1, true), 1e-20)), 1e-6));
    return tf.neg(tf.sum(tf.mul(alpha, tf.max(tf.abs(vn), 1)))) as tf.Scalar;
  });
}

/** Process CPU time (all threads) of `step`, ms per iteration, over `iterations` runs after a warm-up. */
function cpuMs(step: () => void, iterations: number): number {
  step();
  const c0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) step();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / iterations;
}

/** Runs the quantized-factors figures on stock wasm, then on wasm+blas when the BLAS kernels load. */
export async function benchQuantizedFactors(
  options: QuantizedFactorsBenchOptions = {},
): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  const n = quick ? 300 : 3000;
  const big = quick ? 1000 : 20000;
  const budget = { ms: quick ? 50 : 4000, maxIterations: quick ? 3 : 40 };
  const cpuIterations = quick ? 2 : 10;
  const data = gridDataset(Rng.fromSeed(1).stream('bench-quantized-factors'), {
    kind: 'non-factorized',
    n: big,
  });
  const figures: BenchFigure[] = [];
  for (const blas of ['off', 'auto'] as const) {
    const info = await initBackend({ prefer: 'wasm', blas });
    if (blas === 'auto' && !info.accelerated) break;
    const target = blas === 'off' ? 1000 : 300;
    const x = tf.tensor2d(Float32Array.from(data.x.data.subarray(0, 2 * n)), [n, 2]);
    const alpha = tf.fill([n], 1 / n) as tf.Tensor1D;
    const w = tf.variable(tf.tensor2d([0.8, -0.3, 0.4, 1.1], [2, 2]));
    const grad = (loss: (z: tf.Tensor2D) => tf.Scalar) => () => {
      const { value, grads } = tf.variableGrads(() => loss(tf.matMul(x, w, false, true) as tf.Tensor2D), [w]);
      grads[w.name]!.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    };
    const ours = (z: tf.Tensor2D) => axisAlignmentLoss(z, { alpha });
    const paired = measurePaired(
      grad((z) => denseLoss(z, alpha, 0.1)),
      grad(ours),
      budget,
    );
    figures.push({
      name: `[${info.label}] loss + gradient, n = ${n} (blocks of ${defaultChunkSize(n)} rows, hand-written backward)`,
      value: paired.variant,
      unit: 'ms',
      baseline: paired.baseline,
      ratio: paired.ratio,
      note: `target ≤ ${target} ms (issue 18); CPU ${cpuMs(grad(ours), cpuIterations).toFixed(0)} ms/iteration; baseline: the dense n×n form under tfjs autodiff, same process`,
    });
    const loss = () => {
      const l = tf.tidy(() => ours(tf.matMul(x, w, false, true) as tf.Tensor2D));
      l.dataSync();
      l.dispose();
    };
    figures.push({
      name: `[${info.label}] loss only (one angle-search evaluation), n = ${n}`,
      value: measure(loss, budget).ms,
      unit: 'ms',
      note: `CPU ${cpuMs(loss, cpuIterations).toFixed(1)} ms/iteration`,
    });
    tf.dispose([x, alpha, w]);
    // The headline's recovery of one dataset: ~150 coarse + refinement evaluations of the loss.
    const points = { rows: n, cols: 2, data: data.x.data.subarray(0, 2 * n) };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const search = await recoverLinear2D(points);
    const c = process.cpuUsage(c0);
    figures.push({
      name: `[${info.label}] angle search (recoverLinear2D defaults), n = ${n}`,
      value: (performance.now() - t0) / 1000,
      unit: 's',
      note: `${search.evaluations} loss evaluations; CPU ${((c.user + c.system) / 1e6).toFixed(1)} s`,
    });
    // n = 20 000: one chunked loss + gradient (the dense form would hold 1.6 GB per n×n buffer).
    const xb = tf.tensor2d(Float32Array.from(data.x.data), [big, 2]);
    const ab = tf.fill([big], 1 / big) as tf.Tensor1D;
    const wb = tf.variable(tf.tensor2d([0.8, -0.3, 0.4, 1.1], [2, 2]));
    const before = tf.memory().numBytes;
    const t1 = performance.now();
    const { value, grads } = tf.variableGrads(
      () => axisAlignmentLoss(tf.matMul(xb, wb, false, true) as tf.Tensor2D, { alpha: ab }),
      [wb],
    );
    const finite = Array.from(grads[wb.name]!.dataSync()).every(Number.isFinite);
    const ms = performance.now() - t1;
    tf.dispose([value, ...Object.values(grads)]);
    figures.push({
      name: `[${info.label}] loss + gradient, n = ${big} (chunked)`,
      value: ms,
      unit: 'ms',
      note: `${finite ? 'finite gradient' : 'NON-FINITE gradient'}; tensors held after the step: ${((tf.memory().numBytes - before) / 1e6).toFixed(2)} MB`,
    });
    tf.dispose([xb, ab, wb]);
  }
  return figures;
}
