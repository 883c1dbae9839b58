import type { DualOptimizer } from '@paperkit/nupi';
import {
  checkInRange,
  checkInteger,
  checkPositive,
  type LabeledArrays,
  Momentum,
  type Optimizer,
  PaperkitInputError,
  Rng,
  type Schedule,
} from '@paperkit/tensor-core';
import type { ClassifierLike } from './classifier.js';
import type { GroupStats } from './evaluate.js';
import { type EpochReport, type FineTuneResult, type GroupedData, pruneAndFineTune } from './finetune.js';
import { encodeGroups, type GroupSpec } from './groups.js';
import { disparity } from './metrics.js';
import type { OverallEstimate } from './mitigation/replay-buffer.js';
import type { MaskedOptimizer } from './pruning/masked-optimizer.js';
import type { GmpOptions } from './pruning/schedule.js';

/** Options of {@link constrainDisparity}; every default is the paper's or its reference code's. */
export interface ConstrainDisparityOptions {
  /** Target sparsity of every prunable layer, in [0, 1). Required. */
  readonly sparsity: number;
  /** ε of the constraints ψ_g ≤ ε; default 0.01 (one accuracy point). */
  readonly epsilon?: number;
  /** Total fine-tuning epochs; default 50 (the reference's CIFAR-100 config). */
  readonly epochs?: number;
  /** GMP schedule besides the sparsity; default start 0, end 15, initial 0, frequency 1. */
  readonly pruning?: Omit<GmpOptions, 'sparsity'>;
  /** Mini-batch size; default 128. */
  readonly batchSize?: number;
  /**
   * Primal optimizer; default {@link referencePrimalOptimizer} (SGD, momentum 0.9, lr 1e-2 decayed
   * ×0.1 at 60/80/90 %, wd 1e-4). It is wrapped in a `MaskedOptimizer` (the instance is spent; the
   * result's `optimizer` holds its state).
   */
  readonly optimizer?: Optimizer;
  /** Dual optimizer; default gradient ascent with step 1e-2 (paper; pass nupi's `NuPI` for νPI). */
  readonly dual?: DualOptimizer;
  /** Replay buffer capacity per group; default 40 (0: batch estimates). */
  readonly buffer?: number;
  /** Overall-accuracy estimate of the dual step; default `groupPriorWeighted` (reference: `bufferMean`). */
  readonly overallEstimate?: OverallEstimate;
  /** A held-out set to report (its disparity is reported, not constrained: the paper's finding). */
  readonly test?: GroupedData;
  /** Seed of the mini-batch shuffling; default 0. */
  readonly seed?: number;
  /** Weights to prune; default every weight matrix/kernel (see `resolveClassifier`). */
  readonly prunable?: readonly string[];
  /** Called after every epoch. */
  readonly onEpoch?: (report: EpochReport) => void;
  /** Stops between steps. */
  readonly signal?: AbortSignal;
}

/** One row of a {@link DisparityTable}. */
export interface DisparityRow {
  readonly group: number;
  readonly name: string;
  /** Examples of the group in the set. */
  readonly count: number;
  readonly denseAccuracy: number;
  readonly sparseAccuracy: number;
  /** Δ_g = dense − sparse accuracy. */
  readonly gap: number;
  /** ψ_g = Δ_g − Δ. */
  readonly excessGap: number;
  /** ψ_g > ε. */
  readonly violated: boolean;
}

/** Per-group accuracy change of a pruned model on one set, with the paper's disparity metrics. */
export interface DisparityTable {
  readonly epsilon: number;
  readonly denseAccuracy: number;
  readonly sparseAccuracy: number;
  /** Δ. */
  readonly globalGap: number;
  /** max_g ψ_g. */
  readonly maxExcessGap: number;
  /** Ψ_PW. */
  readonly pairwiseDisparity: number;
  /** max_g ψ_g ≤ ε. */
  readonly feasible: boolean;
  /** One row per group (groups empty in this set have NaN accuracies and are never `violated`). */
  readonly rows: readonly DisparityRow[];
}

/** What {@link constrainDisparity} returns. */
export interface ConstrainDisparityResult<M extends ClassifierLike> {
  /** The model passed in, now pruned and fine-tuned (weights changed in place). */
  readonly model: M;
  /**
   * The masked primal optimizer, which holds the masks and moments (`getState()` saves them;
   * `dispose()` it when done).
   */
  readonly optimizer: MaskedOptimizer;
  /** The keep-masks (1 kept, 0 pruned) of the pruned weights, by parameter name. */
  readonly masks: Readonly<Record<string, Uint8Array>>;
  /** Final multipliers λ_g. */
  readonly multipliers: Float64Array;
  /** Disparity on the training set (the constrained one). */
  readonly train: DisparityTable;
  /** Disparity on `options.test`, when given. */
  readonly test?: DisparityTable;
  /** The full fine-tuning record. */
  readonly run: FineTuneResult;
}

