import {
  Adam,
  type CellContext,
  type CellResult,
  type CurvesOptions,
  curves,
  type LinesView,
  mean,
  type PaperRef,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { DifferentiableGame, type DifferentiableGameOptions } from '../diff/episode.js';
import { ARCHITECTURES, createPredictor } from '../diff/predictors.js';
import { type TrainingObjective, type TrainingRun, trainPredictor } from '../diff/train.js';
import { CRD } from '../game/crd.js';
import { barabasiAlbertNetworkx } from '../graph/barabasi-albert.js';

export { derived, qualitative } from '@paperkit/tensor-core';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Performative Prediction on Games and Mechanism Design',
  authors: 'Góis, Mofakhami, Santos, Gidel, Lacoste-Julien',
  venue: 'AISTATS 2025',
  year: 2025,
  url: 'https://arxiv.org/abs/2408.05146',
};

/** `[lo, lo + 1, …, hi]`. */
export const range = (lo: number, hi: number): number[] =>
  Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);

/** A claim id fragment for a number: `0.5` → `05`. */
export const tag = (x: number): string => String(x).replace('.', '');

/** Config fields of the training experiments, defaulting to the reference `train.py` values. */
export const trainingFields = {
  epochs: z.int().min(1).max(10_000).default(200), // one episode and one Adam step each
  lr: z.number().positive().max(1).default(1e-4), // Adam's learning rate
  embeddingDim: z.int().min(1).max(10_000).nullable().default(null), // per agent; null: the reference's (mlp 128, gnn 512)
  width: z.int().min(1).max(10_000).nullable().default(null), // of the hidden layers; null: the reference's 512
  n: z.int().min(3).max(200).default(20), // agents of the Barabási–Albert graph
  m: z.int().min(1).max(10_000).default(2), // BA attachment, below n
  graphSeed: z.int().min(0).nullable().default(0), // networkx seed of the graph; null: the run's seed (as `train.py`)
  rounds: z.int().min(1).max(1000).default(20), // per episode
  r: z.number().min(0).max(1).default(0.4), // risk
  c: z.number().min(0).max(1e6).default(0.2), // cooperation cost
  alpha: z.number().gt(0).lt(1).default(0.8), // innate belief that a neighbour cooperates
  priorTrust: z.number().min(0).max(1).default(0.5), // τ₀
  threshold: z.number().gt(0).max(1).default(0.5), // T, the fraction of a group that must cooperate
  architecture: z.enum(ARCHITECTURES).default('mlp'), // of the predictor
};

/** Quick presets train narrower networks with a 10× step, so that tens of epochs (not 200) show the effect. */
export const QUICK_TRAINING = { epochs: 60, lr: 1e-3, embeddingDim: 32, width: 128 };

type TrainingConfig = { readonly [K in keyof typeof trainingFields]: z.output<(typeof trainingFields)[K]> };

/** Gradient options of the differentiable game (the ablations). */
export type GameFlags = Pick<
  DifferentiableGameOptions,
  'blockTrustGrad' | 'blockPrevTrust' | 'trustEstimate'
>;

/** The BA graph (networkx seed `graphSeed`, else the run's seed, as `train.py`) and the CRD of the config. */
export function crdOn(cfg: TrainingConfig, seed: number) {
  const graph = barabasiAlbertNetworkx(cfg.n, cfg.m, cfg.graphSeed ?? seed);
  return { graph, crd: new CRD({ e: 1, r: cfg.r, c: cfg.c, threshold: cfg.threshold }) };
}

/**
 * Trains one predictor for `objective` at the cell's seed (a cell that varies the threshold or the
 * architecture passes them in `cfg`) and returns its metrics at the epoch the reference reports, means
 * over the last quarter of epochs, and per-epoch curves. Every cell of a seed draws its initial weights
 * from the same `model` stream, so objectives and ablations start from the same network, as
 * `torch.manual_seed(seed)` makes them in the reference.
 */
