import {
  checkInteger,
  DivergenceError,
  type Matrix,
  type MatrixLike,
  type MetricRecord,
  type MetricSink,
  PaperkitInputError,
  Rng,
  type TrainProgress,
  train,
} from '@paperkit/tensor-core';
import type { Graph, Graphs } from '../graphs/graph.js';
import { type DisentanglementScores, evaluateDisentanglement } from '../metrics/scores.js';
import type { MaskedVae } from '../model/masked-vae.js';
import { checkSequenceData, type SequenceData } from './data.js';
import { heldOutLoss, type RestartOptions, resolveRestarts } from './selection.js';
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
  /** Receives loss records, λ/R/b_t records at every check (constraint) and evaluations (of the kept run). */
  readonly sink?: MetricSink;
  /**
   * Restarts with model selection by held-out ELBO (no ground truth); default one run. See
   * {@link RestartOptions}.
   */
  readonly restarts?: RestartOptions;
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
  /**
   * The restart selection (with `restarts.count` > 1): each candidate's held-out negative ELBO after
   * its screen (hard masks) and the index of the kept one; null for a single run.
   */
  readonly selection: { readonly losses: readonly number[]; readonly chosen: number } | null;
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
/** One candidate run: its trainer and what it recorded. */
interface Candidate {
  readonly trainer: SparsityTrainer;
  readonly evaluations: FitEvaluationRecord[];
  readonly trace: { action?: ConstraintTraceRecord[]; temporal?: ConstraintTraceRecord[] };
  readonly losses: { step: number; loss: number }[];
  /** Sink records held back until the selection (only the kept run's reach the sink); null once kept. */
  records: MetricRecord[] | null;
}

/**
 * Fits the mechanism-sparsity estimator (a VAE whose latent transitions depend on actions and/or the
 * previous latents through learned, sparse masks) to your own data, and returns the learned graphs and
 * the encoder (see {@link SparsityTrainer} for the optimisation). With `restarts`, several candidates
 * are screened and the one with the best held-out ELBO is kept. Deterministic for a seed and a
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
  const steps = checkInteger('steps', options.steps ?? 300_000, 1);
  const restarts = resolveRestarts(options.restarts, checkSequenceData('data', data), steps);
  const rng = options.rng ?? Rng.fromSeed(options.seed ?? 0);
  const many = restarts.count > 1;
  const candidates: Candidate[] = [];
  const total = restarts.count * restarts.screenSteps + steps - restarts.screenSteps;
  let done = 0;

  /** Trains `c` for `n` more steps (its steps so far are `c.trainer.steps`). */
  const advance = async (c: Candidate, n: number): Promise<void> => {
    const trainer = c.trainer;
    const offset = trainer.steps;
    const base = done;
    const sink: MetricSink | undefined = c.records ? { write: (r) => void c.records!.push(r) } : options.sink;
    const score = (): DisentanglementScores =>
      evaluateDisentanglement(evaluation!.latents, trainer.model.encodeMean(evaluation!.observations), {
        ...(evaluation!.graphs ? { graphs: evaluation!.graphs, learned: trainer.model.graphs() } : {}),
      });
    const result = await train({
      steps: n,
      checkEvery,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress
        ? { onProgress: (p: TrainProgress) => options.onProgress!({ ...p, step: base + p.step, total }) }
        : {}),
      ...(sink ? { sink: { write: (r: MetricRecord) => sink.write({ ...r, step: offset + r.step }) } } : {}),
      ...(evaluation
        ? {
            // Every `every` steps of the candidate's own count (when its screen starts at a multiple of
            // `every`) and at the end of each phase.
            evalEvery: evaluation.every ?? steps,
            evaluate: (k: number) => {
              const s = score();
              c.evaluations.push({
                step: offset + k,
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
        if (trainer.steps % checkEvery === 0 || trainer.steps === steps)
          for (const [k, r] of Object.entries(trainer.constraintReadings())) {
            (c.trace[k as 'action' | 'temporal'] ??= []).push({ step: trainer.steps, ...r });
            sink?.write({
              step: trainer.steps,
              [`lambda_${k}`]: r.lambda,
              [`edges_${k}`]: r.edges,
              [`bound_${k}`]: r.bound,
            });
          }
        return loss;
      },
    });
    for (const l of result.losses) c.losses.push({ step: offset + l.step, loss: l.loss });
    done += n;
  };

  let kept: Candidate;
  let selection: MechanismSparsityFit['selection'] = null;
  try {
    for (let r = 0; r < restarts.count; r++) {
      const trainer = new SparsityTrainer(data, {
        ...options,
        steps,
        rng: r === 0 ? rng : rng.stream(`restart-${r}`),
      });
      const c: Candidate = { trainer, evaluations: [], trace: {}, losses: [], records: many ? [] : null };
      candidates.push(c);
      await advance(c, restarts.screenSteps);
    }
    if (many) {
      const scoreRng = rng.stream('selection');
      const losses = candidates.map((c) =>
        heldOutLoss(
          c.trainer.model,
          restarts.validation ?? data,
          scoreRng.stream(`${candidates.indexOf(c)}`),
        ),
      );
      const finite = losses.filter(Number.isFinite);
      if (finite.length === 0)
        throw new DivergenceError(
          restarts.screenSteps,
          losses[0]!,
          null,
          "every candidate's held-out loss is not finite",
        );
      const chosen = losses.indexOf(Math.min(...finite));
      selection = { losses, chosen };
      kept = candidates[chosen]!;
      for (const rec of kept.records!) options.sink?.write(rec);
      for (const c of candidates) if (c !== kept) c.trainer.dispose();
      candidates.splice(0, candidates.length, kept);
      kept.records = null;
    } else kept = candidates[0]!;
    if (steps > restarts.screenSteps) await advance(kept, steps - restarts.screenSteps);
  } catch (err) {
    for (const c of candidates) c.trainer.dispose();
    throw err;
  }
  const trainer = kept.trainer;
  const model = trainer.model;
  const multipliers: { action?: number; temporal?: number } = {};
  for (const [k, r] of Object.entries(trainer.constraintReadings()))
    multipliers[k as 'action' | 'temporal'] = r.lambda;
  trainer.dispose({ keepModel: true });
  return {
    model,
    graphs: model.graphs(),
    probabilities: model.edgeProbabilities(),
    scores: evaluation
      ? evaluateDisentanglement(evaluation.latents, model.encodeMean(evaluation.observations), {
          ...(evaluation.graphs ? { graphs: evaluation.graphs, learned: model.graphs() } : {}),
        })
      : null,
    losses: kept.losses,
    evaluations: kept.evaluations,
    multipliers,
    constraintTrace: kept.trace,
    selection,
    encode: (observations) => model.encodeMean(observations),
    dispose: () => model.dispose(),
  };
}
