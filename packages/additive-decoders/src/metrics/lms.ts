import {
  checkMatrix,
  linearSumAssignment,
  type Matrix,
  type MatrixLike,
  meanCorrelationCoefficient,
  PaperkitInputError,
  r2Score,
} from '@paperkit/tensor-core';
import { checkPartition, type Partition, partitionsWithBlockSizes } from '../partition.js';
import { RegressionTree, type RegressionTreeOptions } from './regression-tree.js';

/** A latent matching score and the matching behind it. */
export interface LmsResult {
  /** Score in [0, 100]. */
  readonly lms: number;
  /** For each true latent (or block) i, its matched learned latent (or block). */
  readonly assignment: Int32Array;
  /** The score matrix the matching was computed on (rows: true, columns: learned). */
  readonly scores: Matrix;
}

/**
 * LMS_Spear (scalar blocks): 100 × the Spearman mean correlation coefficient between true latents `z`
 * and learned latents `zHat` (n × d each) under the optimal matching (`get_cross_correlation` with
 * `corr_case='spearman'`, `utils/metrics.py`). It is 100 exactly when every learned latent is a strictly
 * monotone function of one true latent.
 */
export function lmsSpearman(z: MatrixLike, zHat: MatrixLike): LmsResult {
  const r = meanCorrelationCoefficient(z, zHat, { method: 'spearman' });
  const abs = Float64Array.from(r.correlation.data, Math.abs);
  return {
    lms: 100 * r.mcc,
    assignment: r.assignment,
    scores: { rows: r.correlation.rows, cols: r.correlation.cols, data: abs },
  };
}

/** Inputs of {@link lmsTree}. */
export interface LmsTreeOptions extends RegressionTreeOptions {
  /** True latents of the split the trees are fitted on (the reference uses the training split). */
  readonly zTrain: MatrixLike;
  /** Learned latents of that split. */
  readonly zHatTrain: MatrixLike;
  /** True latents of the split R² is measured on. */
  readonly zTest: MatrixLike;
  /** Learned latents of that split. */
  readonly zHatTest: MatrixLike;
  /** Blocks of the true latents, e.g. [[0, 1], [2, 3]]. */
  readonly truePartition: Partition;
  /**
   * Blocks of the learned latents to try; the best score is reported. Default: the true partition's
   * index sets (an additive model's fixed blocks). Pass `'search'` to try every partition with the true
   * block sizes (the reference's three pairings for a non-additive model with 2×2 latents).
   */
  readonly learnedPartitions?: readonly Partition[] | 'search';
}

/** LMS_Tree of one learned partition. */
export interface LmsTreePartitionScore extends LmsResult {
  /** The learned partition scored. */
  readonly partition: Partition;
}

/** What {@link lmsTree} returns: the best partition's score and every partition's. */
export interface LmsTreeResult extends LmsTreePartitionScore {
  /** Every learned partition tried, in order. */
  readonly perPartition: readonly LmsTreePartitionScore[];
}

/**
 * LMS_Tree (blocks; `mcc_block_reg_model` + `get_block_mcc`, `utils/metrics.py`): for every learned
 * block i and true block j, a regression tree (max depth 10) predicting z_j from ẑ_i is fitted on the
 * training split; its R² (mean over the block's coordinates) on the test split, clipped at 0, fills a
 * blocks×blocks matrix; the optimal matching's mean ×100 is the score. The maximum over the learned
 * partitions tried is reported (the reference's partition search for non-additive models). Invariant
 * to invertible maps within blocks up to the tree's approximation error, and 100 for ẑ = z when the
 * test points are the training points.
 */
