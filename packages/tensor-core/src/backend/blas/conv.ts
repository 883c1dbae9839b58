import * as tf from '@tensorflow/tfjs-core';
import { applyEpilogue, isSupportedActivation } from '../epilogue.js';
import type { Storage } from '../storage.js';
import type { NativeBlas } from './native.js';

type Shape4 = [number, number, number, number];
type KernelArgs = Parameters<tf.KernelFunc>[0];
type Pad = tf.Conv2DAttrs['pad'];
type Rounding = tf.Conv2DAttrs['dimRoundingMode'];

interface ConvPlan {
  readonly info: tf.backend_util.Conv2DInfo;
  readonly geometry: number[];
  readonly channelsLast: boolean;
}

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Geometry from tfjs's own `computeConv2DInfo`, so every pad mode ('same', 'valid', a number,
 * explicit per-side pairs), stride, dilation, rounding mode and data format resolves exactly as the
 * stock kernels resolve it. Null when tfjs rejects the combination (the stock kernel then raises
 * tfjs's own error) or the shapes do not fit.
 */
function plan(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  dimRoundingMode: Rounding,
  dataFormat: 'NHWC' | 'NCHW' | undefined,
): ConvPlan | null {
  if (inShape.length !== 4 || filterShape.length !== 4) return null;
  let info: tf.backend_util.Conv2DInfo;
  try {
    const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC');
    info = tf.backend_util.computeConv2DInfo(
      inShape as Shape4,
      filterShape as Shape4,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      fmt,
    );
  } catch {
    return null;
  }
  if (info.inChannels !== filterShape[2] || info.padInfo.top < 0 || info.padInfo.left < 0) return null;
  if (info.outHeight < 0 || info.outWidth < 0) return null;
  return {
    info,
    channelsLast: info.dataFormat === 'channelsLast',
    geometry: [
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.outChannels,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      info.padInfo.top,
      info.padInfo.left,
    ],
  };
}

function delegate(name: string, stock: tf.KernelFunc | null, args: KernelArgs, why: string) {
  if (!stock) throw new Error(`${name}: ${why}, and the backend has no stock kernel to delegate to`);
  return stock(args);
}

/** `Conv2D` (NHWC and NCHW) as im2col + sgemm on the addon. */
export function conv2dKernel(
  native: NativeBlas,
  storage: (backend: object) => Storage,
  stock: tf.KernelFunc | null,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DAttrs;
    const store = storage(args.backend);
    const p =
      store.readable(x) && store.readable(filter)
        ? plan(x.shape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, a.dataFormat)
        : null;
    if (!p) return delegate('Conv2D', stock, args, 'unsupported inputs');
    const out = store.alloc(p.info.outShape);
    if (tf.util.sizeFromShape(p.info.outShape) > 0) {
      native.conv2d(store.view(x), 0, store.view(filter), 0, store.view(out), 0, p.geometry, p.channelsLast);
    }
    return out;
  };
}

/**
 * `FusedConv2D` (what tf.layers' conv layers call): the convolution on the addon, then bias and
 * activation through the stock kernels. NCHW goes to the stock kernel, whose bias broadcasting for
 * channels-first is its own.
 */
export function fusedConv2dKernel(
  native: NativeBlas,
  storage: (backend: object) => Storage,
  stock: tf.KernelFunc | null,
): tf.KernelFunc {
  const conv = conv2dKernel(native, storage, null);
  return (args: KernelArgs) => {
    const inputs = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo } & tf.NamedTensorInfoMap;
    const a = args.attrs as unknown as tf.FusedConv2DAttrs;
    const store = storage(args.backend);
    const ok =
      (a.dataFormat ?? 'NHWC') === 'NHWC' &&
      isSupportedActivation(a.activation) &&
      store.readable(inputs.x) &&
      store.readable(inputs.filter) &&
      plan(inputs.x.shape, inputs.filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, 'NHWC') !==
        null;
    if (!ok) return delegate('FusedConv2D', stock, args, 'unsupported inputs');
    const y = conv({ ...args, inputs: { x: inputs.x, filter: inputs.filter } }) as tf.TensorInfo;
    return applyEpilogue(store, y, {
      bias: inputs.bias,
      activation: a.activation,
      preluActivationWeights: inputs.preluActivationWeights,
      leakyreluAlpha: a.leakyreluAlpha,
    });
  };
}

/** `Conv2DBackpropInput` (the gradient of conv2d with respect to its input). */
export function conv2dBackpropInputKernel(
  native: NativeBlas,
  storage: (backend: object) => Storage,
  stock: tf.KernelFunc | null,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const store = storage(args.backend);
    // tfjs's conv2d gradient asserts unit dilations, so the backprop kernels carry none.
    const p =
      store.readable(dy) && store.readable(filter)
        ? plan(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, a.dataFormat)
        : null;
    if (!p || !same(dy.shape, p.info.outShape)) {
      return delegate('Conv2DBackpropInput', stock, args, 'unsupported inputs');
    }
    const dx = store.alloc(p.info.inShape);
    if (tf.util.sizeFromShape(p.info.inShape) > 0) {
      native.conv2dBackpropInput(
        store.view(dy),
        0,
        store.view(filter),
        0,
        store.view(dx),
        0,
        p.geometry,
        p.channelsLast,
      );
    }
    return dx;
  };
}

/**
 * `Conv2DBackpropFilter` (the gradient of conv2d with respect to its filter). The wasm backend has
 * no stock kernel for it (tfjs-backend-wasm 4.22), so this handles every combination tfjs's conv2d
 * gradient can produce: both data formats, all pad modes, strides, rounding modes.
 */
export function conv2dBackpropFilterKernel(
  native: NativeBlas,
  storage: (backend: object) => Storage,
  stock: tf.KernelFunc | null,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const store = storage(args.backend);
    if (!store.readable(x) || !store.readable(dy)) {
      return delegate(
        'Conv2DBackpropFilter',
        stock,
        args,
        `inputs must be float32 (got ${x.dtype}, ${dy.dtype})`,
      );
    }
    const p = plan(x.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, a.dataFormat);
    if (!p || !same(dy.shape, p.info.outShape)) {
      const want = p ? `[${p.info.outShape}]` : 'a valid conv2d output shape';
      return delegate('Conv2DBackpropFilter', stock, args, `dy has shape [${dy.shape}], expected ${want}`);
    }
    const dw = store.alloc(a.filterShape);
    if (tf.util.sizeFromShape(a.filterShape) > 0) {
      native.conv2dBackpropFilter(
        store.view(x),
        0,
        store.view(dy),
        0,
        store.view(dw),
        0,
        p.geometry,
        p.channelsLast,
      );
    }
    return dw;
  };
}
