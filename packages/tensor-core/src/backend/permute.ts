import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../validate/errors.js';

/**
 * A gather of a flat float32 vector by an int32 index vector, `out[k] = x[indices[k]]`, as one plain
 * copy loop over the backend's own buffers. Stock `tf.gather` on 1e6 random indices takes ~46 ms on
 * wasm and ~77 ms on cpu here (its general strided path), which made the permutations of block
 * rotations dominate an optimizer step; the loop takes a few ms. Not differentiable: meant for
 * optimizer-side transforms (hooks run outside the gradient tape).
 */
const KERNEL = 'PaperkitPermute';

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): ArrayLike<number>;
}

interface CpuLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function copy(out: Float32Array, x: ArrayLike<number>, idx: ArrayLike<number>): void {
  for (let k = 0; k < out.length; k++) out[k] = x[idx[k]!]!;
}

const kernels: Record<'wasm' | 'cpu', tf.KernelFunc> = {
  wasm: ({ inputs, backend }) => {
    const b = backend as unknown as WasmLike;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    // Allocate first: growing the wasm heap detaches earlier views.
    const out = b.makeOutput([indices.shape[0]!], 'float32');
    copy(b.typedArrayFromHeap(out) as Float32Array, b.typedArrayFromHeap(x), b.typedArrayFromHeap(indices));
    return out;
  },
  cpu: ({ inputs, backend }) => {
    const b = backend as unknown as CpuLike;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const out = new Float32Array(indices.shape[0]!);
    copy(out, b.data.get(x.dataId)!.values as Float32Array, b.data.get(indices.dataId)!.values as Int32Array);
    return b.makeTensorInfo([out.length], 'float32', out);
  },
};

function ensureKernel(backendName: string): boolean {
  if (backendName !== 'wasm' && backendName !== 'cpu') return false;
  if (!tf.getKernel(KERNEL, backendName))
    tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc: kernels[backendName] });
  return true;
}

/**
 * `x[indices]` for a 1-D float32 `x` and 1-D int32 `indices` (each in [0, x.size)), as a fast copy on
 * the wasm and cpu backends and `tf.gather` elsewhere. Indices are not bounds-checked on the fast
 * path (checking would cost a host read); build them from a validated permutation.
 */
export function permute(x: tf.Tensor1D, indices: tf.Tensor1D): tf.Tensor1D {
  if (x.rank !== 1 || x.dtype !== 'float32') throw new PaperkitInputError('x', x, 'a 1-D float32 tensor');
  if (indices.rank !== 1 || indices.dtype !== 'int32')
    throw new PaperkitInputError('indices', indices, 'a 1-D int32 tensor');
  if (!ensureKernel(tf.getBackend())) return tf.gather(x, indices);
  return tf.engine().runKernel(KERNEL, { x, indices }) as tf.Tensor1D;
}
