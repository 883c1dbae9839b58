import {
  ConstrainedOptimizer,
  type ConstrainedProblem,
  type DualOptimizer,
  GradientAscent,
} from '@paperkit/nupi';
import {
  abortPoint,
  checkInteger,
  checkNonNegative,
  DivergenceError,
  gatherBatch,
  type LabeledArrays,
  type Optimizer,
  PaperkitInputError,
  type Rng,
  batches as shuffledBatches,
  throwIfAborted,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type ClassifierLike, type ResolvedClassifier, resolveClassifier } from './classifier.js';
import { checkData, type GroupStats, groupStats, predict } from './evaluate.js';
import {
  checkAllGroupsPresent,
  encodeGroups,
  encodeGroupsLike,
  type GroupAssignment,
  type GroupSpec,
  groupCounts,
  selectGroups,
} from './groups.js';
import { type DisparityReport, disparity } from './metrics.js';
import { type TrainingBatch, trainingForward } from './mitigation/batch.js';
import { type CeagOptions, ceagProblem, resolveCeagOptions } from './mitigation/ceag.js';
import {
  type EqualizedLossOptions,
  equalizedLossProblem,
  resolveEqualizedLossOptions,
} from './mitigation/equalized-loss.js';
import type { SparsityReport } from './pruning/mask-state.js';
import { MaskedOptimizer } from './pruning/masked-optimizer.js';
import { type GmpOptions, type GmpSchedule, gmpSchedule } from './pruning/schedule.js';

/** A disparity mitigation during fine-tuning; absent means naive fine-tuning (NFT). */
export type Mitigation =
  | (CeagOptions & {
      readonly method: 'ceag';
      /** Dual optimizer of λ; default gradient ascent with step 1e-2 (the reference's CIFAR-100 config). */
      readonly dual?: DualOptimizer;
    })
  | (EqualizedLossOptions & {
      readonly method: 'equalizedLoss';
      /** Dual optimizer of μ; default gradient ascent with step 1e-2. */
      readonly dual?: DualOptimizer;
    });

/** A labelled set with group memberships. */
export interface GroupedData {
  readonly data: LabeledArrays;
  readonly groups: GroupSpec;
}

/** Dense-model statistics per evaluated set (`train` plus each monitored set), measured before pruning. */
export type DenseStats = Readonly<Record<string, GroupStats>>;

/** Options of {@link pruneAndFineTune}. */
export interface FineTuneOptions {
  /** Total epochs, pruning epochs included (the paper: 50 on CIFAR-100 with pruning over epochs 0–15). */
  readonly epochs: number;
  /** The GMP schedule; `end` must be < `epochs`. */
  readonly pruning: GmpOptions;
  /**
   * The primal optimizer (any tensor-core optimizer; weight decay as its coupled L2 term). It is
   * wrapped in a {@link MaskedOptimizer}, which owns its state from then on (the instance passed in
   * is spent): use `result.optimizer`.
   */
  readonly optimizer: Optimizer;
  /** Stream for shuffling the mini-batches. */
  readonly rng: Rng;
  /** Mini-batch size; default 128. */
  readonly batchSize?: number;
  /** CEAG or EL; absent = NFT. */
  readonly mitigation?: Mitigation;
  /**
   * Also constrain while pruning; default false: the reference only turns the constraints on from
   * the last pruning epoch (`apply_mitigation_while_pruning = False`).
   */
  readonly mitigateWhilePruning?: boolean;
  /** Weights to prune; default see {@link resolveClassifier}. */
  readonly prunable?: readonly string[];
  /** Precomputed dense statistics (`train` and every monitored set); measured here when absent. */
  readonly dense?: DenseStats;
  /** Extra sets (e.g. `{ test }`) evaluated after every epoch and at the end. */
  readonly monitor?: Readonly<Record<string, GroupedData>>;
  /** Evaluate the training set after every epoch (one forward pass over it); default true. */
  readonly evaluateTrain?: boolean;
  /**
   * Name of a monitored set: keep the iterate of best accuracy on it among epochs at final sparsity
   * and restore it at the end (NFT+ES; the reference selects on the test set).
   */
  readonly earlyStopping?: string;
  /** Record the multipliers every this many constrained steps; default 0 (epoch ends only). */
  readonly traceEvery?: number;
  /**
   * ε of the feasibility flags in the reports (max_g ψ_g ≤ ε); default the CEAG ε, else 0.01. The
   * constraint itself uses `mitigation.epsilon`.
   */
  readonly epsilon?: number;
  /** Called after every epoch. */
  readonly onEpoch?: (report: EpochReport) => void;
  /** Stops between steps with an AbortError. */
  readonly signal?: AbortSignal;
}

