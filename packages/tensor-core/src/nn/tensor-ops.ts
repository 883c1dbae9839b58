import * as tf from '@tensorflow/tfjs-core';

/* Tensor ops tfjs-core lacks. */

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
 * construction, so neither direction transposes per call (tfjs differentiates `matMul(A, x)` into
 * `matMul(A, dy, true, false)`). Call {@link ConstantMatrix.dispose} when done.
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
