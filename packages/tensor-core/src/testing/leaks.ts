import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and throws if it changed the live tensor count by anything but `allowed` (tfjs-core's own
 * optimizer tests assert the same deltas). Returns what `fn` returned.
 */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, allowed = 0): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const delta = tf.memory().numTensors - before;
  if (delta !== allowed)
    throw new Error(`tensor leak: ${delta} tensors created and not disposed (allowed ${allowed})`);
  return out;
}