/** One evaluated set at some point of training. */
export interface SetEvaluation {
  /** Accuracy and loss of the current model. */
  readonly stats: GroupStats;
  /** Its disparity against the dense model on the same set. */
  readonly disparity: DisparityReport;
}

/** What happened in one epoch. */
export interface EpochReport {
  readonly epoch: number;
  /** Optimizer steps so far. */
  readonly steps: number;
  /** Achieved sparsity of the masked weights. */
  readonly sparsity: number;
  /** Whether the mitigation was active in this epoch. */
  readonly constrained: boolean;
  /** Mean training mini-batch loss of the epoch. */
  readonly loss: number;
  /** Multipliers at the end of the epoch (null for NFT). */
  readonly multipliers: Float64Array | null;
  /** Evaluations by set name (`train` and the monitored sets). */
  readonly sets: Readonly<Record<string, SetEvaluation>>;
}

/** What {@link pruneAndFineTune} returns; the caller disposes `optimizer`. */
export interface FineTuneResult {
  /**
   * The masked primal optimizer: its state holds the masks and the primal moments (save it with
   * `getState()`; `dispose()` it when done).
   */
  readonly optimizer: MaskedOptimizer;
  /** The final keep-masks (1 kept, 0 pruned) of the pruned weights; the weights are masked in place. */
  readonly masks: Readonly<Record<string, Uint8Array>>;
  /** Achieved sparsity of the pruned weights. */
  readonly sparsity: SparsityReport;
  /** Dense statistics used as the reference. */
  readonly dense: DenseStats;
  /** One report per epoch. */
  readonly history: readonly EpochReport[];
  /** Multipliers every `traceEvery` constrained steps. */
  readonly trace: readonly { readonly step: number; readonly multipliers: readonly number[] }[];
  /** The epoch restored by early stopping, or null. */
  readonly bestEpoch: number | null;
  /** Final evaluation of `train` and every monitored set. */
  readonly final: Readonly<Record<string, SetEvaluation>>;
}

/** Dense statistics of `model` on each set (call before pruning). */
export function denseStats(
  model: ResolvedClassifier,
  sets: Readonly<Record<string, { data: LabeledArrays; groups: GroupAssignment }>>,
): Record<string, GroupStats> {
  const out: Record<string, GroupStats> = {};
  for (const [name, s] of Object.entries(sets)) out[name] = groupStats(predict(model, s.data), s.groups);
  return out;
}

interface Prepared {
  readonly model: ResolvedClassifier;
  readonly schedule: GmpSchedule;
  readonly sets: Record<string, { data: LabeledArrays; groups: GroupAssignment }>;
  readonly batchSize: number;
  readonly traceEvery: number;
}