export async function trainCell(
  cfg: TrainingConfig,
  objective: TrainingObjective,
  ctx: CellContext,
  flags: GameFlags = {},
): Promise<CellResult<keyof typeof TRAINING_METRICS>> {
  const { graph, crd } = crdOn(cfg, ctx.seed);
  const { alpha, priorTrust, rounds } = cfg;
  const game = new DifferentiableGame({ graph, crd, alpha, priorTrust, rounds, ...flags });
  const predictor = createPredictor(cfg.architecture, graph, ctx.rng.stream('model'), {
    ...(cfg.embeddingDim === null ? {} : { embeddingDim: cfg.embeddingDim }),
    ...(cfg.width === null ? {} : { width: cfg.width }),
    dropoutRng: ctx.rng.stream('dropout'),
  });
  const optimizer = new Adam({ lr: cfg.lr });
  ctx.progress.start(objective, cfg.epochs);
  try {
    const run = await trainPredictor({
      game,
      predictor,
      objective,
      epochs: cfg.epochs,
      optimizer,
      signal: ctx.signal,
      onEpoch: ({ epoch, welfare, accuracy, cooperation, loss }) => {
        ctx.log(epoch, { welfare, accuracy, cooperation, loss });
        ctx.progress.update(epoch + 1, `welfare ${welfare.toFixed(3)}`);
      },
    });
    return runResult(run, objective);
  } finally {
    optimizer.dispose();
    predictor.dispose();
    game.dispose();
  }
}

/** The metrics of every training experiment. */
const TRAINING_METRICS = {
  welfare: { label: 'successful groups (selected epoch)', better: 'higher', digits: 3 },
  accuracy: { label: 'accuracy (selected epoch)', better: 'higher', digits: 3 },
  cooperation: { label: 'cooperators (selected epoch)', digits: 3 },
  finalWelfare: { label: 'successful groups, last quarter of epochs', better: 'higher', digits: 3 },
  finalCooperation: { label: 'cooperators, last quarter of epochs', digits: 3 },
} as const;

/** The experiment fields every training experiment shares. */
export const TRAINING = { paper: PAPER, metrics: TRAINING_METRICS } as const;

function runResult(run: TrainingRun, objective: TrainingObjective) {
  const h = run.history;
  // `FullStats`' epoch, except for multitask: the reference ranks its fronts by their best welfare ×
  // accuracy, a front point by construction.
  const pick =
    objective === 'multitask'
      ? h.reduce((b, e) => (e.welfare * e.accuracy > b.welfare * b.accuracy ? e : b))
      : h[run.best]!;
  const tail = h.slice(Math.floor(h.length * 0.75));
  const curve = (k: keyof typeof CURVE_LABEL) => ({ x: h.map((e) => e.epoch), y: h.map((e) => e[k]) });
  const { welfare, accuracy, cooperation } = pick;
  const finalWelfare = mean(tail.map((e) => e.welfare));
  const finalCooperation = mean(tail.map((e) => e.cooperation));
  return {
    metrics: { welfare, accuracy, cooperation, finalWelfare, finalCooperation },
    series: { welfare: curve('welfare'), accuracy: curve('accuracy'), cooperation: curve('cooperation') },
  };
}

const CURVE_LABEL = {
  welfare: 'fraction of successful groups',
  accuracy: 'accuracy',
  cooperation: 'proportion of cooperators',
};

/** A per-epoch curve of the training runs, one line per cell (or per value of `by`). */
export const epochCurves = (
  series: keyof typeof CURVE_LABEL,
  title: string,
  more: CurvesOptions = {},
): LinesView =>
  curves(
    `${series}-curves`,
    title,
    `The ${CURVE_LABEL[series]} of each epoch’s episode`,
    series,
    { label: CURVE_LABEL[series], domain: [0, 1] },
    { x: 'epoch', ...more },
  );
