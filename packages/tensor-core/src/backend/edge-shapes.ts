import * as tf from '@tensorflow/tfjs-core';
import { applyEpilogue } from './epilogue.js';
import { baseKernel, hasLayer, type LayerFactory, setLayer } from './kernel-layers.js';
import { type BlasBackendName, filled, type Storage, storageFor } from './storage.js';

/**
 * Shapes that tfjs 4.22's stock kernels answer wrongly without an error, answered correctly here
 * (the `edge-shapes` layer, under the BLAS kernels, which are right on all of them):
 *
 * - `BatchMatMul`/`_FusedMatMul` whose batch dimensions broadcast on both sides
 *   (`[2,1,2,3]×[1,3,3,2]`): both stock kernels index batch `i` of an operand as `i % batchSize`
 *   and size the output by the larger batch, so the result holds fewer values than its shape
 *   (garbage on wasm, NaN on cpu). Such operands are tiled to the broadcast batch first.
 * - Products with inner size k = 0 (`[2,0]×[0,4]`): XNNPACK (wasm) refuses to create the operator
 *   ("status 2" on stderr) and leaves the output uninitialised; the answer is zeros (plus the bias
 *   and activation of a fused product). An empty output (a zero batch against a batch of one)
 *   is returned empty: cpu sized it by the other batch, wasm divided by zero.
 * - Convolutions with zero input channels (an empty sum): wasm returns uninitialised memory; the
 *   answer is zeros. Their gradients with an empty side are zeros too, and an empty depthwise output
 *   is returned empty (wasm divides by zero).
 * - `Sum`/`Prod`/`Mean`/`Max`/`Min` over an empty axis: wasm returns uninitialised memory and cpu's
 *   max/min give NaN; the answers are the reductions' identities: 0, 1, NaN (0/0), −∞, +∞.
 *
 * Everything else goes to the kernel below unchanged, so the common shapes pay one shape check.
 */
const GUARDED = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNative',
  'Sum',
  'Prod',
  'Mean',
  'Max',
  'Min',
] as const;

