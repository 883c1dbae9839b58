import * as tf from '@tensorflow/tfjs-core';

/*
 * Tensor ops tfjs-core lacks or runs slowly on stock wasm, where transposed matMuls take a generic path
 * 10–30× slower than the untransposed XNNPACK product.
 */

/**
 * a·b for 2-D tensors with a custom gradient that forms both backward products as plain
 * (untransposed) matMuls of explicitly transposed operands: da = dy·bᵀ, db = aᵀ·dy. tfjs-wasm runs
 * transposed matMuls on a slow generic path (about 10–30× the time of the same product untransposed
 * in XNNPACK), which made the MLP predictor's backward pass the bulk of a training epoch; an explicit
 * transpose costs one memory pass. Forward and gradients equal `tf.matMul`'s up to float32 rounding.
 */
export const matMulPlainGrad = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch's `.detach()`), which
 * tfjs-core lacks as an op.
 */
export const stopGradient = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * Left multiplication by a constant matrix, x ↦ A·x, whose gradient Aᵀ·dy uses a transpose kept from
 * construction. tfjs differentiates `matMul(A, x)` into `matMul(A, dy, true, false)`, which tfjs-wasm
 * runs on a slow generic path; here both directions are plain products. Call {@link ConstantMatrix.dispose} when done.
 */
export class ConstantMatrix {
  /** A. */
  readonly value: tf.Tensor2D;
  private readonly transposed: tf.Tensor2D;
  private readonly op: (x: tf.Tensor2D) => tf.Tensor2D;

  /** Keeps A (row-major `data`, shape [rows, cols]) and its transpose. */
  constructor(data: Float32Array, rows: number, cols: number) {
    this.value = tf.keep(tf.tensor2d(data, [rows, cols]));
    this.transposed = tf.keep(tf.transpose(this.value));
    this.op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.matMul(this.value, inputs[0] as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor) => tf.matMul(this.transposed, dy as tf.Tensor2D),
    })) as (x: tf.Tensor2D) => tf.Tensor2D;
  }

  /** A·x for x [cols, k]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.op(x);
  }

  /** Frees A and Aᵀ. */
  dispose(): void {
    this.value.dispose();
    this.transposed.dispose();
  }
}
