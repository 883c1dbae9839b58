import {
  Adam,
  type CellContext,
  cellSink,
  DivergenceError,
  Momentum,
  type ParamMap,
  type Rng,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type RotatedOptimizer, rotated } from '../rotated-optimizer.js';
import type { RotationScope } from '../rotation.js';
import {
  type BigramTask,
  bigramLossAndGrads,
  bigramPairs,
  bigramPopulationLoss,
  initBigram,
} from './bigram.js';
import { type ScopeSettings, scopeRotation } from './shared.js';

/** The bigram model's size and training budget. */
export interface BigramSetup extends ScopeSettings {
  readonly vocab: number;
  readonly dim: number;
  readonly steps: number;
  /** Steps between exact population-loss evaluations. */
  readonly evalEvery: number;
  /** Heavy-ball momentum μ (m ← μm + g). */
  readonly momentum: number;
}

/** One training run: `adam` (β = (0.9, 0.999), ε = 1e-8) or `sgdm` (undampened heavy ball). */
export interface BigramRun {
  readonly scope: RotationScope;
  readonly optimizer: 'adam' | 'sgdm';
  readonly lr: number;
}

/** A loss curve: `loss` after `step` steps. */
export type LossCurve = { step: number; loss: number }[];

/** What a run returns. */
export interface BigramResult {
  /** Mean minibatch loss of each 25-step window. */
  readonly losses: LossCurve;
  /** Exact expected loss at step 0 and every `evalEvery` steps. */
  readonly population: LossCurve;
  /** The divergence message when the loss became non-finite (the curves stop there). */
  readonly diverged: string | null;
  /** Trained parameters and optimizer when `keep` was set (the caller disposes both). */
  readonly checkpoint?: { params: ParamMap; optimizer: RotatedOptimizer };
}

/**
 * Trains the bigram model: initial weights from `rng.stream('init')`, rotation from
 * `rng.stream('rotation')`, the task's batches. Every run of a seed starts from the same weights and
 * sees the same batches, so scopes are compared pairwise.
 */
export async function trainBigram(
  task: BigramTask,
  rng: Rng,
  s: BigramSetup,
  run: BigramRun,
  ctx: Pick<CellContext, 'signal' | 'progress' | 'log'> | null,
  o: { keep?: boolean; trackDirection?: boolean } = {},
): Promise<BigramResult> {
  const params = initBigram(rng.stream('init'), s.vocab, s.dim);
  const rot = scopeRotation(params, run.scope, rng.stream('rotation'), s);
  const inner =
    run.optimizer === 'adam' ? new Adam({ lr: run.lr }) : new Momentum({ lr: run.lr, momentum: s.momentum });
  const opt = rotated(inner, rot, { trackDirection: o.trackDirection ?? false });
  const population: LossCurve = [];
  const evaluate = async (step: number) => {
    const l = bigramPopulationLoss(params.tensors(), task.joint);
    const loss = (await l.data())[0]!;
    l.dispose();
    population.push({ step, loss });
    return { population: loss };
  };
  let losses: LossCurve = [];
  let diverged: string | null = null;
  try {
    await evaluate(0);
    ctx?.progress.start('training', s.steps);
    const r = await train({
      steps: s.steps,
      checkEvery: 25,
      evalEvery: s.evalEvery,
      evaluate,
      ...(ctx ? { signal: ctx.signal, sink: cellSink(ctx) } : {}),
      onProgress: (p) => ctx?.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
      step: (i) => {
        const { loss, grads } = bigramLossAndGrads(params.tensors(), bigramPairs(task, i), s.vocab);
        try {
          opt.step(params, grads);
        } finally {
          tf.dispose(Object.values(grads));
        }
        return loss;
      },
    });
    losses = r.losses;
  } catch (e) {
    if (!(e instanceof DivergenceError)) {
      opt.dispose();
      params.dispose();
      throw e;
    }
    diverged = e.message;
    ctx?.log(e.step, { diverged: e.message });
  }
  if (o.keep && !diverged) return { losses, population, diverged, checkpoint: { params, optimizer: opt } };
  opt.dispose();
  params.dispose();
  return { losses, population, diverged };
}

/**
 * First step at which the running minimum of `c` reaches `target`, interpolating linearly between
 * evaluations; Infinity when it never does.
 */
function reach(c: LossCurve, target: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < c.length; i++) {
    const next = Math.min(best, c[i]!.loss);
    if (next <= target) {
      if (i === 0) return c[0]!.step;
      const f = (best - target) / (best - next);
      return c[i - 1]!.step + f * (c[i]!.step - c[i - 1]!.step);
    }
    best = next;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Training slowdown of `run` against `base` (the paper's Fig. 1 reading: the extra fraction of steps
 * a rotated run needs to reach the same loss), on the exact population loss and its running minimum,
 * so minibatch noise cannot decide it. The target is the worse of the two runs' best losses, which
 * both reach: slowdown = (steps `run` takes to reach it) / (steps `base` takes) − 1, so 0 for the same
 * curve, > 0 when slower, < 0 when faster. Infinity when the run never improved on its starting loss.
 */
export function slowdown(base: LossCurve, run: LossCurve): number {
  const runBest = Math.min(...run.map((p) => p.loss));
  if (runBest >= run[0]!.loss) return Number.POSITIVE_INFINITY;
  const target = Math.max(runBest, Math.min(...base.map((p) => p.loss)));
  return reach(run, target) / reach(base, target) - 1;
}

/** Population curves of unrotated runs, per process: every rotated cell of a seed compares to it. */
const baselines = new Map<string, Promise<LossCurve>>();

/**
 * The population curve of the unrotated run with the same optimizer, learning rate, setup, seed and
 * backend as `run` (`ctx` names the last two). Computed once per process and reused by the other cells
 * (a recomputation gives the same numbers: same seed, streams and backend), so a resumed run that
 * reuses the unrotated cell from disk still gets its curve. The unrotated cell passes its own curve.
 */
export function baselineCurve(
  task: BigramTask,
  s: BigramSetup,
  run: BigramRun,
  ctx: Pick<CellContext, 'seed' | 'rng' | 'backend'>,
  own?: LossCurve,
): Promise<LossCurve> {
  const { include: _, ...setup } = s;
  const k = JSON.stringify([ctx.seed, ctx.backend.label, setup, run.optimizer, run.lr]);
  let p = baselines.get(k);
  if (own) p = Promise.resolve(own);
  else if (!p) {
    p = trainBigram(task, ctx.rng, s, { ...run, scope: 'none' }, null).then((r) => r.population);
    p.catch(() => baselines.delete(k));
  } else return p;
  if (baselines.size >= 16) baselines.delete(baselines.keys().next().value!);
  baselines.set(k, p);
  return p;
}
