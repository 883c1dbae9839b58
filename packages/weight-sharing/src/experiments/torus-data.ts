import { loadMnist } from '@paperkit/mnist';
import type { LabeledArrays, Rng } from '@paperkit/tensor-core';

/** MNIST normalisation of the reference code (`transforms.Normalize((0.1307,), (0.3081,))`). */
const MNIST_MEAN = 0.1307;
const MNIST_STD = 0.3081;

/**
 * Which data set to build: `plain` digits (no shift: the MNIST-level sanity check), torus-`shifted`
 * digits (the reference's `MNIST_14_Torus`), or shifted digits under one fixed pixel `permuted`ation.
 */
export type TorusVariant = 'plain' | 'shifted' | 'permuted';

/** Train/test sets of 14×14 torus digits plus the pixel permutation used (identity when shifted). */
export interface TorusData {
  readonly train: LabeledArrays;
  readonly test: LabeledArrays;
  /** Image side (14). */
  readonly side: number;
  /** pixel[k] of a stored image is pixel permutation[k] of the shifted image. */
  readonly permutation: Int32Array;
}

/** Rolls one side×side image cyclically by (dy, dx), like `torch.roll(img, (dy, dx), (0, 1))`. */
function roll(src: Float32Array, dst: Float32Array, side: number, dy: number, dx: number): void {
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) dst[((i + dy) % side) * side + ((j + dx) % side)] = src[i * side + j]!;
}

function build(
  set: LabeledArrays,
  count: number,
  side: number,
  rng: Rng,
  permutation: Int32Array,
  shift: boolean,
): LabeledArrays {
  const px = side * side;
  const features = new Float32Array(count * px);
  const rolled = new Float32Array(px);
  for (let n = 0; n < count; n++) {
    const img = set.features.subarray(n * px, (n + 1) * px);
    // One fixed shift per image, drawn once at build time (code `augmentation_torus`, k = 1 copy).
    if (shift) roll(img, rolled, side, rng.int(side), rng.int(side));
    else rolled.set(img);
    for (let k = 0; k < px; k++) features[n * px + k] = (rolled[permutation[k]!]! - MNIST_MEAN) / MNIST_STD;
  }
  return { features, labels: set.labels.slice(0, count), featureShape: [px], count };
}

/**
 * MNIST-torus: the 14×14 digits of the fixed MNIST split of `@paperkit/mnist`, normalised, each rolled
 * once by a random cyclic shift (0..13 per axis; none for `plain`); the `permuted` variant then applies
 * one fixed random pixel permutation to every image (train and test alike). The shifts come from the
 * seed's `train-shifts`/`test-shifts` streams, so `shifted` and `permuted` of a seed share them.
 */
export function torusData(rng: Rng, variant: TorusVariant, nTrain: number, nTest: number): TorusData {
  const mnist = loadMnist({ size: 14 });
  const side = 14;
  const permutation =
    variant === 'permuted'
      ? rng.stream('pixel-permutation').permutation(side * side)
      : Int32Array.from({ length: side * side }, (_, i) => i);
  const make = (set: LabeledArrays, n: number, shifts: string) =>
    build(set, Math.min(n, set.count), side, rng.stream(shifts), permutation, variant !== 'plain');
  return {
    train: make(mnist.train, nTrain, 'train-shifts'),
    test: make(mnist.test, nTest, 'test-shifts'),
    side,
    permutation,
  };
}