/** Builds a {@link DisparityTable} from dense and sparse statistics of one set. */
export function disparityTable(
  dense: GroupStats,
  sparse: GroupStats,
  names: readonly string[],
  epsilon: number,
): DisparityTable {
  const d = disparity(dense.accuracy, sparse.accuracy, epsilon);
  const rows = names.map((name, g) => ({
    group: g,
    name,
    count: sparse.accuracy.counts[g]!,
    denseAccuracy: dense.accuracy.groups[g]!,
    sparseAccuracy: sparse.accuracy.groups[g]!,
    gap: d.groupGaps[g]!,
    excessGap: d.excessGaps[g]!,
    violated: d.violations[g]! > 0,
  }));
  return {
    epsilon,
    denseAccuracy: dense.accuracy.overall,
    sparseAccuracy: sparse.accuracy.overall,
    globalGap: d.globalGap,
    maxExcessGap: d.maxExcessGap,
    pairwiseDisparity: d.pairwiseDisparity,
    feasible: d.feasible,
    rows,
  };
}

/**
 * The reference code's primal optimizer for its CIFAR-100/UTKFace runs: SGD with momentum 0.9,
 * learning rate 1e-2 multiplied by 0.1 at 60, 80 and 90 % of the epochs, and weight decay 1e-4 as the
 * coupled L2 term (the reference adds (wd/2)‖θ‖² to the loss: the same gradient).
 */
export function referencePrimalOptimizer(epochs: number, stepsPerEpoch: number): Momentum {
  const lr = epochStepDecay({ lr: 1e-2, gamma: 0.1, milestones: [0.6, 0.8, 0.9], epochs, stepsPerEpoch });
  return new Momentum({ lr, momentum: 0.9, weightDecay: 1e-4 });
}

/** Options of {@link epochStepDecay}. */
export interface EpochStepDecayOptions {
  /** Initial rate. */
  readonly lr: number;
  /** Factor applied at each milestone. */
  readonly gamma: number;
  /** Milestones as fractions of `epochs` (rounded to whole epochs). */
  readonly milestones: readonly number[];
  readonly epochs: number;
  readonly stepsPerEpoch: number;
}

/**
 * PyTorch's `MultiStepLR` stepped once per epoch, as the reference's training loop does: lr·γ^k from
 * the k-th milestone epoch on, as a per-step schedule for tensor-core optimizers.
 */
export function epochStepDecay(o: EpochStepDecayOptions): Schedule {
  checkPositive('lr', o.lr);
  checkPositive('gamma', o.gamma);
  checkInteger('epochs', o.epochs, 1);
  checkInteger('stepsPerEpoch', o.stepsPerEpoch, 1);
  const milestones = o.milestones.map((f, i) =>
    Math.round(checkInRange(`milestones[${i}]`, f, 0, 1) * o.epochs),
  );
  return (step) => o.lr * o.gamma ** milestones.filter((m) => Math.floor(step / o.stepsPerEpoch) >= m).length;
}

/**
 * Prunes a trained classifier to `options.sparsity` and fine-tunes it with CEAG so that no group's
 * accuracy drops more than ε beyond the overall drop on the training set (Hashemizadeh et al. 2024).
 * Works on a functional classifier (`{ params, forward }`) or a tfjs Layers model; changes its
 * weights in place. Returns the per-group table on the training set (and on `options.test`).
 */
export async function constrainDisparity<M extends ClassifierLike>(
  model: M,
  data: LabeledArrays,
  groups: GroupSpec,
  options: ConstrainDisparityOptions,
): Promise<ConstrainDisparityResult<M>> {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an object { sparsity, epsilon?, epochs?, … }');
  checkInRange('sparsity', options.sparsity, 0, 1, '[)');
  const epochs = checkInteger('epochs', options.epochs ?? 50, 1);
  const batchSize = checkInteger('batchSize', options.batchSize ?? 128, 1);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new PaperkitInputError('seed', seed, 'a safe integer');
  const optimizer =
    options.optimizer ??
    referencePrimalOptimizer(epochs, Math.ceil(checkInteger('data.count', data?.count, 1) / batchSize));
  const run = await pruneAndFineTune(model, data, groups, {
    epochs,
    batchSize,
    pruning: { end: 15, ...options.pruning, sparsity: options.sparsity },
    optimizer,
    rng: Rng.fromSeed(seed).stream('batches'),
    mitigation: {
      method: 'ceag',
      ...(options.epsilon !== undefined ? { epsilon: options.epsilon } : {}),
      ...(options.dual !== undefined ? { dual: options.dual } : {}),
      ...(options.buffer !== undefined ? { buffer: options.buffer } : {}),
      ...(options.overallEstimate !== undefined ? { overallEstimate: options.overallEstimate } : {}),
    },
    ...(options.test !== undefined
      ? { monitor: { test: options.test }, evaluateTrain: false }
      : { evaluateTrain: false }),
    ...(options.prunable !== undefined ? { prunable: options.prunable } : {}),
    ...(options.onEpoch !== undefined ? { onEpoch: options.onEpoch } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  const names = encodeGroups(groups, data.count).names;
  const epsilon = options.epsilon ?? 0.01;
  const table = (name: string) => disparityTable(run.dense[name]!, run.final[name]!.stats, names, epsilon);
  const last = run.history.at(-1)!;
  return {
    model,
    optimizer: run.optimizer,
    masks: run.masks,
    multipliers: last.multipliers ?? new Float64Array(names.length),
    train: table('train'),
    ...(options.test !== undefined ? { test: table('test') } : {}),
    run,
  };
}
