import { ConstrainedOptimizer, GradientAscent } from '@paperkit/nupi';
import {
  Adam,
  checkInteger,
  checkPositive,
  gatherBatch,
  type LabeledArrays,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type ClassifierLike, type ResolvedClassifier, resolveClassifier } from '../classifier.js';
import { checkData, groupStats, predict } from '../evaluate.js';
import { encodeGroups, type GroupSpec, groupCounts, selectGroups } from '../groups.js';
import { MaskedOptimizer } from '../pruning/masked-optimizer.js';
import { type TrainingBatch, trainingForward } from './batch.js';
import { type CeagOptions, type CeagProblem, ceagProblem, resolveCeagOptions } from './ceag.js';

/** Options of {@link ceagStepPair}. */
export interface CeagStepPairOptions {
  /**
   * Builds the classifier; called twice (one copy per step), so it must return the same initial
   * weights each time (e.g. `initMlp` from a fixed seed).
   */
  readonly classifier: () => ClassifierLike;
  /** Training rows: the dense statistics and group priors; the batch is the first `batchSize` rows. */
  readonly data: LabeledArrays;
  /** Group memberships of `data`'s rows. */
  readonly groups: GroupSpec;
  /** Rows in the batch, 1..data.count. */
  readonly batchSize: number;
  /** One-shot magnitude sparsity of both copies; default 0.9. */
  readonly sparsity?: number;
  /** CEAG's options; default ε = 0.01 and buffers of 40. */
  readonly ceag?: CeagOptions;
  /** Adam step of both primal optimizers; default 1e-3. */
  readonly lr?: number;
  /** Gradient-ascent step of the multipliers; default 1e-2. */
  readonly dualLr?: number;
}

/** The two steps of {@link ceagStepPair}, ready to time or profile. */
export interface CeagStepPair {
  /** One CEAG roll (`ConstrainedOptimizer.roll`) on the batch. */
  ceagStep(): void;
  /** One plain (ERM) fine-tuning step of the other copy on the same batch: mean cross-entropy. */
  ermStep(): void;
  /** The CEAG problem (multipliers, buffers, the last strict violations). */
  readonly problem: CeagProblem;
  /** The batch both steps train on. */
  readonly batch: TrainingBatch;
  /** Frees both copies' variables, the optimizers' slots and the batch tensors. */
  dispose(): void;
}

/**
 * A CEAG fine-tuning step and a plain ERM fine-tuning step of the same pruned model on the same batch,
 * for measuring what CEAG costs over ERM on your model (the paper's claim: one forward/backward plus
 * O(|G|) work). Both copies are pruned one-shot by magnitude and stepped by a `MaskedOptimizer(Adam)`;
 * the CEAG copy runs nupi's `ConstrainedOptimizer` (default `dualPrimal` order) with gradient ascent
 * on λ. Before returning, the CEAG step is rolled until the replay buffer of every group in the batch
 * is full (so each timed roll includes the dual step of every group), and the ERM step once.
 */
export function ceagStepPair(options: CeagStepPairOptions): CeagStepPair {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an object { classifier, data, groups, batchSize, … }');
  if (typeof options.classifier !== 'function')
    throw new PaperkitInputError('classifier', options.classifier, 'a function returning a classifier');
  checkData('data', options.data);
  const data = options.data;
  const all = encodeGroups(options.groups, data.count);
  const B = checkInteger('batchSize', options.batchSize, 1);
  if (B > data.count) throw new PaperkitInputError('batchSize', B, `at most data.count = ${data.count}`);
  const ceagOptions = resolveCeagOptions(options.ceag ?? {});
  const lr = checkPositive('lr', options.lr ?? 1e-3);
  const dualLr = checkPositive('dualLr', options.dualLr ?? 1e-2);
  const sparsity = options.sparsity ?? 0.9;

  const idx = Int32Array.from({ length: B }, (_, i) => i);
  const groups = selectGroups(all, idx);
  const copies: { model: ResolvedClassifier; opt: MaskedOptimizer }[] = [];
  const make = () => {
    const model = resolveClassifier(options.classifier());
    const copy = { model, opt: new MaskedOptimizer(new Adam({ lr }), { prunable: model.prunable }) };
    copies.push(copy);
    return copy;
  };
  const { x, y } = gatherBatch(data, idx);
  const batch: TrainingBatch = { x, y, labels: data.labels.slice(0, B), groups };
  let constrained: ConstrainedOptimizer<'excessGap', TrainingBatch> | null = null;
  const dispose = () => {
    // The constrained optimizer owns (and frees) the CEAG copy's primal optimizer.
    for (const c of copies) if (!constrained || c.opt !== copies[1]?.opt) c.opt.dispose();
    constrained?.dispose();
    for (const c of copies) for (const v of Object.values(c.model.params)) v.dispose();
    tf.dispose([x, y]);
  };
  try {
    const erm = make();
    const ceag = make();
    // CEAG's reference statistics are the dense model's, measured before pruning.
    const dense = groupStats(predict(ceag.model, data), all);
    for (const c of copies) c.opt.prune(c.model.params, sparsity);
    const priors = groupCounts(all).map((c) => c / all.count);
    const problem = ceagProblem(ceag.model, dense, priors, ceagOptions);
    constrained = new ConstrainedOptimizer({
      problem: problem.problem,
      params: ceag.model.params,
      primal: ceag.opt,
      dual: new GradientAscent({ lr: dualLr }),
    });
    const opt = constrained;
    const ceagStep = () => opt.roll(batch).dispose();
    const ermStep = () =>
      erm.opt
        .minimize(
          () => tf.tidy(() => tf.mean(trainingForward(erm.model, batch).losses)) as tf.Scalar,
          erm.model.params,
        )
        .dispose();
    // Enough rolls for the rarest group of the batch to fill its buffer (one roll without buffers).
    const counts = groupCounts(groups).filter((c) => c > 0);
    const rolls = ceagOptions.buffer > 0 ? Math.ceil(ceagOptions.buffer / Math.min(...counts)) : 1;
    for (let i = 0; i < rolls; i++) ceagStep();
    ermStep();
    return { ceagStep, ermStep, problem, batch, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
