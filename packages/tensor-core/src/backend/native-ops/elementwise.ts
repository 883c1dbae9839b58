import * as tf from '@tensorflow/tfjs-core';
import { delegate, type OpFactory } from './kernel.js';
import { broadcastStrides, MAX_RANK, simplifyBroadcast, size } from './shapes.js';

/**
 * `y = f(x)` on the addon for float32 `x` (the op named `code` in `native/ops.h`); `alphaAttr`
 * names the attribute that carries Step's and LeakyRelu's alpha.
 */
export function unaryKernel(name: string, code: string, alphaAttr?: string): OpFactory {
  return (native, storage, next) => {
    const op = native.opCodes.unary[code];
    if (op === undefined) throw new Error(`internal: the addon has no unary op '${code}'`);
    return (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const store = storage(args.backend);
      if (!store.readable(x)) return delegate(name, next, args);
      const alpha = alphaAttr ? Number((args.attrs as Record<string, unknown>)[alphaAttr] ?? 0) : 0;
      const out = store.alloc(x.shape);
      const n = size(x.shape);
      // Views after the allocation: growing the wasm heap detaches earlier views.
      if (n > 0) native.unary(op, store.view(x), 0, store.view(out), 0, n, alpha);
      return out;
    };
  };
}

/** `c = a ∘ b` with numpy broadcasting on the addon, for float32 operands. */
export function binaryKernel(name: string, code: string): OpFactory {
  return (native, storage, next) => {
    const op = native.opCodes.binary[code];
    if (op === undefined) throw new Error(`internal: the addon has no binary op '${code}'`);
    return (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const store = storage(args.backend);
      if (!store.readable(a) || !store.readable(b)) return delegate(name, next, args);
      let outShape: number[];
      try {
        outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      } catch {
        return delegate(name, next, args); // tfjs raises its own error
      }
      const plan = simplifyBroadcast(
        outShape,
        broadcastStrides(outShape, a.shape),
        broadcastStrides(outShape, b.shape),
      );
      if (plan.shape.length > MAX_RANK) return delegate(name, next, args);
      const out = store.alloc(outShape);
      if (size(outShape) > 0)
        native.binary(
          op,
          store.view(a),
          0,
          plan.sa,
          store.view(b),
          0,
          plan.sb,
          store.view(out),
          0,
          plan.shape,
        );
      return out;
    };
  };
}
