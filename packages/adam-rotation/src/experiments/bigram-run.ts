import {
  Adam,
  type BarsOptions,
  bars,
  type CellContext,
  DivergenceError,
  Momentum,
  type Rng,
  train,
  trainInCell,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BigramTask,
  bigramLossAndGrads,
  bigramPairs,
  bigramPopulationLoss,
  bigramTask,
  initBigram,
} from '../bigram.js';
import { rotated } from '../rotated-optimizer.js';
import type { RotationScope } from '../rotation.js';
import { type LossCurve, slowdown } from '../slowdown.js';
import { type ScopeSettings, scopeRotation, tailMean } from './shared.js';

/** The bigram model's size and budget: exact loss every `evalEvery` steps; heavy ball m ← μm + g. */
export type BigramSetup = ScopeSettings &
  Readonly<{ vocab: number; dim: number; steps: number; evalEvery: number; momentum: number }>;

/** One training run: `adam` (β = (0.9, 0.999), ε = 1e-8) or `sgdm` (undampened heavy ball). */
export type BigramRun = Readonly<{ scope: RotationScope; optimizer: 'adam' | 'sgdm'; lr: number }>;

/**
 * Trains the bigram model: initial weights from `rng.stream('init')`, rotation from
 * `rng.stream('rotation')`, the task's batches. Every run of a seed starts from the same weights and
 * sees the same batches, so scopes are compared pairwise. Returns the mean minibatch loss of each
 * 25-step window, the exact expected loss at step 0 and every `evalEvery` steps, the divergence message
 * (the curves stop there), and with `keep` the trained parameters, optimizer and step function (the
 * caller disposes the first two).
 */
export async function trainBigram(
  task: BigramTask,
  rng: Rng,
  s: BigramSetup,
  run: BigramRun,
  ctx: Pick<CellContext, 'signal' | 'progress' | 'log'> | null,
  o: { keep?: boolean; trackDirection?: boolean } = {},
) {
  const params = initBigram(rng.stream('init'), s.vocab, s.dim);
  const rot = scopeRotation(params, run.scope, rng.stream('rotation'), s);
  const inner =
    run.optimizer === 'adam' ? new Adam({ lr: run.lr }) : new Momentum({ lr: run.lr, momentum: s.momentum });
  const opt = rotated(inner, rot, { trackDirection: o.trackDirection ?? false });
  const population: LossCurve = [];
  const step = (i: number) => {
    const { loss, grads } = bigramLossAndGrads(params.tensors(), bigramPairs(task, i), s.vocab);
    try {
      opt.step(params, grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
    return loss;
  };
  const evaluate = async (step: number) => {
    const l = bigramPopulationLoss(params.tensors(), task.joint);
    const loss = (await l.data())[0]!;
    l.dispose();
    population.push({ step, loss });
    return { population: loss };
  };
  let losses: LossCurve = [];
  let diverged: string | null = null;
  let kept = false;
  try {
    await evaluate(0);
    const t = { steps: s.steps, checkEvery: 25, evalEvery: s.evalEvery, evaluate, step };
    losses = (await (ctx ? trainInCell(ctx, t) : train(t))).losses;
    kept = o.keep === true;
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    diverged = e.message;
    ctx?.log(e.step, { diverged: e.message });
  } finally {
    if (!kept) {
      opt.dispose();
      params.dispose();
    }
  }
  return { losses, population, diverged, ...(kept ? { checkpoint: { params, optimizer: opt, step } } : {}) };
}

/** Population curves of unrotated runs, per process: every rotated cell of a seed compares to it. */
const baselines = new Map<string, Promise<LossCurve>>();

/**
 * The population curve of the unrotated run with the same optimizer, learning rate, setup, seed and
 * backend as `run` (`ctx` names the last two). Computed once per process and reused by the other cells
 * (a recomputation gives the same numbers: same seed, streams and backend), so a resumed run that
 * reuses the unrotated cell from disk still gets its curve. The unrotated cell passes its own curve.
 */
function baselineCurve(
  task: BigramTask,
  s: BigramSetup,
  run: BigramRun,
  ctx: Pick<CellContext, 'seed' | 'rng' | 'backend'>,
  own?: LossCurve,
): Promise<LossCurve> {
  const { include: _, ...setup } = s;
  const k = JSON.stringify([ctx.seed, ctx.backend.label, setup, run.optimizer, run.lr]);
  if (own || !baselines.has(k)) {
    if (baselines.size >= 16) baselines.delete(baselines.keys().next().value!);
    const p = own
      ? Promise.resolve(own)
      : trainBigram(task, ctx.rng, s, { ...run, scope: 'none' }, null).then((r) => r.population);
    p.catch(() => baselines.delete(k));
    baselines.set(k, p);
  }
  return baselines.get(k)!;
}

/** The bigram setting of a cell: sizes, data and the final-loss window. */
export type BigramCellSetup = BigramSetup & Readonly<{ exponent: number; batch: number; lastSteps: number }>;

/** The metrics of a {@link bigramCell}. */
export const BIGRAM_METRICS = {
  finalLoss: { label: 'final loss, last steps (nats)', better: 'lower', digits: 4 },
  populationLoss: { label: 'final exact expected loss (nats)', better: 'lower', digits: 4 },
  lossVsNone: { label: 'final exact loss minus the unrotated run (nats)', better: 'lower', digits: 4 },
  slowdown: { label: 'slowdown vs unrotated (extra steps)', digits: 2 },
} as const;

const nan = Number.NaN;
const DIVERGED = { finalLoss: nan, populationLoss: nan, lossVsNone: nan, slowdown: nan };

/**
 * One bigram cell at `ctx.seed`: the task from `ctx.rng.stream('data')`, the run, and its comparison
 * with the unrotated run of the same seed (trained under `baseSetup`): the {@link BIGRAM_METRICS} and
 * the curve `excess` of the exact loss above the entropy floor per evaluation. Metrics are NaN once
 * the run diverged (`diverged` says why).
 */
export async function bigramCell(c: BigramCellSetup, run: BigramRun, ctx: CellContext, baseSetup = c) {
  const task = bigramTask(ctx.rng.stream('data'), c.vocab, c.exponent, c.steps, c.batch);
  try {
    const r = await trainBigram(task, ctx.rng, c, run, ctx);
    const pop = r.population;
    const series = { excess: { x: pop.map((p) => p.step), y: pop.map((p) => p.loss - task.floor) } };
    if (r.diverged) return { diverged: r.diverged, result: { metrics: DIVERGED, series } };
    const own = run.scope === 'none' && baseSetup === c ? pop : undefined;
    const base = await baselineCurve(task, baseSetup, run, ctx, own);
    const populationLoss = pop.at(-1)!.loss;
    const metrics = {
      finalLoss: tailMean(r.losses, c.lastSteps),
      populationLoss,
      lossVsNone: populationLoss - base.at(-1)!.loss,
      slowdown: slowdown(base, pop),
    };
    return { diverged: null, result: { metrics, series } };
  } finally {
    task.joint.dispose();
  }
}

/** Bars of the {@link bigramCell} slowdown, one per value of `more.by`. */
export const slowdownBars = (title: string, more: BarsOptions) =>
  bars(
    'slowdown',
    title,
    'Extra fraction of steps the rotated run needs to reach the same exact loss as the unrotated one (0 = as fast; negative = faster)',
    'slowdown',
    'slowdown (extra steps / steps)',
    more,
  );
