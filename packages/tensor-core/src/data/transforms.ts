import { checkInteger, checkNonNegative, PaperkitInputError } from '../validate/errors.js';

/** One-hot rows [n, classes] (float32) for int `labels`; a label outside [0, classes) is an error. */
export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  checkInteger('classes', classes, 1);
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes)
      throw new PaperkitInputError(`labels[${i}]`, y, `an integer in [0, ${classes})`);
    out[i * classes + y] = 1;
  }
  return out;
}

/** Per-feature mean and (population) standard deviation of a row-major array. */
export interface FeatureStats {
  /** Mean of each column. */
  readonly mean: Float64Array;
  /** Standard deviation of each column (divisor n). */
  readonly std: Float64Array;
}

/**
 * Column means and standard deviations of `features` [n, rowSize], accumulated in float64 with
 * Welford's update (no cancellation for features with a large mean). Fit on the training split only.
 */
export function featureStats(features: Float32Array, rowSize: number): FeatureStats {
  checkInteger('rowSize', rowSize, 1);
  const n = features.length / rowSize;
  if (!Number.isInteger(n) || n < 1)
    throw new PaperkitInputError('features', features, `a non-empty length divisible by rowSize (${rowSize})`);
  const mean = new Float64Array(rowSize);
  const m2 = new Float64Array(rowSize);
  for (let r = 0; r < n; r++) {
    const base = r * rowSize;
    for (let j = 0; j < rowSize; j++) {
      const x = features[base + j]!;
      const d = x - mean[j]!;
      mean[j]! += d / (r + 1);
      m2[j]! += d * (x - mean[j]!);
    }
  }
  const std = m2.map((v) => Math.sqrt(v / n));
  return { mean, std };
}

/**
 * (x − mean)/(std + epsilon) per column, into a new array. `epsilon` (default 1e-8) keeps constant
 * columns (e.g. MNIST's blank border pixels, std 0) at 0 instead of NaN.
 */
export function standardize(features: Float32Array, stats: FeatureStats, epsilon = 1e-8): Float32Array {
  checkNonNegative('epsilon', epsilon);
  const rowSize = stats.mean.length;
  if (features.length % rowSize !== 0)
    throw new PaperkitInputError('features', features, `a length divisible by the stats' width (${rowSize})`);
  const out = new Float32Array(features.length);
  const scale = stats.std.map((s) => 1 / (s + epsilon));
  for (let i = 0; i < features.length; i++) {
    const j = i % rowSize;
    out[i] = (features[i]! - stats.mean[j]!) * scale[j]!;
  }
  return out;
}

/**
 * 2×2 average pooling of `count` single-channel images [count, height, width] → [count, ⌊h/2⌋, ⌊w/2⌋]
 * (a trailing odd row/column is dropped), e.g. MNIST 28×28 → 14×14.
 */
export function avgPool2x2(images: Float32Array, count: number, height: number, width: number): Float32Array {
  checkInteger('count', count, 0);
  checkInteger('height', height, 2);
  checkInteger('width', width, 2);
  if (images.length !== count * height * width)
    throw new PaperkitInputError('images', images, `length count·height·width = ${count * height * width}`);
  const h2 = Math.floor(height / 2);
  const w2 = Math.floor(width / 2);
  const out = new Float32Array(count * h2 * w2);
  for (let n = 0; n < count; n++) {
    const src = n * height * width;
    const dst = n * h2 * w2;
    for (let i = 0; i < h2; i++) {
      const r0 = src + 2 * i * width;
      const r1 = r0 + width;
      for (let j = 0; j < w2; j++) {
        const c = 2 * j;
        out[dst + i * w2 + j] = (images[r0 + c]! + images[r0 + c + 1]! + images[r1 + c]! + images[r1 + c + 1]!) / 4;
      }
    }
  }
  return out;
}
