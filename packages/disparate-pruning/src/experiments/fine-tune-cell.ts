import {
  Adam,
  applyMlp,
  BatchCursor,
  batchCount,
  type CellContext,
  gatherBatch,
  initMlp,
  type LabeledArrays,
  type ParamMap,
  softmaxCrossEntropy,
  throwIfAborted,
  train,
  type XY,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type FunctionalClassifier, resolveClassifier } from '../classifier.js';
import { epochStepDecay } from '../constrain-disparity.js';
import { groupStats, predict } from '../evaluate.js';
import { type EpochReport, type FineTuneResult, pruneAndFineTune } from '../finetune.js';
import { encodeGroups, encodeGroupsLike, type GroupSpec } from '../groups.js';
import { disparity } from '../metrics.js';
import { type DualSettings, type MethodName, methodSetup } from './methods.js';

/** A split with its group memberships (one grouping, or several to report on). */
export interface GroupedSplit {
  readonly data: LabeledArrays;
  readonly groups: GroupSpec;
}

/** The dense MLP of an experiment. */
export interface DenseMlpConfig {
  readonly sizes: readonly number[];
  readonly denseEpochs: number;
  readonly denseLr: number;
  readonly batchSize: number;
}

// A memo of the dense weights per (experiment, config, seed, backend): every method of a seed starts
// from the same dense model, which is deterministic, so reusing it changes no number; it only saves
// retraining the dense model once per cell. Two entries suffice (cells run seed by seed).
const denseCache = new Map<string, Promise<Float32Array>>();

/**
 * The dense model's weights, trained once per key with Adam from `ctx.rng.stream('init')` on batches
 * of `ctx.rng.stream('dense-batches')`, then memoised for the other cells of the same seed.
 */
export function denseWeights(
  key: string,
  config: DenseMlpConfig,
  train: LabeledArrays,
  ctx: CellContext,
): Promise<Float32Array> {
  const full = JSON.stringify([key, config, ctx.seed, ctx.backend.label]);
  let entry = denseCache.get(full);
  if (!entry) {
    entry = trainDense(config, train, ctx);
    denseCache.set(full, entry);
    entry.catch(() => denseCache.delete(full));
    while (denseCache.size > 2) denseCache.delete(denseCache.keys().next().value!);
  }
  return entry;
}

async function trainDense(
  config: DenseMlpConfig,
  data: LabeledArrays,
  ctx: CellContext,
): Promise<Float32Array> {
  const params = initMlp(ctx.rng.stream('init'), { sizes: config.sizes });
  const opt = new Adam({ lr: config.denseLr });
  const cursor = new BatchCursor(data.count, config.batchSize, ctx.rng.stream('dense-batches'));
  const perEpoch = batchCount(data.count, config.batchSize);
  ctx.progress.start('dense training', config.denseEpochs * perEpoch);
  try {
    await train({
      steps: config.denseEpochs * perEpoch,
      checkEvery: perEpoch,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress.update(p.step),
      step: () => {
        const { x, y } = gatherBatch(data, cursor.next());
        try {
          return opt.minimize(
            () => softmaxCrossEntropy(applyMlp(params.tensors(), x, { sizes: config.sizes }), y) as tf.Scalar,
            params,
          );
        } finally {
          tf.dispose([x, y]);
        }
      },
    });
    return await params.flatten();
  } finally {
    params.dispose();
    opt.dispose();
  }
}

function mlp(
  sizes: readonly number[],
  weights: Float32Array,
  ctx: CellContext,
): { params: ParamMap; model: FunctionalClassifier } {
  // The init draw is overwritten at once; it only gives the map its names, roles and shapes.
  const params = initMlp(ctx.rng.stream('init'), { sizes });
  params.unflatten(weights);
  return { params, model: { params, forward: (p, x) => applyMlp(p, x, { sizes }) } };
}

/** Settings of {@link fineTuneCell}. */
export interface FineTuneCellConfig extends DualSettings {
  readonly sparsity: number;
  readonly epochs: number;
  readonly pruningEpochs: number;
  readonly lr: number;
  /** Epoch fractions at which the fine-tuning rate is multiplied by `lrGamma` (the reference: .6, .8, .9). */
  readonly lrMilestones: readonly number[];
  readonly lrGamma: number;
  readonly batchSize: number;
  readonly traceEvery: number;
}

