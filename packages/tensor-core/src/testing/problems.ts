import * as tf from '@tensorflow/tfjs-core';

/** A toy minimisation problem over one vector parameter `x`. */
export interface ToyProblem {
  /** Name. */
  readonly name: 'quadratic' | 'rosenbrock';
  /** Starting point. */
  readonly start: number[];
  /** The minimiser. */
  readonly solution: number[];
  /** Loss of x. */
  loss(x: tf.Tensor): tf.Scalar;
}

/** ½ Σ aᵢ (xᵢ − cᵢ)² with curvatures 1…10 (condition number 10), from 0 to c = (1, −2, 3, …). */
export function quadraticProblem(dim = 10): ToyProblem {
  const a = Array.from({ length: dim }, (_, i) => 1 + (9 * i) / Math.max(1, dim - 1));
  const c = Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? 1 : -1) * (1 + i));
  return {
    name: 'quadratic',
    start: new Array(dim).fill(0),
    solution: c,
    loss: (x) =>
      tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(a), tf.square(tf.sub(x, tf.tensor1d(c))))))),
  };
}

/** Rosenbrock's banana (1 − x)² + 100 (y − x²)² from (−1.5, 2); minimum at (1, 1). */
export function rosenbrockProblem(): ToyProblem {
  return {
    name: 'rosenbrock',
    start: [-1.5, 2],
    solution: [1, 1],
    loss: (v) =>
      tf.tidy(() => {
        const x = tf.slice(v, 0, 1);
        const y = tf.slice(v, 1, 1);
        return tf.sum(
          tf.add(tf.square(tf.sub(1, x)), tf.mul(100, tf.square(tf.sub(y, tf.square(x))))),
        ) as tf.Scalar;
      }),
  };
}
