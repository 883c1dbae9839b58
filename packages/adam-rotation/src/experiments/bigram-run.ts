import { Adam, Momentum, type Optimizer, type ParamMap, type Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type RotatedOptimizerApi, rotated } from '../rotated-optimizer.js';
import type { RotationScope } from '../rotation.js';
import {
  type BigramTask,
  bigramLossAndGrads,
  bigramPairs,
  bigramPopulationLoss,
  initBigram,
} from './bigram.js';
import { trainSteps } from './loop.js';
import { type ScopeSettings, scopeRotation } from './shared.js';

/** One training run of the bigram model. */
export interface BigramRunSpec {
  /** Rotation scope. */
  readonly scope: RotationScope;
  /** `adam` (lr, β = (0.9, 0.999), ε = 1e-8) or `sgdm` (undampened heavy ball, μ = 0.9). */
  readonly optimizer: 'adam' | 'sgdm';
  /** Learning rate. */
  readonly lr: number;
}

/** Shared settings of a batch of bigram runs. */
export interface BigramSettings extends ScopeSettings {
  readonly vocab: number;
  readonly dim: number;
  readonly steps: number;
  /** Steps between population-loss evaluations. */
  readonly evalEvery: number;
  /** Heavy-ball momentum. */
  readonly momentum: number;
}

/** What a run returns. */
export interface BigramRunResult {
  /** Per-step minibatch losses. */
  readonly losses: Float64Array;
  /** Exact expected loss every `evalEvery` steps (step, value). */
  readonly population: { step: number; loss: number }[];
  /** The trained parameters and optimizer when `keep` was set (the caller disposes both). */
  readonly checkpoint?: { params: ParamMap; optimizer: Optimizer & RotatedOptimizerApi };
}

/**
 * Trains the bigram model of one seed: initial weights from `rng.stream('init')`, rotation from
 * `rng.stream('rotation')`, the task's shared batches. Every run of a seed starts from the same
 * weights and sees the same batches, so scopes are compared pairwise.
 */
export async function runBigram(
  task: BigramTask,
  rng: Rng,
  s: BigramSettings,
  run: BigramRunSpec,
  signal: AbortSignal,
  options: { keep?: boolean; trackDirection?: boolean; onStep?: (done: number) => void } = {},
): Promise<BigramRunResult> {
  const params = initBigram(rng.stream('init'), s.vocab, s.dim);
  const rot = scopeRotation(params, run.scope, rng.stream('rotation'), s);
  const track = { trackDirection: options.trackDirection ?? false };
  const opt =
    run.optimizer === 'adam'
      ? rotated(Adam, { lr: run.lr }, rot, track)
      : rotated(Momentum, { lr: run.lr, momentum: s.momentum }, rot, track);
  const population: { step: number; loss: number }[] = [];
  try {
    const losses = await trainSteps({
      steps: s.steps,
      signal,
      step: (i) => {
        const { loss, grads } = bigramLossAndGrads(params.tensors(), bigramPairs(task, i), s.vocab);
        opt.step(params, grads);
        tf.dispose(Object.values(grads));
        return loss;
      },
      onRead: (done) => options.onStep?.(done),
      evaluate: {
        every: s.evalEvery,
        fn: async (done) => {
          const l = bigramPopulationLoss(params.tensors(), task.joint);
          population.push({ step: done, loss: (await l.data())[0]! });
          l.dispose();
        },
      },
    });
    if (options.keep) return { losses, population, checkpoint: { params, optimizer: opt } };
    opt.dispose();
    params.dispose();
    return { losses, population };
  } catch (e) {
    opt.dispose();
    params.dispose();
    throw e;
  }
}