type Guarded = (typeof GUARDED)[number];
type KernelArgs = Parameters<tf.KernelFunc>[0];
type Guard = (store: Storage, args: KernelArgs, next: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[];

const size = (shape: readonly number[]) => tf.util.sizeFromShape([...shape]);

/** The operands' batch shape (each left-padded with 1s) and their broadcast, or null when invalid. */
function batchShapes(a: readonly number[], b: readonly number[]) {
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  let out: number[];
  try {
    out = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  } catch {
    return null;
  }
  const pad = (s: number[]) => [...new Array<number>(out.length - s.length).fill(1), ...s];
  return { a: pad(aBatch), b: pad(bBatch), out };
}

/**
 * Whether the stock kernels' `i % batch` indexing reads the right matrix of an operand: when its
 * padded batch shape is 1s followed by the output's trailing batch dimensions (broadcast along
 * leading dimensions only), and the output is sized right (one operand spans the whole batch).
 */
export function stockBatchIndexingIsRight(
  a: readonly number[],
  b: readonly number[],
  out: readonly number[],
): boolean {
  const suffixOf = (s: readonly number[]) => {
    let j = 0;
    while (j < s.length && s[j] === 1 && out[j] !== 1) j++;
    return s.every((d, i) => i < j || d === out[i]);
  };
  const total = size(out);
  return suffixOf(a) && suffixOf(b) && Math.max(size(a), size(b)) === total;
}

/** `x` tiled along its batch dimensions to `outBatch` (a new tensor), or x itself when it spans it. */
function tileBatch(store: Storage, x: tf.TensorInfo, padded: readonly number[], outBatch: readonly number[]) {
  if (padded.every((d, i) => d === outBatch[i])) return null;
  const mat = x.shape.slice(-2);
  const reshaped = store.run('Reshape', { x }, { shape: [...padded, ...mat] } as unknown as tf.NamedAttrMap);
  const reps = [...outBatch.map((d, i) => d / padded[i]!), 1, 1];
  const tiled = store.run('Tile', { x: reshaped }, { reps } as unknown as tf.NamedAttrMap);
  store.dispose(reshaped);
  return tiled;
}

interface MatMulAttrs {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  readonly activation?: string;
  readonly leakyreluAlpha?: number;
}

function matMulGuard(fused: boolean): Guard {
  return (store, args, next) => {
    const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo } & tf.NamedTensorInfoMap;
    const { a, b } = inputs;
    const attrs = args.attrs as MatMulAttrs;
    if (!store.readable(a) || !store.readable(b) || a.shape.length < 2 || b.shape.length < 2)
      return next(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = attrs.transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = attrs.transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = attrs.transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = attrs.transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const batch = batchShapes(a.shape, b.shape);
    if (k !== kb || !batch) return next(args); // tfjs raises its own error
    const outShape = [...batch.out, m, n];
    if (size(outShape) === 0) return store.alloc(outShape);
    const epilogue = (y: tf.TensorInfo) =>
      fused
        ? applyEpilogue(store, y, {
            bias: inputs.bias,
            activation: attrs.activation,
            preluActivationWeights: inputs.preluActivationWeights,
            leakyreluAlpha: attrs.leakyreluAlpha,
          })
        : y;
    if (k === 0) return epilogue(filled(store, outShape, 0));
    if (stockBatchIndexingIsRight(batch.a, batch.b, batch.out)) return next(args);
    const at = tileBatch(store, a, batch.a, batch.out);
    const bt = tileBatch(store, b, batch.b, batch.out);
    try {
      return next({ ...args, inputs: { ...inputs, a: at ?? a, b: bt ?? b } });
    } finally {
      if (at) store.dispose(at);
      if (bt) store.dispose(bt);
    }
  };
}

type ConvAttrs = tf.Conv2DAttrs & tf.FusedConv2DAttrs;

function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  a: ConvAttrs,
  depthwise = false,
) {
  try {
    const fmt = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
    return tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      depthwise,
      fmt,
    );
  } catch {
    return null;
  }
}

function convGuard(fused: boolean): Guard {
  return (store, args, next) => {
    const inputs = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo } & tf.NamedTensorInfoMap;
    const a = args.attrs as unknown as ConvAttrs;
    if (!store.readable(inputs.x) || !store.readable(inputs.filter)) return next(args);
    const info = convInfo(inputs.x.shape, inputs.filter.shape, a);
    if (!info) return next(args);
    if (size(info.outShape) === 0) return store.alloc(info.outShape);
    if (info.inChannels !== 0) return next(args);
    let bias = inputs.bias;
    let reshapedBias: tf.TensorInfo | null = null;
    // Channels-first output [n, c, h, w]: a per-channel bias broadcasts as [c, 1, 1].
    if (fused && bias && info.dataFormat === 'channelsFirst' && bias.shape.length === 1) {
      reshapedBias = store.run('Reshape', { x: bias }, {
        shape: [bias.shape[0]!, 1, 1],
      } as unknown as tf.NamedAttrMap);
      bias = reshapedBias;
    }
    try {
      const zeros = filled(store, info.outShape, 0);
      return fused
        ? applyEpilogue(store, zeros, {
            bias,
            activation: a.activation,
            preluActivationWeights: inputs.preluActivationWeights,
            leakyreluAlpha: a.leakyreluAlpha,
          })
        : zeros;
    } finally {
      if (reshapedBias) store.dispose(reshapedBias);
    }
  };
}

/** A gradient whose sum has no terms (an empty input, filter or upstream gradient) is zeros. */
const backpropInputGuard: Guard = (store, args, next) => {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const shape = (args.attrs as unknown as tf.Conv2DBackpropInputAttrs).inputShape;
  if (!store.readable(dy) || !store.readable(filter) || !Array.isArray(shape)) return next(args);
  if (size(shape) === 0) return store.alloc(shape);
  if (size(dy.shape) === 0 || size(filter.shape) === 0) return filled(store, shape, 0);
  return next(args);
};

