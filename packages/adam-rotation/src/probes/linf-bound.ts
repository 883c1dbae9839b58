import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Rotation } from '../rotation.js';
import { type BatchLoss, gradientsAt, type ProbeParams, probeTensors } from './gradients.js';

/** Options of {@link gradientLinfBound}. */
export interface LinfBoundOptions {
  /** Number T of minibatches (indices 0..T−1); default 1000 (the paper's Alg. 1). */
  readonly batches?: number;
  /** Measure in this rotation's coordinates, ‖R∇f_B‖_∞; default the standard basis. */
  readonly rotation?: Rotation;
}

/** Result of {@link gradientLinfBound}. */
export interface LinfBound {
  /** C̃ = max_i ‖R∇f_{B_i}(θ)‖_∞. */
  readonly bound: number;
  /** ‖R∇f_{B_i}(θ)‖_∞ for each minibatch. */
  readonly perBatch: Float64Array;
}

/**
 * Estimates the constant C of the L∞-bounded-gradient assumption ‖∇f_B(w)‖_∞ ≤ C (Reddi et al.;
 * Kingma & Ba) at the current parameters, as the paper's Alg. 1: the largest gradient entry over T
 * minibatches, in the rotated coordinates. One host read at the end.
 */
export async function gradientLinfBound(
  loss: BatchLoss,
  params: ProbeParams,
  options: LinfBoundOptions = {},
): Promise<LinfBound> {
  if (typeof loss !== 'function')
    throw new PaperkitInputError('loss', loss, 'a function (params, batch) => scalar');
  const t = checkInteger('batches', options.batches ?? 1000, 1);
  const tensors = probeTensors(params);
  const rot = options.rotation;
  const maxima: tf.Scalar[] = [];
  try {
    for (let i = 0; i < t; i++) {
      maxima.push(
        tf.tidy(() => {
          const g = gradientsAt(loss, tensors, i);
          const r = rot ? rot.rotate(g) : g;
          return tf.max(tf.stack(Object.values(r).map((x) => tf.max(tf.abs(x))))) as tf.Scalar;
        }),
      );
    }
    const all = tf.stack(maxima);
    const host = Float64Array.from((await all.data()) as Float32Array);
    all.dispose();
    return { bound: host.reduce((a, b) => Math.max(a, b), 0), perBatch: host };
  } finally {
    tf.dispose(maxima);
  }
}
