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
  /** pixel[k] of a stored image is pixel permutation[k] of the shifted image. */
  readonly permutation: Int32Array;
}

const SIDE = 14;
const PX = SIDE * SIDE;

function build(set: LabeledArrays, count: number, rng: Rng, permutation: Int32Array, shift: boolean) {
  const features = new Float32Array(count * PX);
  const rolled = new Float32Array(PX);
  for (let n = 0; n < count; n++) {
    const img = set.features.subarray(n * PX, (n + 1) * PX);
    // One fixed shift per image, drawn once at build time (code `augmentation_torus`, k = 1 copy), and
    // rolled cyclically like `torch.roll(img, (dy, dx), (0, 1))`.
    const [dy, dx] = shift ? [rng.int(SIDE), rng.int(SIDE)] : [0, 0];
    for (let i = 0; i < SIDE; i++)
      for (let j = 0; j < SIDE; j++)
        rolled[((i + dy) % SIDE) * SIDE + ((j + dx) % SIDE)] = img[i * SIDE + j]!;
    for (let k = 0; k < PX; k++) features[n * PX + k] = (rolled[permutation[k]!]! - MNIST_MEAN) / MNIST_STD;
  }
  return { features, labels: set.labels.slice(0, count), featureShape: [PX], count };
}

/**
 * MNIST-torus: the 14×14 digits of the fixed MNIST split of `@paperkit/mnist`, normalised, each rolled
 * once by a random cyclic shift (0..13 per axis; none for `plain`); the `permuted` variant then applies
 * one fixed random pixel permutation to every image (train and test alike). The shifts come from the
 * seed's `train-shifts`/`test-shifts` streams, so `shifted` and `permuted` of a seed share them.
 */
export function torusData(rng: Rng, variant: TorusVariant, nTrain: number, nTest: number): TorusData {
  const mnist = loadMnist({ size: SIDE });
  const permutation =
    variant === 'permuted'
      ? rng.stream('pixel-permutation').permutation(PX)
      : Int32Array.from({ length: PX }, (_, i) => i);
  const make = (set: LabeledArrays, n: number, shifts: string) =>
    build(set, Math.min(n, set.count), rng.stream(shifts), permutation, variant !== 'plain');
  return {
    train: make(mnist.train, nTrain, 'train-shifts'),
    test: make(mnist.test, nTest, 'test-shifts'),
    permutation,
  };
}
