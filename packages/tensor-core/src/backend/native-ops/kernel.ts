import type * as tf from '@tensorflow/tfjs-core';
import type { NativeOps } from '../blas/native.js';
import type { Storage } from '../storage.js';

/** Arguments tfjs passes to a kernel. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Builds one native kernel from the addon, the backend's storage adapter and the kernel below it
 * (tfjs's own, under tensor-core's other layers), which takes every input the native one does not.
 */
export type OpFactory = (
  native: NativeOps,
  storage: (backend: object) => Storage,
  next: tf.KernelFunc | null,
) => tf.KernelFunc;

/** Hands `args` to the kernel below, or fails naming the kernel when there is none. */
export function delegate(
  name: string,
  next: tf.KernelFunc | null,
  args: KernelArgs,
): tf.TensorInfo | tf.TensorInfo[] {
  if (!next)
    throw new Error(`${name}: inputs the native kernel does not take, and no stock kernel to delegate to`);
  return next(args);
}