/** A grouping to measure the final model on, with a readable label per group. */
export interface ReportGrouping {
  readonly train: GroupSpec;
  readonly test: GroupSpec;
  /** One label per group, for plot legends (e.g. `g3 (8%)`). */
  readonly labels: readonly string[];
}

/** What a cell returns: {@link CellMetric}s plus, per report grouping, the curves of the plots. */
export interface FineTuneOutcome {
  /** {@link CellMetric}s per report grouping (`constrained` is the grouping the method constrains). */
  readonly metrics: Readonly<Record<string, Record<CellMetric, number>>>;
  /**
   * Curves: `group_change_train`/`_test` (sparse − dense accuracy per group, points; x = group index)
   * on the constrained grouping and `group_change_train@<name>`/`_test@<name>` on the others;
   * `max_psi_train` and `accuracy_train` per epoch; `ψ <label>` per epoch and `λ <label>` per traced
   * step for each constrained group; `constraints_on` (x = the last pruning epoch).
   */
  readonly series: Record<string, XY>;
}

/** The scalar metrics every experiment of this package reports for a cell. */
export const CELL_METRICS = [
  'train_accuracy_pct',
  'test_accuracy_pct',
  'dense_train_accuracy_pct',
  'dense_test_accuracy_pct',
  'train_max_psi_pp',
  'train_pairwise_pp',
  'test_max_psi_pp',
  'test_pairwise_pp',
  'train_feasible',
  'sparsity',
  'max_multiplier',
  'best_epoch',
] as const;

/** One of {@link CELL_METRICS}. */
export type CellMetric = (typeof CELL_METRICS)[number];

const pct = (v: number) => 100 * v;

/**
 * Prunes the seed's dense MLP with `method` and measures it: the shared science of the three
 * experiments. `split.*.groups` is the grouping the method constrains (`report.constrained` must
 * describe it); the other entries of `report` are groupings the final model is also measured on
 * (e.g. the intersections for a run that constrains only the marginal groups).
 */
