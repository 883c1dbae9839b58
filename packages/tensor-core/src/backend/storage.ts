import * as tf from '@tensorflow/tfjs-core';

/** The backends the BLAS kernels register on. */
export type BlasBackendName = 'wasm' | 'cpu';

/**
 * Zero-copy access to a backend's float32 buffers. On wasm the views alias the wasm heap, which
 * grows (detaching old views) whenever the backend allocates, so every kernel allocates all of its
 * outputs first and only then takes views, and calls nothing that allocates before the native call.
 */
export interface Storage {
  readonly backendName: BlasBackendName;
  /** True when `view` can return the tensor's float32 buffer without copying. */
  readable(t: tf.TensorInfo): boolean;
  /** A new uninitialised float32 output of `shape`. */
  alloc(shape: readonly number[]): tf.TensorInfo;
  /** The float32 buffer behind `t` (valid until the next allocation on this backend). */
  view(t: tf.TensorInfo): Float32Array;
  /** Releases a kernel-internal intermediate. */
  dispose(t: tf.TensorInfo): void;
  /** Runs the currently registered kernel `name` of this backend on kernel-level inputs. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap): tf.TensorInfo;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): ArrayLike<number>;
  disposeData(dataId: tf.DataId): boolean;
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

function runner(backendName: BlasBackendName, backend: object) {
  return (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo => {
    const kernel = tf.getKernel(name, backendName);
    if (!kernel) throw new Error(`kernel '${name}' is not registered for backend '${backendName}'`);
    const out = kernel.kernelFunc({ inputs, backend, attrs });
    return Array.isArray(out) ? out[0]! : out;
  };
}

function wasmStorage(backend: WasmBackendLike): Storage {
  return {
    backendName: 'wasm',
    readable: (t) => t.dtype === 'float32',
    alloc: (shape) => backend.makeOutput([...shape], 'float32'),
    view: (t) => backend.typedArrayFromHeap(t) as Float32Array,
    dispose: (t) => {
      backend.disposeData(t.dataId);
    },
    run: runner('wasm', backend),
  };
}

function cpuStorage(backend: CpuBackendLike): Storage {
  const values = (t: tf.TensorInfo) => backend.data.get(t.dataId)?.values;
  return {
    backendName: 'cpu',
    readable: (t) => t.dtype === 'float32' && values(t) instanceof Float32Array,
    alloc: (shape) =>
      backend.makeTensorInfo([...shape], 'float32', new Float32Array(tf.util.sizeFromShape([...shape]))),
    view: (t) => values(t) as Float32Array,
    dispose: (t) => {
      backend.disposeData(t.dataId);
    },
    run: runner('cpu', backend),
  };
}

const cache = new WeakMap<object, Storage>();

/** The storage adapter of the backend instance tfjs hands to a kernel (one per instance). */
export function storageFor(backendName: BlasBackendName, backend: object): Storage {
  let s = cache.get(backend);
  if (!s) {
    s =
      backendName === 'wasm'
        ? wasmStorage(backend as WasmBackendLike)
        : cpuStorage(backend as CpuBackendLike);
    cache.set(backend, s);
  }
  return s;
}
