import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../validate/errors.js';

/**
 * Flat gathers of float32 data as plain copy loops over the backend's own buffers. Stock `tf.gather`
 * on 1e6 random indices takes ~46 ms on wasm and ~77 ms on cpu here (its general strided path), and
 * moving a vector between one tensor per parameter and one flat vector costs a `concat` plus a chain
 * of `split`s (tfjs's wasm `Slice` reads its whole input on every call). Block rotations of an
 * optimizer do both twice per step, which made them dominate it; one kernel doing the concat, the
 * gather and the split in two passes takes a few ms. Meant for optimizer-side transforms, and
 * differentiable (its gradient is the adjoint scatter-add kernel), so a rotated
 * objective f(Rᵀw) can be trained through it.
 */
const KERNEL = 'PaperkitPermuteTensors';
/** Its adjoint, the gradient: a scatter-add of the outputs' gradients back onto the inputs. */
const ADJOINT = 'PaperkitPermuteTensorsAdjoint';

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): ArrayLike<number>;
}

interface CpuLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

interface Attrs {
  readonly shapes: number[][];
  readonly indexed: boolean;
}

/** Reused staging buffers (grown on demand, never shrunk). */
let stagingIn = new Float32Array(0);
let stagingOut = new Float32Array(0);

/** The inputs as one flat array: the input itself, or a block-copied concatenation. */
function concatenated(xs: Float32Array[]): Float32Array {
  if (xs.length === 1) return xs[0]!;
  const total = xs.reduce((a, x) => a + x.length, 0);
  if (stagingIn.length < total) stagingIn = new Float32Array(total);
  let at = 0;
  for (const x of xs) {
    stagingIn.set(x, at);
    at += x.length;
  }
  return stagingIn.subarray(0, total);
}

/**
 * Forward: concatenate the inputs (block copies), then fill the outputs in order, by the indices or
 * straight through. Two passes beat locating each index's input.
 */
function gatherInto(outs: Float32Array[], xs: Float32Array[], idx: Int32Array | null): void {
  const src = concatenated(xs);
  let k = 0;
  for (const out of outs) {
    if (idx === null) out.set(src.subarray(k, k + out.length));
    else gatherRun(out, src, idx, k);
    k += out.length;
  }
}

/**
 * out[j] = src[idx[k + j]], unrolled by 8 with the indices loaded first: the eight independent
 * random reads then overlap in the memory system. The plain loop measures ~2.7× slower here on 1e6
 * random indices (4.6 vs 1.7 ms), being bound by one outstanding cache miss at a time.
 */
function gatherRun(out: Float32Array, src: Float32Array, idx: Int32Array, k: number): void {
  const n = out.length;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const i = k + j;
    const a0 = idx[i]!;
    const a1 = idx[i + 1]!;
    const a2 = idx[i + 2]!;
    const a3 = idx[i + 3]!;
    const a4 = idx[i + 4]!;
    const a5 = idx[i + 5]!;
    const a6 = idx[i + 6]!;
    const a7 = idx[i + 7]!;
    out[j] = src[a0]!;
    out[j + 1] = src[a1]!;
    out[j + 2] = src[a2]!;
    out[j + 3] = src[a3]!;
    out[j + 4] = src[a4]!;
    out[j + 5] = src[a5]!;
    out[j + 6] = src[a6]!;
    out[j + 7] = src[a7]!;
  }
  for (; j < n; j++) out[j] = src[idx[k + j]!]!;
}

/** Adjoint: out[idx[k]] += dy[k] over the concatenated dys, then cut into the outputs. */
function scatterAddInto(outs: Float32Array[], dys: Float32Array[], idx: Int32Array | null): void {
  const src = concatenated(dys);
  const total = outs.reduce((a, o) => a + o.length, 0);
  let acc = src;
  if (idx !== null) {
    if (stagingOut.length < total) stagingOut = new Float32Array(total);
    acc = stagingOut.subarray(0, total);
    acc.fill(0);
    for (let k = 0; k < idx.length; k++) acc[idx[k]!]! += src[k]!;
  }
  let k = 0;
  for (const out of outs) {
    out.set(acc.subarray(k, k + out.length));
    k += out.length;
  }
}

