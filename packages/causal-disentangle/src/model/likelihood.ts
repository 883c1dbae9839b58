import * as tf from '@tensorflow/tfjs-core';

/** −log N(x | μ, σ²) element-wise: ½·log 2π + log σ + (x − μ)²/(2σ²). `std` broadcasts. */
export function gaussianNll(x: tf.Tensor, mean: tf.Tensor, std: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.add(
      tf.add(0.5 * Math.log(2 * Math.PI), tf.log(std)),
      tf.div(tf.square(tf.sub(x, mean)), tf.mul(2, tf.square(std))),
    ),
  );
}

/** softplus(ρ) + floor, the variance parametrisation of the encoder (floor 1e-4) and priors (1e-6). */
export function softplusVariance(rho: tf.Tensor, floor: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.softplus(rho), floor));
}

/** ρ with softplus(ρ) = v: log(e^v − 1), the initial value of a variance parameter. */
export function inverseSoftplus(v: number): number {
  return v > 30 ? v : Math.log(Math.expm1(v));
}