function prepare(
  model: ClassifierLike,
  train: LabeledArrays,
  groups: GroupSpec,
  o: FineTuneOptions,
): Prepared {
  if (o === null || typeof o !== 'object')
    throw new PaperkitInputError('options', o, 'an object { epochs, pruning, optimizer, rng, … }');
  checkData('data', train);
  const epochs = checkInteger('epochs', o.epochs, 1);
  const schedule = gmpSchedule(o.pruning);
  if (schedule.end >= epochs)
    throw new PaperkitInputError(
      'pruning.end',
      schedule.end,
      `an epoch < epochs (${epochs}) so the final sparsity is trained`,
    );
  if (!o.optimizer || typeof o.optimizer.step !== 'function')
    throw new PaperkitInputError('optimizer', o.optimizer, 'a tensor-core Optimizer');
  if (!o.rng || typeof o.rng.permutation !== 'function')
    throw new PaperkitInputError('rng', o.rng, 'an Rng stream');
  const batchSize = checkInteger('batchSize', o.batchSize ?? 128, 1);
  const traceEvery = checkInteger('traceEvery', o.traceEvery ?? 0, 0);
  const m = o.mitigation;
  const method: unknown = (m as { method?: unknown } | null | undefined)?.method;
  if (m !== undefined && method !== 'ceag' && method !== 'equalizedLoss')
    throw new PaperkitInputError('mitigation.method', method, '"ceag" or "equalizedLoss" (omit for NFT)');
  // Option errors surface before the dense evaluation pass, not after it.
  if (m?.method === 'ceag') resolveCeagOptions(m);
  if (m?.method === 'equalizedLoss') resolveEqualizedLossOptions(m);
  reportEpsilon(o);
  const resolved = resolveClassifier(model, o.prunable);
  const trainGroups = encodeGroups(groups, train.count);
  checkAllGroupsPresent('groups', trainGroups);
  const sets: Record<string, { data: LabeledArrays; groups: GroupAssignment }> = {
    train: { data: train, groups: trainGroups },
  };
  for (const [name, s] of Object.entries(o.monitor ?? {})) {
    if (name === 'train') throw new PaperkitInputError('monitor', name, 'a set name other than "train"');
    checkData(`monitor.${name}.data`, s?.data);
    sets[name] = {
      data: s.data,
      groups: encodeGroupsLike(`monitor.${name}.groups`, s.groups, s.data.count, trainGroups),
    };
  }
  if (o.earlyStopping !== undefined && !(o.earlyStopping in sets && o.earlyStopping !== 'train'))
    throw new PaperkitInputError('earlyStopping', o.earlyStopping, 'the name of a monitored set');
  if (o.dense !== undefined)
    for (const name of Object.keys(sets)) {
      const d = o.dense[name];
      if (!d || d.accuracy.groups.length !== trainGroups.numGroups)
        throw new PaperkitInputError(
          `dense.${name}`,
          d,
          `dense statistics of ${trainGroups.numGroups} groups`,
        );
    }
  return { model: resolved, schedule, sets, batchSize, traceEvery };
}

/**
 * Prunes a trained (dense) classifier with gradual magnitude pruning and fine-tunes it, naively (NFT),
 * with CEAG, or with equalized loss: the reference's `main.py` loop. Per epoch: prune at its start
 * when the schedule says so, then one pass of mini-batches; the mitigation is active from the last
 * pruning epoch on. Modifies the model's weights in place (copy them first to keep the dense model).
 *
 * The primal optimizer is wrapped in a {@link MaskedOptimizer}: pruned weights get zero gradients
 * and are re-masked after every step, for functional and Layers models alike.
 */
export async function pruneAndFineTune(
  model: ClassifierLike,
  train: LabeledArrays,
  groups: GroupSpec,
  options: FineTuneOptions,
): Promise<FineTuneResult> {
  const { model: clf, schedule, sets, batchSize, traceEvery } = prepare(model, train, groups, options);
  const trainGroups = sets.train!.groups;
  const dense: DenseStats = options.dense ?? denseStats(clf, sets);
  const optimizer = new MaskedOptimizer(options.optimizer, { prunable: clf.prunable });
  try {
    return await loop(
      clf,
      train,
      trainGroups,
      sets,
      dense,
      optimizer,
      schedule,
      batchSize,
      traceEvery,
      options,
    );
  } catch (err) {
    optimizer.dispose();
    throw err;
  }
}

