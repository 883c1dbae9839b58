import * as tf from '@tensorflow/tfjs-core';

/**
 * Splits a 1-D tensor into consecutive pieces of the given sizes by balanced binary halving. tfjs's
 * wasm `Slice` reads the whole input buffer on every call, so `tf.split` into P pieces copies P·d
 * values; halving copies about 2·d·log₂P. Call inside a tidy (the intermediate halves are not freed).
 */
export function splitFlat(x: tf.Tensor, sizes: readonly number[]): tf.Tensor[] {
  if (sizes.length === 1) return [x];
  if (sizes.length === 2) return tf.split(x, [sizes[0]!, sizes[1]!]);
  const mid = sizes.length >> 1;
  const left = sizes.slice(0, mid);
  const right = sizes.slice(mid);
  const sum = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);
  const [l, r] = tf.split(x, [sum(left), sum(right)]);
  return [...splitFlat(l!, left), ...splitFlat(r!, right)];
}