export async function fineTuneCell(
  method: MethodName,
  config: FineTuneCellConfig,
  split: { readonly train: GroupedSplit; readonly test: GroupedSplit },
  dense: { readonly key: string; readonly config: DenseMlpConfig; readonly prunable?: readonly string[] },
  report: Readonly<Record<string, ReportGrouping>> & { readonly constrained: ReportGrouping },
  ctx: CellContext,
): Promise<FineTuneOutcome> {
  const weights = await denseWeights(dense.key, dense.config, split.train.data, ctx);
  throwIfAborted(ctx.signal);
  const sizes = dense.config.sizes;
  const sparse = mlp(sizes, weights, ctx);
  const reference = mlp(sizes, weights, ctx);
  // The reference's primal schedule shape (MultiStepLR per epoch) on Adam, as in our numpy prototype.
  const inner = new Adam({
    lr: epochStepDecay({
      lr: config.lr,
      gamma: config.lrGamma,
      milestones: config.lrMilestones,
      epochs: config.epochs,
      stepsPerEpoch: batchCount(split.train.data.count, config.batchSize),
    }),
  });
  const setup = methodSetup(method, config);
  const history: EpochReport[] = [];
  ctx.progress.start(`fine-tuning (${method})`, config.epochs);
  let run: FineTuneResult | undefined;
  try {
    run = await pruneAndFineTune(sparse.model, split.train.data, split.train.groups, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      pruning: { sparsity: config.sparsity, end: config.pruningEpochs },
      optimizer: inner,
      rng: ctx.rng.stream('finetune'),
      ...(setup.mitigation ? { mitigation: setup.mitigation } : {}),
      ...(setup.earlyStopping ? { earlyStopping: 'test' } : {}),
      ...(dense.prunable ? { prunable: dense.prunable } : {}),
      // The test set is evaluated per epoch only where it selects the iterate (NFT+ES); every cell
      // measures it once at the end.
      ...(setup.earlyStopping ? { monitor: { test: split.test } } : {}),
      epsilon: config.epsilon,
      traceEvery: config.traceEvery,
      signal: ctx.signal,
      onEpoch: (r) => {
        history.push(r);
        const tr = r.sets.train!;
        ctx.log(r.epoch, {
          loss: r.loss,
          sparsity: r.sparsity,
          train_accuracy_pct: pct(tr.stats.accuracy.overall),
          train_max_psi_pp: pct(tr.disparity.maxExcessGap),
          max_multiplier: r.multipliers ? Math.max(...r.multipliers) : Number.NaN,
        });
        ctx.progress.update(r.epoch + 1);
      },
    });
    const denseClf = resolveClassifier(reference.model);
    const sparseClf = resolveClassifier(sparse.model);
    const preds = {
      train: { dense: predict(denseClf, split.train.data), sparse: predict(sparseClf, split.train.data) },
      test: { dense: predict(denseClf, split.test.data), sparse: predict(sparseClf, split.test.data) },
    };
    const mean = (c: Uint8Array) => c.reduce((a, b) => a + b, 0) / c.length;
    const last = run.history.at(-1)!;
    const common = {
      train_accuracy_pct: pct(mean(preds.train.sparse.correct)),
      test_accuracy_pct: pct(mean(preds.test.sparse.correct)),
      dense_train_accuracy_pct: pct(mean(preds.train.dense.correct)),
      dense_test_accuracy_pct: pct(mean(preds.test.dense.correct)),
      sparsity: run.sparsity.overall,
      max_multiplier: last.multipliers ? Math.max(...last.multipliers) : Number.NaN,
      best_epoch: run.bestEpoch ?? Number.NaN,
    };
    const metrics: Record<string, Record<CellMetric, number>> = {};
    const groupChange: Record<string, XY> = {};
    for (const [name, g] of Object.entries(report)) {
      const trainG = encodeGroups(g.train, split.train.data.count);
      const testG = encodeGroupsLike('test groups', g.test, split.test.data.count, trainG);
      const measure = (which: 'train' | 'test', groups: typeof trainG) =>
        disparity(
          groupStats(preds[which].dense, groups).accuracy,
          groupStats(preds[which].sparse, groups).accuracy,
          config.epsilon,
        );
      const r = { train: measure('train', trainG), test: measure('test', testG) };
      // Per-group accuracy change dense → sparse (sparse − dense, points): the bars of the group plots.
      const suffix = name === 'constrained' ? '' : `@${name}`;
      const groups = g.labels.map((_, k) => k);
      groupChange[`group_change_train${suffix}`] = {
        x: groups,
        y: groups.map((k) => -pct(r.train.groupGaps[k]!)),
      };
      groupChange[`group_change_test${suffix}`] = {
        x: groups,
        y: groups.map((k) => -pct(r.test.groupGaps[k]!)),
      };
      metrics[name] = {
        ...common,
        train_max_psi_pp: pct(r.train.maxExcessGap),
        train_pairwise_pp: pct(r.train.pairwiseDisparity),
        test_max_psi_pp: pct(r.test.maxExcessGap),
        test_pairwise_pp: pct(r.test.pairwiseDisparity),
        train_feasible: r.train.feasible ? 1 : 0,
      };
    }
    return {
      metrics,
      series: {
        ...groupChange,
        ...curves(history, run.trace, report.constrained.labels),
        // Where the constraints switch on (the last GMP epoch), for a vertical mark in the epoch plots.
        constraints_on: { x: [config.pruningEpochs], y: [0] },
      },
    };
  } finally {
    run?.optimizer.dispose();
    inner.dispose();
    sparse.params.dispose();
    reference.params.dispose();
  }
}

function curves(
  history: readonly EpochReport[],
  trace: readonly { step: number; multipliers: readonly number[] }[],
  labels: readonly string[],
): Record<string, XY> {
  const epochs = history.map((r) => r.epoch);
  const out: Record<string, XY> = {
    max_psi_train: { x: epochs, y: history.map((r) => pct(r.sets.train!.disparity.maxExcessGap)) },
    accuracy_train: { x: epochs, y: history.map((r) => pct(r.sets.train!.stats.accuracy.overall)) },
  };
  labels.forEach((label, g) => {
    out[`ψ ${label}`] = { x: epochs, y: history.map((r) => pct(r.sets.train!.disparity.excessGaps[g]!)) };
    if (trace.length > 0)
      out[`λ ${label}`] = { x: trace.map((t) => t.step), y: trace.map((t) => t.multipliers[g]!) };
  });
  return out;
}