async function loop(
  clf: ResolvedClassifier,
  train: LabeledArrays,
  trainGroups: GroupAssignment,
  sets: Record<string, { data: LabeledArrays; groups: GroupAssignment }>,
  dense: DenseStats,
  optimizer: MaskedOptimizer,
  schedule: GmpSchedule,
  batchSize: number,
  traceEvery: number,
  o: FineTuneOptions,
): Promise<FineTuneResult> {
  const priors = groupCounts(trainGroups).map((c) => c / trainGroups.count);
  const m = o.mitigation;
  const mitigation = m
    ? m.method === 'ceag'
      ? ceagProblem(clf, dense.train!, priors, m)
      : equalizedLossProblem(clf, trainGroups.numGroups, priors, m)
    : null;
  let constrained: ConstrainedOptimizer<string, TrainingBatch> | null = null;
  const history: EpochReport[] = [];
  const trace: { step: number; multipliers: number[] }[] = [];
  let steps = 0;
  let lastFinite: number | null = null;
  let best: { epoch: number; accuracy: number; values: Record<string, Float32Array> } | null = null;
  const epsilon = reportEpsilon(o);
  const evaluate = (names: readonly string[]) => {
    const out: Record<string, SetEvaluation> = {};
    for (const name of names) {
      const s = sets[name]!;
      const stats = groupStats(predict(clf, s.data), s.groups);
      out[name] = { stats, disparity: disparity(dense[name]!.accuracy, stats.accuracy, epsilon) };
    }
    return out;
  };
  const perEpoch = Object.keys(sets).filter((n) => n !== 'train' || (o.evaluateTrain ?? true));
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    if (schedule.prunesAt(epoch)) optimizer.prune(clf.params, schedule.sparsityAt(epoch));
    const active = mitigation !== null && (epoch >= schedule.end || (o.mitigateWhilePruning ?? false));
    if (active && !constrained)
      constrained = new ConstrainedOptimizer({
        problem: mitigation!.problem as ConstrainedProblem<string, TrainingBatch>,
        params: clf.params,
        primal: optimizer,
        dual: m!.dual ?? new GradientAscent({ lr: 1e-2 }),
      });
    let lossSum: tf.Tensor = tf.scalar(0);
    let batchesDone = 0;
    for (const idx of shuffledBatches(train.count, batchSize, o.rng)) {
      if (o.signal) throwIfAborted(o.signal);
      const { x, y } = gatherBatch(train, idx);
      const batch: TrainingBatch = {
        x,
        y,
        labels: Int32Array.from(idx, (i) => train.labels[i]!),
        groups: selectGroups(trainGroups, idx),
      };
      try {
        let loss: tf.Tensor;
        if (active) {
          const out = constrained!.roll(batch);
          loss = tf.keep(tf.reshape(out.loss!, []));
          out.dispose();
        } else {
          loss = optimizer.minimize(
            () => tf.tidy(() => tf.mean(trainingForward(clf, batch).losses)) as tf.Scalar,
            clf.params,
          );
        }
        const next = tf.add(lossSum, loss);
        tf.dispose([lossSum, loss]);
        lossSum = next;
      } finally {
        tf.dispose([x, y]);
      }
      steps++;
      batchesDone++;
      if (active && traceEvery > 0 && steps % traceEvery === 0)
        trace.push({ step: steps, multipliers: Array.from(mitigation!.multiplier.value) });
    }
    const meanLoss = lossSum.dataSync()[0]! / batchesDone;
    lossSum.dispose();
    if (!Number.isFinite(meanLoss))
      throw new DivergenceError(steps, meanLoss, lastFinite, `epoch ${epoch} mean loss`);
    lastFinite = meanLoss;
    const evals = evaluate(perEpoch);
    const report: EpochReport = {
      epoch,
      steps,
      sparsity: optimizer.sparsity().overall,
      constrained: active,
      loss: meanLoss,
      multipliers: mitigation ? Float64Array.from(mitigation.multiplier.value) : null,
      sets: evals,
    };
    history.push(report);
    if (o.earlyStopping !== undefined && epoch >= schedule.end) {
      const acc = evals[o.earlyStopping]!.stats.accuracy.overall;
      if (!best || acc > best.accuracy) best = { epoch, accuracy: acc, values: snapshot(clf.params) };
    }
    o.onEpoch?.(report);
    if (o.signal) await abortPoint(o.signal);
  }
  if (best) restore(clf.params, best.values);
  return {
    optimizer,
    masks: optimizer.masks(),
    sparsity: optimizer.sparsity(),
    dense,
    history,
    trace,
    bestEpoch: best ? best.epoch : null,
    final: evaluate(Object.keys(sets)),
  };
}

function reportEpsilon(o: FineTuneOptions): number {
  if (o.epsilon !== undefined) return checkNonNegative('epsilon', o.epsilon);
  return o.mitigation?.method === 'ceag' ? (o.mitigation.epsilon ?? 0.01) : 0.01;
}

function snapshot(params: Readonly<Record<string, tf.Variable>>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [n, v] of Object.entries(params)) out[n] = v.dataSync().slice() as Float32Array;
  return out;
}

function restore(params: Readonly<Record<string, tf.Variable>>, values: Record<string, Float32Array>): void {
  tf.tidy(() => {
    for (const [n, v] of Object.entries(params)) v.assign(tf.tensor(values[n]!, v.shape));
  });
}