type Fill = (outs: Float32Array[], xs: Float32Array[], idx: Int32Array | null) => void;

function kernelsFor(fill: Fill): Record<'wasm' | 'cpu', tf.KernelFunc> {
  return {
    wasm: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmLike;
      const { shapes, indexed } = attrs as unknown as Attrs;
      const list = Object.values(inputs) as tf.TensorInfo[];
      const xs = indexed ? list.slice(0, -1) : list;
      // Allocate every output before taking views: growing the wasm heap detaches earlier views.
      const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
      fill(
        outs.map((o) => b.typedArrayFromHeap(o) as Float32Array),
        xs.map((x) => b.typedArrayFromHeap(x) as Float32Array),
        indexed ? (b.typedArrayFromHeap(list.at(-1)!) as Int32Array) : null,
      );
      return outs;
    },
    cpu: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as CpuLike;
      const { shapes, indexed } = attrs as unknown as Attrs;
      const list = Object.values(inputs) as tf.TensorInfo[];
      const xs = indexed ? list.slice(0, -1) : list;
      const values = (t: tf.TensorInfo) => b.data.get(t.dataId)!.values;
      const outs = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
      fill(
        outs,
        xs.map((x) => values(x) as Float32Array),
        indexed ? (values(list.at(-1)!) as Int32Array) : null,
      );
      return outs.map((o, i) => b.makeTensorInfo(shapes[i]!, 'float32', o));
    },
  };
}

const forward = kernelsFor(gatherInto);
const adjoint = kernelsFor(scatterAddInto);

function run(
  kernel: string,
  xs: readonly tf.Tensor[],
  indices: tf.Tensor | null,
  shapes: number[][],
): tf.Tensor[] {
  const inputs = indices === null ? [...xs] : [...xs, indices];
  const attrs = { shapes, indexed: indices !== null };
  return tf
    .engine()
    .runKernel(
      kernel,
      inputs as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
}

let gradientRegistered = false;

function ensureKernel(backendName: string): boolean {
  if (backendName !== 'wasm' && backendName !== 'cpu') return false;
  if (!tf.getKernel(KERNEL, backendName)) {
    tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc: forward[backendName] });
    tf.registerKernel({ kernelName: ADJOINT, backendName, kernelFunc: adjoint[backendName] });
  }
  if (!gradientRegistered) {
    gradientRegistered = true;
    // A linear map's gradient is its adjoint: scatter-add (exact for repeated indices too).
    tf.registerGradient({
      kernelName: KERNEL,
      saveAllInputs: true,
      gradFunc: (dy, saved, attrs) => {
        const { shapes, indexed } = attrs as unknown as Attrs;
        const xs = indexed ? saved.slice(0, -1) : saved;
        const dys = (Array.isArray(dy) ? dy : [dy]).map((g, i) => g ?? tf.zeros(shapes[i]!));
        const grads = run(
          ADJOINT,
          dys,
          indexed ? saved.at(-1)! : null,
          xs.map((x) => x.shape),
        );
        const out: Record<string, () => tf.Tensor> = {};
        grads.forEach((g, i) => {
          out[i] = () => g;
        });
        if (indexed) out[xs.length] = () => saved.at(-1)!;
        return out;
      },
    });
  }
  return true;
}

