import {
  Adam,
  checkInteger,
  checkOneOf,
  DivergenceError,
  type Optimizer,
  PaperkitInputError,
  throwIfAborted,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { bestEpoch, type EpochRecord, paretoFront, type SelectionObjective } from '../selection/pareto.js';
import { type DifferentiableGame, EPISODE_LOSSES, type EpisodeLoss, type Trajectory } from './episode.js';
import type { Predictor } from './predictors.js';

/** A training objective: one episode loss, or the two-task MGDA combination of `group` and `accuracy`. */
export type TrainingObjective = EpisodeLoss | 'multitask';

/** Every {@link TrainingObjective}. */
export const TRAINING_OBJECTIVES: readonly TrainingObjective[] = [...EPISODE_LOSSES, 'multitask'];

/** One epoch of a training run. */
export interface TrainingEpoch extends EpochRecord {
  /** 0-based epoch. */
  readonly epoch: number;
  /** MGDA weight γ of the group task (multitask runs only). */
  readonly gamma?: number;
}

/** Options of {@link trainPredictor}. */
export interface TrainPredictorOptions {
  /** The differentiable game (graph, CRD, agent model, rounds, gradient flags). */
  readonly game: DifferentiableGame;
  /** The predictor to train (its parameters are updated in place). */
  readonly predictor: Predictor;
  /** What to minimise. */
  readonly objective: TrainingObjective;
  /** Epochs (one episode and one optimiser step each); default 200. */
  readonly epochs?: number;
  /** Optimiser; default tensor-core `Adam` with lr 1e−4 (reference `train.py`). A given one is not disposed. */
  readonly optimizer?: Optimizer;
  /** Stops between epochs with an AbortError. */
  readonly signal?: AbortSignal;
  /** Called after every epoch. */
  readonly onEpoch?: (epoch: TrainingEpoch) => void;
}

/** Result of {@link trainPredictor}. */
export interface TrainingRun {
  /** Every epoch's statistics (the episode played with the pre-step weights). */
  readonly history: readonly TrainingEpoch[];
  /** The epoch the reference `FullStats` reports for this objective. */
  readonly best: number;
  /** (welfare, accuracy) Pareto front over the epochs, sorted by welfare. */
  readonly front: readonly [number, number][];
}

/** The statistic the reference selects the best epoch by for each objective. */
export function selectionObjective(objective: TrainingObjective): SelectionObjective {
  if (objective === 'individual') return 'cooperation';
  if (objective === 'accuracy' || objective === 'accuracy_perf') return 'accuracy';
  return 'welfare';
}

function byParamName(predictor: Predictor, grads: tf.NamedTensorMap): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, v] of Object.entries(predictor.params.tensors())) {
    const g = grads[v.name];
    if (g) out[name] = g;
  }
  return out;
}

/** Welfare, accuracy and cooperation of a trajectory as an epoch record (exact integer counts). */
export function trajectoryRecord(trajectory: Trajectory, loss: number, epoch = 0): TrainingEpoch {
  const T = trajectory.actions.length;
  const n = trajectory.actions[0]!.length;
  let wins = 0;
  let acc = 0;
  let coop = 0;
  for (let t = 0; t < T; t++) {
    wins += trajectory.successes[t]!;
    acc += trajectory.accuracy[t]!;
    coop += trajectory.cooperation[t]! * n;
  }
  return { epoch, welfare: wins / (T * n), accuracy: acc / T, cooperation: Math.round(coop) / (T * n), loss };
}

/**
 * Trains a predictor by backpropagating through whole episodes (reference `train.py`): each epoch
 * plays `game.rounds` rounds from the prior trust, differentiates the summed loss with respect to the
 * predictor's weights and takes one optimiser step. `multitask` differentiates the group and the
 * accuracy losses along the same trajectory, weighs their gradients by the MGDA γ (computed on the
 * device) and steps along γ·g_group + (1 − γ)·g_acc; the reference replays the episode four times to
 * build the same combined gradient (identical for a deterministic predictor; with dropout it draws
 * fresh masks each time). A non-finite loss stops the run with a `DivergenceError`.
 */