export function lmsTree(o: LmsTreeOptions): LmsTreeResult {
  const zTrain = checkMatrix('zTrain', o.zTrain);
  const zHatTrain = checkMatrix('zHatTrain', o.zHatTrain);
  const zTest = checkMatrix('zTest', o.zTest);
  const zHatTest = checkMatrix('zHatTest', o.zHatTest);
  const d = zTrain.cols;
  const dHat = zHatTrain.cols;
  if (zTest.cols !== d)
    throw new PaperkitInputError('zTest', `a matrix with ${zTest.cols} columns`, `${d} columns (as zTrain)`);
  if (zHatTest.cols !== dHat)
    throw new PaperkitInputError(
      'zHatTest',
      `a matrix with ${zHatTest.cols} columns`,
      `${dHat} columns (as zHatTrain)`,
    );
  if (zHatTrain.rows !== zTrain.rows)
    throw new PaperkitInputError(
      'zHatTrain',
      `a matrix with ${zHatTrain.rows} rows`,
      `${zTrain.rows} rows (as zTrain)`,
    );
  if (zHatTest.rows !== zTest.rows)
    throw new PaperkitInputError(
      'zHatTest',
      `a matrix with ${zHatTest.rows} rows`,
      `${zTest.rows} rows (as zTest)`,
    );
  const truth = checkPartition('truePartition', o.truePartition, d);
  const sizes = truth.map((b) => b.length);
  let learned: readonly Partition[];
  if (o.learnedPartitions === 'search') {
    if (dHat !== d)
      throw new PaperkitInputError(
        'zHatTrain',
        `a matrix with ${dHat} columns`,
        `${d} columns to search partitions`,
      );
    learned = partitionsWithBlockSizes(sizes);
  } else learned = o.learnedPartitions ?? [truth];
  if (!Array.isArray(learned) || learned.length === 0)
    throw new PaperkitInputError('learnedPartitions', learned, "a non-empty array of partitions or 'search'");
  const treeOptions: RegressionTreeOptions = {
    maxDepth: o.maxDepth ?? 10,
    ...(o.minSamplesSplit !== undefined ? { minSamplesSplit: o.minSamplesSplit } : {}),
    ...(o.minSamplesLeaf !== undefined ? { minSamplesLeaf: o.minSamplesLeaf } : {}),
  };
  const perPartition = learned.map((p, k) => {
    const part = checkPartition(`learnedPartitions[${k}]`, p, dHat);
    if (part.length !== truth.length)
      throw new PaperkitInputError(
        `learnedPartitions[${k}]`,
        p,
        `a partition into ${truth.length} blocks (as truePartition)`,
      );
    const nb = truth.length;
    const r2 = new Float64Array(nb * nb);
    for (let i = 0; i < nb; i++) {
      const xTr = columns(zHatTrain, part[i]!);
      const xTe = columns(zHatTest, part[i]!);
      for (let j = 0; j < nb; j++) {
        const yTr = columns(zTrain, truth[j]!);
        const yTe = columns(zTest, truth[j]!);
        const q = truth[j]!.length;
        const tree = RegressionTree.fit(xTr, part[i]!.length, yTr, q, treeOptions);
        const pred = tree.predict(xTe);
        const score = r2Score(
          { rows: zTest.rows, cols: q, data: yTe },
          { rows: zTest.rows, cols: q, data: pred },
        ).mean;
        // Rows: true blocks, columns: learned blocks (the matching reads true → learned).
        r2[j * nb + i] = Math.max(0, score);
      }
    }
    const scores: Matrix = { rows: nb, cols: nb, data: r2 };
    const { rowToCol, total } = linearSumAssignment(scores, { maximize: true });
    return { lms: (100 * total) / nb, assignment: rowToCol, scores, partition: part };
  });
  let best = perPartition[0]!;
  for (const s of perPartition) if (s.lms > best.lms) best = s;
  return { ...best, perPartition };
}

/** Options of {@link reconstructionRmse}. */
export interface RmseOptions {
  /**
   * Clamp predictions to [lo, hi] first (the reference clamps to the valid pixel range [0, 1] before
   * its RMSE); default [0, 1]; null for no clamping.
   */
  readonly clamp?: readonly [number, number] | null;
}

/**
 * Root mean squared error between images `x` and reconstructions `xHat` (same length), over every
 * entry, with the predictions clamped as the reference's evaluation does (`plot_transform` then
 * `sqrt(mean((x − x̂)²))`).
 */
export function reconstructionRmse(
  x: ArrayLike<number>,
  xHat: ArrayLike<number>,
  options: RmseOptions = {},
): number {
  if (x.length !== xHat.length || x.length === 0)
    throw new PaperkitInputError('xHat', xHat, `an array of ${x.length} values (the length of x, > 0)`);
  const clamp = options.clamp === undefined ? ([0, 1] as const) : options.clamp;
  if (clamp !== null && !(clamp[0] < clamp[1]))
    throw new PaperkitInputError('clamp', clamp, 'a range [lo, hi] with lo < hi, or null');
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    let p = xHat[i]!;
    if (clamp !== null) p = Math.min(clamp[1], Math.max(clamp[0], p));
    const e = x[i]! - p;
    s += e * e;
  }
  const out = Math.sqrt(s / x.length);
  if (!Number.isFinite(out))
    throw new PaperkitInputError('xHat', xHat, 'finite values (the RMSE is not finite)');
  return out;
}

/** Columns `cols` of a row-major matrix, as a row-major Float64Array (rows × cols.length). */
export function columns(m: MatrixLike, cols: readonly number[]): Float64Array {
  const out = new Float64Array(m.rows * cols.length);
  for (let r = 0; r < m.rows; r++)
    for (let k = 0; k < cols.length; k++) out[r * cols.length + k] = m.data[r * m.cols + cols[k]!]!;
  return out;
}
