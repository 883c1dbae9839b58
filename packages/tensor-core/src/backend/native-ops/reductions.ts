import * as tf from '@tensorflow/tfjs-core';
import { delegate, type OpFactory } from './kernel.js';
import { planReduce, size } from './shapes.js';

interface ReduceAttrs {
  readonly axis?: number | number[];
  readonly reductionIndices?: number | number[];
  readonly keepDims?: boolean;
}

/**
 * `Sum`, `Mean`, `Max` or `Min` of float32 `x` over axes that form one contiguous run (the common
 * case: the last axis, or the leading ones of a bias gradient) on the addon. Sums accumulate in
 * float64 (tfjs's cpu kernel does too; its wasm kernel sums in float32). Other axis sets go to the
 * stock kernel, which transposes first.
 */
export function reduceKernel(name: string, code: string): OpFactory {
  return (native, storage, next) => {
    const op = native.opCodes.reduce[code];
    if (op === undefined) throw new Error(`internal: the addon has no reduce op '${code}'`);
    return (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const attrs = args.attrs as ReduceAttrs;
      const store = storage(args.backend);
      if (!store.readable(x)) return delegate(name, next, args);
      let axes: number[];
      try {
        axes = tf.util.parseAxisParam(attrs.axis ?? attrs.reductionIndices ?? null!, x.shape);
      } catch {
        return delegate(name, next, args);
      }
      const plan = planReduce(x.shape, axes, attrs.keepDims ?? false);
      if (!plan) return delegate(name, next, args);
      const out = store.alloc(plan.outShape);
      if (size(plan.outShape) > 0)
        native.reduce(op, store.view(x), 0, store.view(out), 0, plan.outer, plan.n, plan.inner);
      return out;
    };
  };
}

/** `Softmax` over the last axis (the only one tfjs's kernel takes) on the addon. */
export const softmaxKernel: OpFactory = (native, storage, next) => (args) => {
  const { logits } = args.inputs as { logits: tf.TensorInfo };
  const { dim } = args.attrs as { dim?: number };
  const store = storage(args.backend);
  const rank = logits.shape.length;
  if (!store.readable(logits) || rank === 0 || (dim !== undefined && dim !== -1 && dim !== rank - 1))
    return delegate('Softmax', next, args);
  const cols = logits.shape[rank - 1]!;
  const out = store.alloc(logits.shape);
  const n = size(logits.shape);
  if (n > 0) native.softmax(store.view(logits), 0, store.view(out), 0, n / cols, cols);
  return out;
};