export async function trainPredictor(options: TrainPredictorOptions): Promise<TrainingRun> {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an object');
  const { game, predictor } = options;
  const objective = checkOneOf('objective', options.objective, TRAINING_OBJECTIVES);
  const epochs = checkInteger('epochs', options.epochs ?? 200, 1);
  if (predictor === null || typeof predictor?.predict !== 'function' || !predictor.params)
    throw new PaperkitInputError(
      'predictor',
      predictor,
      'a Predictor (createMlpPredictor, createGcnPredictor, …)',
    );
  const optimizer = options.optimizer ?? new Adam({ lr: 1e-4 });
  const owned = options.optimizer === undefined;
  const vars = predictor.params.variables();
  const history: TrainingEpoch[] = [];
  let lastFinite: number | null = null;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (options.signal) throwIfAborted(options.signal);
      const losses: EpisodeLoss[] = objective === 'multitask' ? ['group', 'accuracy'] : [objective];
      const { trajectory, values, grads } = await game.gradients(predictor, losses, vars, true);
      let packed: tf.Tensor;
      try {
        if (objective !== 'multitask') {
          optimizer.step(predictor.params, byParamName(predictor, grads[0]!));
          packed = tf.reshape(values[0]!, [1]);
        } else {
          const g0 = byParamName(predictor, grads[0]!);
          const g1 = byParamName(predictor, grads[1]!);
          const gamma = mgdaGamma(g0, g1);
          const combined = tf.tidy(() => {
            const out: Record<string, tf.Tensor> = {};
            for (const name of Object.keys(g0))
              out[name] = tf.add(
                tf.mul(g0[name]!, gamma),
                tf.mul(g1[name] ?? tf.zerosLike(g0[name]!), tf.sub(1, gamma)),
              );
            return out;
          });
          optimizer.step(predictor.params, combined);
          packed = tf.tidy(() =>
            tf.stack([tf.add(tf.mul(values[0]!, gamma), tf.mul(values[1]!, tf.sub(1, gamma))), gamma]),
          );
          tf.dispose([gamma, ...Object.values(combined)]);
        }
      } finally {
        tf.dispose([...values, ...grads]);
      }
      const data = (await packed.data()) as Float32Array;
      packed.dispose();
      const loss = data[0]!;
      if (!Number.isFinite(loss))
        throw new DivergenceError(epoch, loss, lastFinite, 'non-finite episode loss');
      lastFinite = loss;
      const rec = trajectoryRecord(trajectory, loss, epoch);
      const withGamma: TrainingEpoch = objective === 'multitask' ? { ...rec, gamma: data[1]! } : rec;
      history.push(withGamma);
      options.onEpoch?.(withGamma);
    }
  } finally {
    if (owned) optimizer.dispose();
  }
  return { history, best: bestEpoch(history, selectionObjective(objective)), front: paretoFront(history) };
}

/**
 * MGDA γ of two gradient maps on the device (no host sync), with the branches of `mgdaFromDots`;
 * the interior division may be 0/0 when a branch above applies, and `where` discards it.
 */
function mgdaGamma(g0: Record<string, tf.Tensor>, g1: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    let d00: tf.Tensor = tf.scalar(0);
    let d01: tf.Tensor = tf.scalar(0);
    let d11: tf.Tensor = tf.scalar(0);
    for (const name of Object.keys(g0)) {
      const x = g0[name]!;
      const y = g1[name] ?? tf.zerosLike(x);
      d00 = tf.add(d00, tf.sum(tf.square(x)));
      d01 = tf.add(d01, tf.sum(tf.mul(x, y)));
      d11 = tf.add(d11, tf.sum(tf.square(y)));
    }
    const interior = tf.div(tf.sub(d11, d01), tf.add(tf.sub(d00, tf.mul(d01, 2)), d11));
    return tf.where(
      tf.greaterEqual(d01, d00),
      tf.scalar(1),
      tf.where(tf.greaterEqual(d01, d11), tf.scalar(0), interior),
    ) as tf.Scalar;
  });
}

/** Plays one episode (dropout off unless `training`) and returns its epoch-style statistics. */
export async function evaluatePredictor(
  game: DifferentiableGame,
  predictor: Predictor,
  options: { readonly training?: boolean } = {},
): Promise<TrainingEpoch> {
  const trajectory = await game.play(predictor, options.training ?? false);
  return trajectoryRecord(trajectory, Number.NaN);
}