const backpropFilterGuard: Guard = (store, args, next) => {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const shape = (args.attrs as unknown as tf.Conv2DBackpropFilterAttrs).filterShape;
  if (!store.readable(x) || !store.readable(dy) || !Array.isArray(shape)) return next(args);
  if (size(shape) === 0) return store.alloc(shape);
  if (size(x.shape) === 0 || size(dy.shape) === 0) return filled(store, shape, 0);
  return next(args);
};

const depthwiseGuard: Guard = (store, args, next) => {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  if (!store.readable(x) || !store.readable(filter)) return next(args);
  const info = convInfo(x.shape, filter.shape, args.attrs as unknown as ConvAttrs, true);
  if (!info) return next(args);
  if (size(info.outShape) === 0) return store.alloc(info.outShape);
  if (size(x.shape) === 0 || size(filter.shape) === 0) return filled(store, info.outShape, 0);
  return next(args);
};

/** The identity each reduction starts from: the answer over an empty axis. */
const IDENTITY: Readonly<Record<string, number>> = {
  Sum: 0,
  Prod: 1,
  Mean: Number.NaN,
  Max: -Infinity,
  Min: Infinity,
};

function reduceGuard(kernel: string): Guard {
  return (store, args, next) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (size(x.shape) !== 0 || !store.readable(x)) return next(args);
    const attrs = args.attrs as {
      axis?: number | number[];
      reductionIndices?: number | number[];
      keepDims?: boolean;
    };
    let axes: number[];
    try {
      axes = tf.util.parseAxisParam(attrs.axis ?? attrs.reductionIndices ?? null!, x.shape);
    } catch {
      return next(args);
    }
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = attrs.keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    if (size(shape) === 0) return next(args);
    return filled(store, shape, IDENTITY[kernel]!);
  };
}

const GUARDS: Readonly<Record<Guarded, Guard>> = {
  BatchMatMul: matMulGuard(false),
  _FusedMatMul: matMulGuard(true),
  Conv2D: convGuard(false),
  FusedConv2D: convGuard(true),
  Conv2DBackpropInput: backpropInputGuard,
  Conv2DBackpropFilter: backpropFilterGuard,
  DepthwiseConv2dNative: depthwiseGuard,
  Sum: reduceGuard('Sum'),
  Prod: reduceGuard('Prod'),
  Mean: reduceGuard('Mean'),
  Max: reduceGuard('Max'),
  Min: reduceGuard('Min'),
};

const factories = new Map<string, LayerFactory>();

function factory(backend: BlasBackendName, kernel: Guarded): LayerFactory {
  const key = `${backend}/${kernel}`;
  let f = factories.get(key);
  if (!f) {
    const guard = GUARDS[kernel];
    f = (next) => {
      if (!next) throw new Error(`internal: ${kernel} has no kernel to guard on ${backend}`);
      return (args) => guard(storageFor(backend, args.backend), args, next);
    };
    factories.set(key, f);
  }
  return f;
}

/**
 * Puts the edge-shape guards over `backend`'s stock kernels (see the file comment). `initBackend`
 * does this for wasm and cpu; only kernels the backend has are guarded (so `missingKernels` still
 * reports wasm's missing `Conv2DBackpropFilter`). Idempotent.
 */
export function enableEdgeShapeGuards(backend: BlasBackendName): void {
  for (const k of GUARDED)
    if (baseKernel(backend, k)) setLayer(backend, k, 'edge-shapes', factory(backend, k));
}

/** Removes the guards (to reproduce the stock kernels' answers, e.g. in the tests that document them). */
export function disableEdgeShapeGuards(backend: BlasBackendName): void {
  for (const k of GUARDED) setLayer(backend, k, 'edge-shapes', null);
}

/** Whether the guards are over `backend`'s kernels. */
export function edgeShapeGuardsEnabled(backend: BlasBackendName): boolean {
  return GUARDED.some((k) => hasLayer(backend, k, 'edge-shapes'));
}