/** The same map in tf ops, for other backends (webgl, tfjs-node). */
function permuteTensorsOps(
  xs: readonly tf.Tensor[],
  indices: tf.Tensor1D | null,
  shapes: readonly (readonly number[])[],
): tf.Tensor[] {
  return tf.tidy(() => {
    const flats = xs.map((x) => tf.reshape(x, [-1]));
    const flat = flats.length === 1 ? flats[0]! : tf.concat(flats);
    const y = indices === null ? flat : tf.gather(flat, indices);
    const sizes = shapes.map((s) => tf.util.sizeFromShape(s as number[]));
    const pieces = sizes.length === 1 ? [y] : tf.split(y, sizes);
    return pieces.map((p, i) => tf.reshape(p, shapes[i] as number[]));
  });
}

/**
 * Moves float32 data between two lists of tensors through one flat permutation: with x the
 * concatenation of the row-major flattenings of `xs`, the outputs, flattened and concatenated, are
 * `x[indices]` (or x itself when `indices` is null), cut into tensors of `shapes`. One kernel does the
 * concat, the gather and the split on the wasm and cpu backends; other backends use tf ops.
 *
 * Indices are not bounds-checked on the fast path (checking would cost a host read); build them
 * from a validated permutation. Differentiable with respect to `xs`.
 *
 * @example
 * // Parameters → one [rows, 64] block matrix in a permuted order, and back.
 * const [blocks] = permuteTensors([w1, w2], gather, [[rows, 64]]);
 * const [g1, g2] = permuteTensors([blocks], inverse, [w1.shape, w2.shape]);
 */
export function permuteTensors(
  xs: readonly tf.Tensor[],
  indices: tf.Tensor1D | null,
  shapes: readonly (readonly number[])[],
): tf.Tensor[] {
  if (!Array.isArray(xs) || xs.length === 0)
    throw new PaperkitInputError('xs', xs, 'a non-empty array of float32 tensors');
  xs.forEach((x, i) => {
    if (!(x instanceof tf.Tensor) || x.dtype !== 'float32')
      throw new PaperkitInputError(`xs[${i}]`, x, 'a float32 tensor');
  });
  if (!Array.isArray(shapes) || shapes.length === 0)
    throw new PaperkitInputError('shapes', shapes, 'a non-empty array of output shapes');
  const inSize = xs.reduce((a, x) => a + x.size, 0);
  if (
    indices !== null &&
    (!(indices instanceof tf.Tensor) || indices.rank !== 1 || indices.dtype !== 'int32')
  )
    throw new PaperkitInputError('indices', indices, 'a 1-D int32 tensor or null');
  const n = indices === null ? inSize : indices.size;
  let outSize = 0;
  shapes.forEach((s, i) => {
    if (!Array.isArray(s) || !s.every((v) => Number.isInteger(v) && v >= 0))
      throw new PaperkitInputError(`shapes[${i}]`, s, 'an array of non-negative integers');
    outSize += tf.util.sizeFromShape(s as number[]);
  });
  if (outSize !== n)
    throw new PaperkitInputError(
      'shapes',
      shapes,
      `shapes with ${n} entries in total (${indices === null ? 'the inputs’ size' : 'the number of indices'})`,
    );
  if (!ensureKernel(tf.getBackend())) return permuteTensorsOps(xs, indices, shapes);
  return run(
    KERNEL,
    xs,
    indices,
    shapes.map((s) => [...s]),
  );
}

/**
 * `x[indices]` for a 1-D float32 `x` and 1-D int32 `indices` (each in [0, x.size)): the one-tensor
 * case of {@link permuteTensors}.
 */
export function permute(x: tf.Tensor1D, indices: tf.Tensor1D): tf.Tensor1D {
  if (!(x instanceof tf.Tensor) || x.rank !== 1 || x.dtype !== 'float32')
    throw new PaperkitInputError('x', x, 'a 1-D float32 tensor');
  if (!(indices instanceof tf.Tensor) || indices.rank !== 1 || indices.dtype !== 'int32')
    throw new PaperkitInputError('indices', indices, 'a 1-D int32 tensor');
  return permuteTensors([x], indices, [[indices.size]])[0] as tf.Tensor1D;
}
