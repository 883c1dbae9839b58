import * as tf from '@tensorflow/tfjs-core';
import { applyEpilogue, isSupportedActivation } from '../epilogue.js';
import type { Storage } from '../storage.js';
import type { NativeBlas } from './native.js';

/** Batch dimensions the addon walks at most (PK_MAX_BATCH_RANK in native/kernels.h). */
const MAX_BATCH_RANK = 8;

/** A batched product laid out for `sgemmBatched`, or null when the stock kernel must handle it. */
export interface MatMulPlan {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly lda: number;
  readonly ldb: number;
  readonly outShape: number[];
  readonly batch: number[];
  readonly sa: number[];
  readonly sb: number[];
  readonly sc: number[];
}

function contiguousStrides(shape: readonly number[], inner: number): number[] {
  const out = new Array<number>(shape.length);
  let s = inner;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/**
 * Strides of an operand's batch dims against the broadcast batch shape: 0 where the operand has
 * size 1 (or lacks the dim), so each output batch element reads the right matrix. This is numpy
 * broadcasting; the stock kernels index `bi % batchA`, which agrees whenever one side's batch is 1
 * or both are equal (the only shapes their results are right for).
 */
function broadcastStrides(batch: readonly number[], own: readonly number[], matSize: number): number[] {
  const strides = contiguousStrides(own, matSize);
  const lead = batch.length - own.length;
  return batch.map((_, i) => (i < lead || own[i - lead] === 1 ? 0 : strides[i - lead]!));
}

/** Drops size-1 dims and merges neighbours that are contiguous in all three operands. */
function simplify(batch: number[], sa: number[], sb: number[], sc: number[]) {
  const out = { batch: [] as number[], sa: [] as number[], sb: [] as number[], sc: [] as number[] };
  for (let i = 0; i < batch.length; i++) {
    if (batch[i] === 1) continue;
    const j = out.batch.length - 1;
    const d = batch[i]!;
    if (j >= 0 && out.sa[j] === sa[i]! * d && out.sb[j] === sb[i]! * d && out.sc[j] === sc[i]! * d) {
      out.batch[j] = out.batch[j]! * d;
      out.sa[j] = sa[i]!;
      out.sb[j] = sb[i]!;
      out.sc[j] = sc[i]!;
    } else {
      out.batch.push(d);
      out.sa.push(sa[i]!);
      out.sb.push(sb[i]!);
      out.sc.push(sc[i]!);
    }
  }
  return out;
}

/** Shapes → sgemm arguments; null for anything the stock kernel should judge (errors included). */
export function planMatMul(
  aShape: readonly number[],
  bShape: readonly number[],
  transA: boolean,
  transB: boolean,
): MatMulPlan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const k = transA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const kb = transB ? bShape[rb - 1]! : bShape[rb - 2]!;
  const n = transB ? bShape[rb - 2]! : bShape[rb - 1]!;
  if (k !== kb) return null;
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  let batch: number[];
  try {
    batch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  } catch {
    return null;
  }
  const outShape = [...batch, m, n];
  let s = simplify(
    batch,
    broadcastStrides(batch, aBatch, m * k),
    broadcastStrides(batch, bBatch, k * n),
    contiguousStrides(batch, m * n),
  );
  let mm = m;
  // One big product instead of many: a batch of untransposed A against a shared B is a single
  // (batch·m)×k by k×n sgemm (the x·W of every dense layer applied to [batch, seq, features]).
  if (!transA && s.batch.length === 1 && s.sb[0] === 0 && s.sa[0] === m * k && s.sc[0] === m * n) {
    mm = m * s.batch[0]!;
    s = { batch: [], sa: [], sb: [], sc: [] };
  }
  if (s.batch.length > MAX_BATCH_RANK) return null;
  return {
    m: mm,
    n,
    k,
    lda: aShape[ra - 1]!,
    ldb: bShape[rb - 1]!,
    outShape,
    batch: s.batch,
    sa: s.sa,
    sb: s.sb,
    sc: s.sc,
  };
}

/** Runs the product on the addon; the caller has checked that both inputs are readable. */
export function nativeMatMul(
  native: NativeBlas,
  store: Storage,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transA: boolean,
  transB: boolean,
  plan: MatMulPlan,
): tf.TensorInfo {
  const out = store.alloc(plan.outShape);
  if (tf.util.sizeFromShape(plan.outShape) === 0) return out;
  const c = store.view(out);
  if (plan.k === 0) {
    c.fill(0);
    return out;
  }
  native.sgemmBatched(
    transA,
    transB,
    plan.m,
    plan.n,
    plan.k,
    1,
    store.view(a),
    0,
    plan.lda,
    store.view(b),
    0,
    plan.ldb,
    0,
    c,
    0,
    plan.n,
    plan.batch,
    plan.sa,
    plan.sb,
    plan.sc,
  );
  return out;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** `BatchMatMul` on the addon; anything it does not plan goes to the stock kernel. */
export function batchMatMulKernel(
  native: NativeBlas,
  storage: (backend: object) => Storage,
  stock: tf.KernelFunc | null,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
    const store = storage(args.backend);
    const plan =
      store.readable(a) && store.readable(b)
        ? planMatMul(a.shape, b.shape, !!attrs.transposeA, !!attrs.transposeB)
        : null;
    if (!plan) {
      if (!stock) throw new Error('BatchMatMul: unsupported inputs and no stock kernel to delegate to');
      return stock(args);
    }
    return nativeMatMul(native, store, a, b, !!attrs.transposeA, !!attrs.transposeB, plan);
  };
}

/** `_FusedMatMul`: the product on the addon, then bias and activation through the stock kernels. */
export function fusedMatMulKernel(
  native: NativeBlas,
  storage: (backend: object) => Storage,
  stock: tf.KernelFunc | null,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo } & tf.NamedTensorInfoMap;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const store = storage(args.backend);
    const { a, b } = inputs;
    const plan =
      store.readable(a) && store.readable(b) && isSupportedActivation(attrs.activation)
        ? planMatMul(a.shape, b.shape, !!attrs.transposeA, !!attrs.transposeB)
        : null;
    if (!plan) {
      if (!stock) throw new Error('_FusedMatMul: unsupported inputs and no stock kernel to delegate to');
      return stock(args);
    }
    const product = nativeMatMul(native, store, a, b, !!attrs.transposeA, !!attrs.transposeB, plan);
    return applyEpilogue(store, product, {
      bias: inputs.bias,
      activation: attrs.activation,
      preluActivationWeights: inputs.preluActivationWeights,
      leakyreluAlpha: attrs.leakyreluAlpha,
    });
  };
}
