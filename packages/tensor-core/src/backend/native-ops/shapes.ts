import * as tf from '@tensorflow/tfjs-core';

/** Largest rank the addon's broadcasting and transpose kernels take (PK_MAX_RANK in native/ops.h). */
export const MAX_RANK = 8;

/** Element count of a shape. */
export const size = (shape: readonly number[]): number => tf.util.sizeFromShape([...shape]);

/** Row-major strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/**
 * Strides of an operand of `shape` read at every index of the broadcast `out` shape (numpy
 * broadcasting: missing leading dimensions and size-1 dimensions get stride 0).
 */
export function broadcastStrides(out: readonly number[], shape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const lead = out.length - shape.length;
  return out.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]!));
}

/**
 * A broadcast elementwise product laid out for the addon: size-1 output dimensions dropped and
 * neighbours merged where both operands are contiguous across them (the addon does the same; doing
 * it here first lets shapes of rank > 8 through when they merge down to 8).
 */
export function simplifyBroadcast(out: readonly number[], sa: readonly number[], sb: readonly number[]) {
  const r = { shape: [] as number[], sa: [] as number[], sb: [] as number[] };
  out.forEach((d, i) => {
    if (d === 1) return;
    const j = r.shape.length - 1;
    if (j >= 0 && r.sa[j] === sa[i]! * d && r.sb[j] === sb[i]! * d) {
      r.shape[j] = r.shape[j]! * d;
      r.sa[j] = sa[i]!;
      r.sb[j] = sb[i]!;
    } else {
      r.shape.push(d);
      r.sa.push(sa[i]!);
      r.sb.push(sb[i]!);
    }
  });
  return r;
}

/** A reduction as the addon takes it: x read as [outer, n, inner], reduced over the middle axis. */
export interface ReducePlan {
  readonly outer: number;
  readonly n: number;
  readonly inner: number;
  /** The output shape tfjs expects (with the reduced axes kept as 1s when `keepDims`). */
  readonly outShape: number[];
}

/**
 * The plan of reducing `shape` over `axes`, or null when the reduced axes are not one contiguous run
 * once size-1 dimensions are ignored (those go to the stock kernel, which transposes first).
 */
export function planReduce(
  shape: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
): ReducePlan | null {
  const reduced = new Set(axes);
  let outer = 1;
  let n = 1;
  let inner = 1;
  let phase = 0; // 0: before the reduced run, 1: inside it, 2: after it
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    const r = reduced.has(i);
    if (d !== 1) {
      if (r && phase === 2) return null;
      if (r) phase = 1;
      else if (phase === 1) phase = 2;
    }
    if (r) n *= d;
    else if (phase === 0) outer *= d;
    else inner *= d;
  }
  const [outShape] = tf.backend_util.computeOutAndReduceShapes([...shape], [...axes]);
  return {
    outer,
    n,
    inner,
    outShape: keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, [...axes]) : outShape,
  };
}
