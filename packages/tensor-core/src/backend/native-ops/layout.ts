import * as tf from '@tensorflow/tfjs-core';
import type { NativeDtype, Storage } from '../storage.js';
import { delegate, type OpFactory } from './kernel.js';
import { MAX_RANK, size } from './shapes.js';

/** The dtype the addon can move (float32 or int32 with a viewable buffer), or null. */
function dtypeOf(store: Storage, t: tf.TensorInfo): NativeDtype | null {
  if (store.readableAs(t, 'float32')) return 'float32';
  if (store.readableAs(t, 'int32')) return 'int32';
  return null;
}

const viewAs = (store: Storage, t: tf.TensorInfo, dtype: NativeDtype) =>
  dtype === 'float32' ? store.view(t) : store.viewI32(t);

/** `Transpose` of float32 or int32 tensors on the addon. */
export const transposeKernel: OpFactory = (native, storage, next) => (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { perm } = args.attrs as { perm: number[] };
  const store = storage(args.backend);
  const dtype = dtypeOf(store, x);
  if (!dtype || x.shape.length > MAX_RANK || !Array.isArray(perm) || perm.length !== x.shape.length)
    return delegate('Transpose', next, args);
  const out = store.alloc(
    perm.map((p) => x.shape[p]!),
    dtype,
  );
  if (size(x.shape) > 0)
    native.transpose(viewAs(store, x, dtype), 0, viewAs(store, out, dtype), 0, x.shape, perm);
  return out;
};

/**
 * `GatherV2` (batchDims 0) of float32 or int32 rows on the addon. An index outside the axis is an
 * error, as on tfjs's cpu kernel (the wasm kernel reads whatever lies there).
 */
export const gatherKernel: OpFactory = (native, storage, next) => (args) => {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as { axis: number; batchDims?: number };
  const store = storage(args.backend);
  const dtype = dtypeOf(store, x);
  if (!dtype || (batchDims ?? 0) !== 0 || !store.readableAs(indices, 'int32'))
    return delegate('GatherV2', next, args);
  let ax: number;
  try {
    [ax] = tf.util.parseAxisParam(axis, x.shape) as [number];
  } catch {
    return delegate('GatherV2', next, args);
  }
  const outer = size(x.shape.slice(0, ax));
  const axisSize = x.shape[ax]!;
  const inner = size(x.shape.slice(ax + 1));
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  const out = store.alloc(outShape, dtype);
  const nIdx = size(indices.shape);
  if (nIdx === 0) return out;
  const idx = store.viewI32(indices);
  const bad = native.gather(
    viewAs(store, x, dtype),
    0,
    idx,
    0,
    viewAs(store, out, dtype),
    0,
    outer,
    nIdx,
    axisSize,
    inner,
  );
  if (bad >= 0) {
    const value = idx[bad];
    store.dispose(out);
    throw new Error(`GatherV2: the index value ${value} is not in [0, ${axisSize - 1}]`);
  }
  return out;
};

/**
 * `UnsortedSegmentSum` on the addon: the gradient of a gather (an embedding lookup). tfjs's wasm
 * backend has no such kernel, so registering this one also lets `gather` be differentiated there.
 * Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export const segmentSumKernel: OpFactory = (native, storage, next) => (args) => {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as { numSegments: number };
  const store = storage(args.backend);
  const k = segmentIds.shape.length;
  if (
    !store.readable(x) ||
    !store.readableAs(segmentIds, 'int32') ||
    !Number.isInteger(numSegments) ||
    numSegments < 0 ||
    !segmentIds.shape.every((d, i) => d === x.shape[i])
  )
    return delegate('UnsortedSegmentSum', next, args);
  const tail = x.shape.slice(k);
  const out = store.alloc([numSegments, ...tail]);
  if (numSegments * size(tail) > 0)
    native.segmentSum(
      store.view(x),
      0,
      store.viewI32(segmentIds),
      0,
      store.view(out),
      0,
      size(segmentIds.shape),
      numSegments,
      size(tail),
    );
  return out;
};

/** `Cast` int32 → float32 on the addon, and float32 → float32 without a copy. */
export const castKernel: OpFactory = (native, storage, next) => (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as { dtype: tf.DataType };
  const store = storage(args.backend);
  if (dtype === 'float32' && store.readable(x)) {
    store.incRef(x);
    return { dataId: x.dataId, shape: x.shape, dtype: 'float32' };
  }
  if (dtype !== 'float32' || !store.readableAs(x, 'int32')) return delegate('Cast', next, args);
  const out = store.alloc(x.shape);
  const n = size(x.shape);
  if (n > 0) native.castI32ToF32(store.viewI32(x), 0, store.view(out), 0, n);
  return out;
};

/**
 * `Identity` without a copy: the output shares the input's buffer (tfjs's cpu backend does the same;
 * its wasm backend copies, which showed up as a few percent of a transformer step). Tensors are
 * immutable, so sharing is invisible.
 */
export const identityKernel: OpFactory = (_native, storage, next) => (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const store = storage(args.backend);
  if (!store.readableAs(x, 'float32') && !store.readableAs(x, 'int32'))
    return delegate('Identity', next, args);
  store.incRef(x);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * `SplitV` as one row gather per output (float32 or int32). tfjs's wasm kernel runs a `Slice` per
 * output, each reading its whole input; a transformer splits its fused QKV projection this way.
 */
export const splitKernel: OpFactory = (native, storage, next) => (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const store = storage(args.backend);
  const dtype = dtypeOf(store, x);
  if (!dtype) return delegate('SplitV', next, args);
  let ax: number;
  let sizes: number[];
  try {
    [ax] = tf.util.parseAxisParam(axis, x.shape) as [number];
    sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  } catch {
    return delegate('SplitV', next, args);
  }
  const outer = size(x.shape.slice(0, ax));
  const axisSize = x.shape[ax]!;
  const inner = size(x.shape.slice(ax + 1));
  if (sizes.reduce((a, s) => a + s, 0) !== axisSize) return delegate('SplitV', next, args);
  // Every output first, then views: growing the wasm heap detaches earlier views.
  const outs = sizes.map((s) =>
    store.alloc(
      x.shape.map((d, i) => (i === ax ? s : d)),
      dtype,
    ),
  );
  let start = 0;
  sizes.forEach((s, k) => {
    if (s > 0 && outer * inner > 0) {
      const idx = new Int32Array(s);
      for (let j = 0; j < s; j++) idx[j] = start + j;
      native.gather(
        viewAs(store, x, dtype),
        0,
        idx,
        0,
        viewAs(store, outs[k]!, dtype),
        0,
        outer,
        s,
        axisSize,
        inner,
      );
    }
    start += s;
  });
  return outs;
};
