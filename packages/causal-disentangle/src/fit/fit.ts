import {
  checkInteger,
  type Matrix,
  type MatrixLike,
  type MetricSink,
  PaperkitInputError,
  type TrainProgress,
  train,
} from '@paperkit/tensor-core';
import type { Graph, Graphs } from '../graphs/graph.js';
import { type DisentanglementScores, evaluateDisentanglement } from '../metrics/scores.js';
import type { MaskedVae } from '../model/masked-vae.js';
import type { SequenceData } from './data.js';
import { type ConstraintReading, SparsityTrainer, type TrainerOptions } from './trainer.js';

/** Held-out data with ground truth, scored during and after training. */
export interface FitEvaluation {
  /** Observations to encode, [m, d_x] (for pairs, both steps stacked, as the reference evaluates). */
  readonly observations: MatrixLike;
  /** The true latents of those rows, [m, d_z]. */
  readonly latents: MatrixLike;
  /** The true graphs (consistency pattern, SHD). */
  readonly graphs?: Graphs;
  /** Score every this many steps (and after the last); default only after the last. */
  readonly every?: number;
}

/** Options of {@link fitMechanismSparsity}: the trainer's, plus the loop's. */
export interface FitOptions extends TrainerOptions {
  /** Optimisation steps; default 300 000 (the reference's `iter_limit`). */
  readonly steps?: number;
  /** Ground truth to score the representation with. */
  readonly evaluation?: FitEvaluation;
  /** Steps between host reads of the loss (divergence guard, progress, metrics); default 25. */
  readonly checkEvery?: number;
  /** Stops training between steps (throws an AbortError). */
  readonly signal?: AbortSignal;
  /** Called at every loss check. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Receives loss records, λ/R/b_t records at every check (constraint) and evaluations. */
  readonly sink?: MetricSink;
}

/** One evaluation during training. */
export interface FitEvaluationRecord {
  readonly step: number;
  readonly mcc: number;
  readonly consistentR: number | null;
  readonly shd: number | null;
}

/** One constraint's state at a loss check. */
export interface ConstraintTraceRecord extends ConstraintReading {
  readonly step: number;
}

/** What {@link fitMechanismSparsity} returns; call `dispose()` when done with the model. */
export interface MechanismSparsityFit {
  /** The trained model (its encoder is the learned representation). */
  readonly model: MaskedVae;
  /** Learned graphs 1[σ(log α) > 0.5], rows = learned latents. */
  readonly graphs: { readonly action?: Graph; readonly temporal?: Graph };
  /** Edge probabilities σ(log α). */
  readonly probabilities: { readonly action?: Matrix; readonly temporal?: Matrix };
  /** Final scores against the ground truth, or null without `evaluation`. */
  readonly scores: DisentanglementScores | null;
  /** Window-mean losses at every check. */
  readonly losses: readonly { readonly step: number; readonly loss: number }[];
  /** Evaluations during training. */
  readonly evaluations: readonly FitEvaluationRecord[];
  /** Final Lagrange multipliers (constraint only). */
  readonly multipliers: { readonly action?: number; readonly temporal?: number };
  /** λ, R and b_t of each constraint every `checkEvery` steps and after the last (constraint only). */
  readonly constraintTrace: {
    readonly action?: readonly ConstraintTraceRecord[];
    readonly temporal?: readonly ConstraintTraceRecord[];
  };
  /** Encoder means μ_q(x) of host observations [n, d_x]. */
  encode(observations: MatrixLike): Matrix;
  /** Frees the model. */
  dispose(): void;
}

/**
 * Fits the mechanism-sparsity estimator (a VAE whose latent transitions depend on actions and/or the
 * previous latents through learned, sparse masks) to your own data, and returns the learned graphs and
 * the encoder (see {@link SparsityTrainer} for the optimisation). Deterministic for a seed and a
 * backend. Training stops with a `DivergenceError` if the loss becomes non-finite.
 */
export async function fitMechanismSparsity(
  data: SequenceData,
  options: FitOptions,
): Promise<MechanismSparsityFit> {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an object { latentDim, sparsity, … }');
  const checkEvery = checkInteger('checkEvery', options.checkEvery ?? 25, 1);
  const evaluation = options.evaluation;
  if (evaluation !== undefined) {
    if (evaluation === null || typeof evaluation !== 'object')
      throw new PaperkitInputError(
        'evaluation',
        evaluation,
        'an object { observations, latents, graphs?, every? }',
      );
    if (evaluation.every !== undefined) checkInteger('evaluation.every', evaluation.every, 1);
    if (evaluation.latents?.cols !== options.latentDim)
      throw new PaperkitInputError(
        'evaluation.latents',
        evaluation.latents,
        `a matrix [m, ${options.latentDim}] (d_z columns)`,
      );
  }
  const trainer = new SparsityTrainer(data, options);
  const model = trainer.model;
  const evaluations: FitEvaluationRecord[] = [];
  const trace: { action?: ConstraintTraceRecord[]; temporal?: ConstraintTraceRecord[] } = {};
  const score = (): DisentanglementScores =>
    evaluateDisentanglement(evaluation!.latents, model.encodeMean(evaluation!.observations), {
      ...(evaluation!.graphs ? { graphs: evaluation!.graphs, learned: model.graphs() } : {}),
    });
  let losses: { step: number; loss: number }[];
  try {
    const result = await train({
      steps: trainer.plannedSteps,
      checkEvery,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.sink ? { sink: options.sink } : {}),
      ...(evaluation
        ? {
            evalEvery: evaluation.every ?? trainer.plannedSteps,
            evaluate: (done: number) => {
              const s = score();
              evaluations.push({
                step: done,
                mcc: s.mcc,
                consistentR: s.consistentR,
                shd: s.shd ? s.shd.total : null,
              });
              return {
                mcc: s.mcc,
                ...(s.consistentR !== null ? { consistentR: s.consistentR } : {}),
                ...(s.shd ? { shd: s.shd.total } : {}),
              };
            },
          }
        : {}),
      step: () => {
        const loss = trainer.step();
        if (trainer.steps % checkEvery === 0 || trainer.steps === trainer.plannedSteps)
          for (const [k, r] of Object.entries(trainer.constraintReadings())) {
            (trace[k as 'action' | 'temporal'] ??= []).push({ step: trainer.steps, ...r });
            options.sink?.write({
              step: trainer.steps,
              [`lambda_${k}`]: r.lambda,
              [`edges_${k}`]: r.edges,
              [`bound_${k}`]: r.bound,
            });
          }
        return loss;
      },
    });
    losses = result.losses;
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  const multipliers: { action?: number; temporal?: number } = {};
  for (const [k, r] of Object.entries(trainer.constraintReadings()))
    multipliers[k as 'action' | 'temporal'] = r.lambda;
  trainer.dispose({ keepModel: true });
  return {
    model,
    graphs: model.graphs(),
    probabilities: model.edgeProbabilities(),
    scores: evaluation ? score() : null,
    losses,
    evaluations,
    multipliers,
    constraintTrace: trace,
    encode: (observations) => model.encodeMean(observations),
    dispose: () => model.dispose(),
  };
}
