import * as tf from '@tensorflow/tfjs-core';

/**
 * One parameter's update in flight through a chain of transforms: `value · num / den`, with the host
 * factor `num / den` not yet applied. Transforms that only rescale (the learning rate, Adam's bias
 * correction 1/(1 − β₁ᵗ), a constant) fold into the factor instead of launching a kernel, and the
 * factor is applied once, by the first transform that needs the tensor or by the optimizer when it
 * subtracts the update. Keeping numerator and denominator apart reproduces PyTorch's (and the
 * previous tensor-core's) `u = m̂ … · (lr / (1 − β₁ᵗ))` bit for bit.
 */
export interface Update {
  /** The tensor part. */
  readonly value: tf.Tensor;
  /** Numerator of the pending host factor. */
  readonly num: number;
  /** Denominator of the pending host factor. */
  readonly den: number;
}

/** Updates of one step, keyed by parameter name. */
export type Updates = Readonly<Record<string, Update>>;

/** An update with a pending factor `num / den` (default 1). */
export function withFactor(value: tf.Tensor, num = 1, den = 1): Update {
  return { value, num, den };
}

/** The update's tensor with its factor applied (no kernel when the factor is 1). */
export function materialize(u: Update): tf.Tensor {
  return u.num === 1 && u.den === 1 ? u.value : tf.mul(u.value, u.num / u.den);
}

/** Gradients as updates with factor 1. */
export function toUpdates(grads: Readonly<Record<string, tf.Tensor>>): Updates {
  const out: Record<string, Update> = {};
  for (const [n, g] of Object.entries(grads)) out[n] = { value: g, num: 1, den: 1 };
  return out;
}

/** Every update materialized, as plain tensors keyed by name. */
export function materializeAll(u: Updates): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [n, x] of Object.entries(u)) out[n] = materialize(x);
  return out;
}

/** Applies `fn` to every materialized update (the usual shape of a simple transform). */
export function mapUpdates(u: Updates, fn: (value: tf.Tensor, name: string) => tf.Tensor): Updates {
  const out: Record<string, Update> = {};
  for (const [n, x] of Object.entries(u)) out[n] = { value: fn(materialize(x), n), num: 1, den: 1 };
  return out;
}

/** Multiplies every pending factor by `num / den` (no kernel). */
export function scaleUpdates(u: Updates, num: number, den = 1): Updates {
  const out: Record<string, Update> = {};
  for (const [n, x] of Object.entries(u)) out[n] = { value: x.value, num: x.num * num, den: x.den * den };
  return out;
}
