import * as tf from '@tensorflow/tfjs-core';

/** The backends tensor-core's own kernels register on. */
export type BlasBackendName = 'wasm' | 'cpu';

/** The dtypes the native kernels read and write (4-byte elements). */
export type NativeDtype = 'float32' | 'int32';

/**
 * Zero-copy access to a backend's float32 and int32 buffers. On wasm the views alias the wasm heap,
 * which grows (detaching old views) whenever the backend allocates, so every kernel checks its
 * inputs with `readable`/`readableAs` first (which moves a tensor from another backend here), then
 * allocates all of its outputs, and only then takes views, calling nothing that allocates before
 * the native call.
 */
export interface Storage {
  readonly backendName: BlasBackendName;
  /** True when `view` can return the tensor's float32 buffer without copying. */
  readable(t: tf.TensorInfo): boolean;
  /** True when the tensor's buffer is a `dtype` array that can be viewed without copying. */
  readableAs(t: tf.TensorInfo, dtype: NativeDtype): boolean;
  /** A new uninitialised output of `shape` (float32 unless `dtype` says otherwise). */
  alloc(shape: readonly number[], dtype?: NativeDtype): tf.TensorInfo;
  /** The float32 buffer behind `t` (valid until the next allocation on this backend). */
  view(t: tf.TensorInfo): Float32Array;
  /** The int32 buffer behind `t` (valid until the next allocation on this backend). */
  viewI32(t: tf.TensorInfo): Int32Array;
  /** How many tensors share `t`'s buffer (1: writing it in place is invisible to anyone else). */
  refCount(t: tf.TensorInfo): number;
  /** Makes one more tensor share `t`'s buffer (a zero-copy identity). */
  incRef(t: tf.TensorInfo): void;
  /** Releases a kernel-internal intermediate. */
  dispose(t: tf.TensorInfo): void;
  /** Runs the currently registered kernel `name` of this backend on kernel-level inputs. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap): tf.TensorInfo;
}

interface WasmBackendLike {
  /** tfjs's DataStorage: `get` first moves data that lives on another backend to this one. */
  dataIdMap: { get(dataId: tf.DataId): unknown };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): ArrayLike<number>;
  disposeData(dataId: tf.DataId): boolean;
  refCount(dataId: tf.DataId): number;
  incRef(dataId: tf.DataId): void;
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  refCount(dataId: tf.DataId): number;
  incRef(dataId: tf.DataId): void;
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
  // A tensor created on another backend moves here on first access, allocating on the wasm heap:
  // the readability checks (which every kernel makes on its inputs before it allocates and takes
  // views) touch the data so that the move happens then, not between two views.
  const local = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId) !== undefined;
  return {
    backendName: 'wasm',
    readable: (t) => t.dtype === 'float32' && local(t),
    readableAs: (t, dtype) => t.dtype === dtype && local(t),
    alloc: (shape, dtype = 'float32') => backend.makeOutput([...shape], dtype),
    view: (t) => backend.typedArrayFromHeap(t) as Float32Array,
    viewI32: (t) => backend.typedArrayFromHeap(t) as Int32Array,
    refCount: (t) => backend.refCount(t.dataId),
    incRef: (t) => backend.incRef(t.dataId),
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
    readableAs: (t, dtype) =>
      t.dtype === dtype && values(t) instanceof (dtype === 'float32' ? Float32Array : Int32Array),
    alloc: (shape, dtype = 'float32') => {
      const n = tf.util.sizeFromShape([...shape]);
      return backend.makeTensorInfo(
        [...shape],
        dtype,
        dtype === 'float32' ? new Float32Array(n) : new Int32Array(n),
      );
    },
    view: (t) => values(t) as Float32Array,
    viewI32: (t) => values(t) as Int32Array,
    refCount: (t) => backend.refCount(t.dataId),
    incRef: (t) => backend.incRef(t.dataId),
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

/** A new float32 output of `shape` filled with `value`. */
export function filled(store: Storage, shape: readonly number[], value: number): tf.TensorInfo {
  const out = store.alloc(shape);
  if (tf.util.sizeFromShape([...shape]) > 0) store.view(out).fill(value);
  return out;
}
