import * as tf from '@tensorflow/tfjs-core';

/**
 * Σ_t BCE_mean(θ_t, y_t): binary cross-entropy of the predictions against the realised actions, with
 * the labels held constant (the RRM view of accuracy). Written as −log|(1 − y) − θ| with the argument
 * floored, which equals −[y log θ + (1 − y) log(1 − θ)] for binary y without ever multiplying a log(0)
 * by 0 (that product has a NaN gradient in tfjs).
 * @param theta predictions [rounds, N]
 * @param actions 0/1 actions [rounds, N]
 */
export function accuracyLoss(theta: tf.Tensor2D, actions: tf.Tensor2D, floor: number): tf.Scalar {
  return tf.tidy(() => {
    const n = theta.shape[1];
    const lik = tf.maximum(tf.abs(tf.sub(tf.sub(1, actions), theta)), floor);
    return tf.div(tf.neg(tf.sum(tf.log(lik))), n) as tf.Scalar;
  });
}

/**
 * The reference's `accuracy_perf` loss (`BinaryCrossEntropyBackpropLabels`): forward, the same
 * Σ_t BCE_mean(θ_t, 1[gain_t > 0]); backward, the label also carries a gradient as if it were
 * σ(gain): ∂/∂gain = (log(1 − θ) − log θ)·σ(gain)(1 − σ(gain)) (logs clamped at −100), and
 * ∂/∂θ = (θ − y)/max(θ(1 − θ), 1e−15). Like the reference, the backward omits the mean's 1/N (its
 * gradient is N times the forward's slope); Adam is invariant to that scale.
 * @param theta predictions [rounds, N]
 * @param gains expected gains [rounds, N]
 */
export function performativeAccuracyLoss(theta: tf.Tensor2D, gains: tf.Tensor2D, floor: number): tf.Scalar {
  const f = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [th, gain, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([th, gain]);
    const y = tf.step(gain);
    const value = accuracyLoss(th as tf.Tensor2D, y as tf.Tensor2D, floor);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [t, g] = saved as [tf.Tensor, tf.Tensor];
        const labels = tf.step(g);
        const dTheta = tf.mul(dy, tf.div(tf.sub(t, labels), tf.maximum(tf.mul(t, tf.sub(1, t)), 1e-15)));
        const s = tf.sigmoid(g);
        const logs = tf.sub(tf.maximum(tf.log(tf.sub(1, t)), -100), tf.maximum(tf.log(t), -100));
        const dGain = tf.mul(dy, tf.mul(logs, tf.mul(s, tf.sub(1, s))));
        return [dTheta, dGain];
      },
    };
  });
  return (f as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(theta, gains) as tf.Scalar;
}
