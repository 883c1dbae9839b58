import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';
import { checkInteger, PaperkitInputError } from '../validate/errors.js';

/**
 * A labelled dataset held on the host: `features` row-major `[count, ...featureShape]`, one int label
 * per row. Generators and loaders return this shape; {@link gatherBatch} turns rows into tensors.
 */
export interface LabeledArrays {
  /** Row-major features, `count · product(featureShape)` entries. */
  readonly features: Float32Array;
  /** One class label per row. */
  readonly labels: Int32Array;
  /** Shape of one example, e.g. `[784]`. */
  readonly featureShape: readonly number[];
  /** Number of rows. */
  readonly count: number;
}

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Drop the last batch when it is smaller than `batchSize`; default false. */
  readonly dropLast?: boolean;
  /** Shuffle (default true); false yields 0..n−1 in order and draws nothing from `rng`. */
  readonly shuffle?: boolean;
}

/** Number of batches {@link batches} yields for one epoch. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  checkInteger('n', n, 0);
  checkInteger('batchSize', batchSize, 1);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * One epoch of minibatch index arrays over `n` examples: a Fisher–Yates permutation drawn from `rng`
 * when this is called (not lazily, so the stream's position does not depend on how far the caller
 * iterates), cut into consecutive batches of `batchSize`. Call again for the next epoch.
 */
export function batches(n: number, batchSize: number, rng: Rng, options: BatchOptions = {}): IterableIterator<Int32Array> {
  const count = batchCount(n, batchSize, options.dropLast ?? false);
  const order = (options.shuffle ?? true) ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  let b = 0;
  const it: IterableIterator<Int32Array> = {
    next(): IteratorResult<Int32Array> {
      if (b >= count) return { done: true, value: undefined };
      const start = b * batchSize;
      b++;
      return { done: false, value: order.slice(start, Math.min(start + batchSize, n)) };
    },
    [Symbol.iterator]() {
      return it;
    },
  };
  return it;
}

/**
 * Minibatches without end: the epochs of {@link batches} one after another, each permutation drawn
 * from `rng` only when the previous epoch is used up. A training loop asks for `next()` every step
 * and never tracks epoch boundaries; the draws are those of calling {@link batches} once per epoch,
 * so a stream used only for batches gives the same order as that loop.
 */
export class BatchCursor {
  private epoch: IterableIterator<Int32Array> | null = null;
  private epochs = 0;

  /**
   * @param n examples to draw from.
   * @param batchSize rows per batch (the last batch of an epoch is smaller unless `dropLast`).
   * @param rng the stream the permutations come from.
   * @param options as {@link batches}.
   */
  constructor(
    readonly n: number,
    readonly batchSize: number,
    private readonly rng: Rng,
    private readonly options: BatchOptions = {},
  ) {
    if (batchCount(n, batchSize, options.dropLast ?? false) === 0)
      throw new PaperkitInputError(
        'batchSize',
        batchSize,
        options.dropLast ? `at most n (${n}) when dropLast is set` : 'a positive size over n ≥ 1 examples',
      );
  }

  /** Epochs started so far (1 after the first `next()`). */
  get epochsStarted(): number {
    return this.epochs;
  }

  /** The next minibatch's row indices, starting a freshly shuffled epoch when the last one ended. */
  next(): Int32Array {
    let b = this.epoch?.next();
    if (!b || b.done) {
      this.epoch = batches(this.n, this.batchSize, this.rng, this.options);
      this.epochs++;
      b = this.epoch.next();
    }
    return b.value as Int32Array;
  }
}

/**
 * Copies rows `indices` of a row-major array (`rowSize` entries per row) into a new array of the same
 * type, one `set` per row (no per-element work beyond the memcpy).
 */
export function gatherRows<A extends Float32Array | Int32Array | Float64Array>(
  source: A,
  rowSize: number,
  indices: ArrayLike<number>,
): A {
  checkInteger('rowSize', rowSize, 1);
  const rows = source.length / rowSize;
  if (!Number.isInteger(rows))
    throw new PaperkitInputError('source', source, `a length divisible by rowSize (${rowSize})`);
  const out = new (source.constructor as new (n: number) => A)(indices.length * rowSize);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= rows)
      throw new PaperkitInputError(`indices[${k}]`, i, `an integer row index in [0, ${rows})`);
    out.set(source.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize);
  }
  return out;
}

/**
 * The batch `indices` of `data` as tensors: `x` [b, ...featureShape] float32 and `y` [b] int32. The
 * batch is assembled on the host with row copies and uploaded with one `tf.tensor` call each. The
 * caller owns (and disposes) both tensors.
 */
export function gatherBatch(data: LabeledArrays, indices: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor1D } {
  const rowSize = data.featureShape.reduce((a, b) => a * b, 1);
  const xs = gatherRows(data.features, rowSize, indices);
  const ys = gatherRows(data.labels, 1, indices);
  return { x: tf.tensor(xs, [indices.length, ...data.featureShape], 'float32'), y: tf.tensor1d(ys, 'int32') };
}

/**
 * A next-token batch from row-major token sequences [n, length]: `inputs` = tokens 0..length−2 and
 * `targets` = tokens 1..length−1 of each selected row, both int32 [b, length − 1] (the shift that
 * `languageModelLoss` expects). Built on the host, one tensor call each.
 */
export function languageModelBatch(
  tokens: Int32Array,
  length: number,
  indices: ArrayLike<number>,
): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  checkInteger('length', length, 2);
  const rows = gatherRows(tokens, length, indices);
  const t = length - 1;
  const inputs = new Int32Array(indices.length * t);
  const targets = new Int32Array(indices.length * t);
  for (let k = 0; k < indices.length; k++) {
    inputs.set(rows.subarray(k * length, k * length + t), k * t);
    targets.set(rows.subarray(k * length + 1, (k + 1) * length), k * t);
  }
  return {
    inputs: tf.tensor2d(inputs, [indices.length, t], 'int32'),
    targets: tf.tensor2d(targets, [indices.length, t], 'int32'),
  };
}
