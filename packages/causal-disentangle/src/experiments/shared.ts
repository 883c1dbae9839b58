import {
  type CellContext,
  type CellResult,
  cellSink,
  type MatrixData,
  type MetricSpec,
  type PaperRef,
  type XY,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { fitMechanismSparsity } from '../fit/fit.js';
import type { SparsityOptions } from '../fit/sparsity.js';
import { edgeCount } from '../graphs/graph.js';
import { SMALL_ARCHITECTURE } from '../model/architecture.js';
import type { SyntheticDataset } from '../synthetic/dataset.js';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title:
    'Nonparametric Partial Disentanglement via Mechanism Sparsity: Sparse Actions, Interventions and Sparse Temporal Dependencies',
  authors: 'Lachapelle, López, Sharma, Everett, Le Priol, Lacoste, Lacoste-Julien',
  venue: 'arXiv',
  year: 2024,
  url: 'https://arxiv.org/abs/2401.04890',
};

/** Where the `reference-code` numbers come from. */
export const REFERENCE_LOGS =
  'run logs of the reference code (slachapelle/disentanglement_via_mechanism_sparsity, results/JMLR): d_z = 10, 300k steps, mean of 5 seeds';

/**
 * How a cell treats the masks: `constraint` (the method: ‖Ĝ‖₀ ≤ ‖G‖₀ with the bound annealed from the
 * number of possible edges, the reference's `--set_constraint_to_gt`), `unregularised` (masks frozen at
 * all-ones, the paper's baseline), `penalty` (c·R/d_x), `oracle` (masks fixed to the true graph, the
 * reference's `--set_gc_mask_to_gt`).
 */
export const METHODS = ['constraint', 'unregularised', 'penalty', 'oracle'] as const;

/** One of {@link METHODS}. */
export type Method = (typeof METHODS)[number];

/** Training settings shared by the trained experiments (fields of their config schemas). */
export const trainingFields = {
  /** Methods compared (cells). */
  methods: z.array(z.enum(METHODS)).min(1),
  /** d_z (the number of true and learned latents). */
  latentDim: z.int().min(2).max(10_000),
  /** d_x (≥ d_z). */
  observedDim: z.int().min(2).max(10_000),
  /** Training samples (the reference: 800 000). */
  trainSize: z.int().min(64).max(1_000_000),
  /** Held-out samples scored by the metrics (the reference: ≤ 100 000 of the test split). */
  testSize: z.int().min(16).max(1_000_000),
  /** Optimisation steps (the reference: 300 000). */
  steps: z.int().min(1).max(1_000_000),
  /** Minibatch size (the reference: 1024). */
  batchSize: z.int().min(1).max(100_000),
  /** Adam learning rate of the networks (the reference: 5e-4). */
  lr: z.number().positive().max(10),
  /** Adam learning rate of the mask logits (the reference: lr). */
  maskLr: z.number().positive().max(10),
  /** Dual step size η_d of the constraint (the reference: lr). */
  dualLr: z.number().positive().max(100),
  /** Fraction of the steps over which the bound anneals (the reference: 150 000 of 300 000). */
  annealFraction: z.number().min(0).max(1),
  /** Fraction of the steps the bound is held at the number of possible edges first (the reference: 0). */
  holdFraction: z.number().min(0).max(1),
  /** Penalty coefficient c of the `penalty` method. */
  penalty: z.number().min(0).max(1e6),
  /** Hidden widths of encoder and decoder (the reference: 6×512). */
  encoderHidden: z.array(z.int().min(1)),
  /** Hidden widths of each latent's transition network (the reference: 5×512). */
  transitionHidden: z.array(z.int().min(1)).min(1),
  /** Steps between evaluations of the MCC curve. */
  evalEvery: z.int().min(1).max(1_000_000),
};

/**
 * Optional knobs of the estimator and of the dual update (fields of a config schema that wants them;
 * {@link trainCell} uses the reference's values for absent ones).
 */
export const estimatorFields = {
  /** Weight β of the KL term (the reference: 1). */
  beta: z.number().positive().max(1000),
  /** Initial mask logit log α of every edge (the reference: 5, σ(5) = 0.993). */
  maskLogitInit: z.number().min(-20).max(20),
  /**
   * Learn the prior variances v_i (the reference's default `--var_p_mode independent`) or fix them at
   * `priorVariance` (`--var_p_mode fixed`).
   */
  learnPriorVariance: z.boolean(),
  /** Initial (or fixed) prior variance v_i (the reference: 1e-4). */
  priorVariance: z.number().positive().max(100),
  /** Gumbel-sigmoid temperature τ (the reference: 1). */
  gumbelTemperature: z.number().positive().max(100),
  /**
   * Straight-through mask samples, hard forward and soft backward (the reference: off, `--drawhard` on).
   * Optional, so configs without it keep their hash.
   */
  straightThrough: z.boolean().optional(),
  /** Dual update of the constraint: the reference's gradient ascent, or νPI (proportional gain `dualKp`). */
  dualMethod: z.enum(['gradientAscent', 'nupi']),
  /** νPI proportional gain κ_p (`dualMethod: "nupi"` only; 0 is gradient ascent). */
  dualKp: z.number().min(0).max(1e4),
  /**
   * Candidates of the restart selection by held-out ELBO for the learned-mask methods (`constraint`,
   * `penalty`); 1 is a single run (the reference). No ground truth is used to select.
   */
  restarts: z.int().min(1).max(100),
  /** Fraction of the steps each restart candidate trains before the selection (the winner continues). */
  screenFraction: z.number().gt(0).max(1),
  /** Held-out samples (a `valid` split) scored by the restart selection. */
  validSize: z.int().min(16).max(1_000_000),
};

/** The values of {@link estimatorFields} (each optional). */
export type EstimatorSettings = {
  readonly [K in keyof typeof estimatorFields]?: z.output<(typeof estimatorFields)[K]>;
};

/**
 * The training settings every trained experiment starts from (the reference's defaults at this scale):
 * each experiment's base spreads it and sets only its sizes and penalty.
 */
export const TRAINING_BASE = {
  steps: 8000,
  batchSize: 256,
  lr: 1e-3,
  maskLr: 1e-2,
  dualLr: 0.01,
  annealFraction: 0.5,
  holdFraction: 0,
  encoderHidden: [64, 64],
  transitionHidden: [32, 32],
  evalEvery: 500,
};

export type TrainingSettings = {
  readonly [K in keyof typeof trainingFields]: z.output<(typeof trainingFields)[K]>;
};

/** The metrics every trained cell returns. */
export const TRAINED_METRICS = {
  mcc: { label: 'MCC (Pearson)', better: 'higher', digits: 3 },
  mccSpearman: { label: 'MCC (Spearman)', better: 'higher', digits: 3 },
  consistentR: { label: 'consistent R', better: 'higher', digits: 3 },
  r: { label: 'R (linear, all latents)', better: 'higher', digits: 3 },
  shd: { label: 'SHD (aligned)', better: 'lower', digits: 0 },
  edges: { label: 'learned edges', digits: 0 },
  lambda: { label: 'final λ', digits: 3 },
  loss: { label: 'final loss', better: 'lower', digits: 3 },
} as const satisfies Record<string, MetricSpec>;

/** Metrics of a trained cell. */
export type TrainedMetric = keyof typeof TRAINED_METRICS;

/** A graph or matrix as plot data (`row<i>` × `col<j>` labels). */
export function matrixData(
  g: { rows: number; cols: number; data: ArrayLike<number> },
  rowLabel: string,
  colLabel: string,
): MatrixData {
  return {
    rows: g.rows,
    cols: g.cols,
    values: Array.from(g.data),
    rowLabels: Array.from({ length: g.rows }, (_, i) => `${rowLabel}${i}`),
    colLabels: Array.from({ length: g.cols }, (_, j) => `${colLabel}${j}`),
  };
}

/** Points plotted per latent in the true-vs-learned scatter. */
const SCATTER_POINTS = 250;

/** Prefix of the scatter series (`latent:z<i>`). */
export const LATENT_SERIES = 'latent:';

/**
 * Trains one cell on a synthetic dataset (splits `train` and `test`) and scores the encoder on the test
 * split (both steps of temporal pairs, as the reference). The model is initialised from
 * `ctx.rng.stream('train')`, so every method of a seed starts from the same weights and minibatches.
 */
export async function trainCell(
  ds: SyntheticDataset,
  method: Method,
  s: TrainingSettings & EstimatorSettings,
  ctx: CellContext,
): Promise<CellResult<TrainedMetric>> {
  const tr = ds.splits.train!;
  const te = ds.splits.test!;
  const kind = ds.setting;
  const dx = ds.observedDim;
  const d = ds.latentDim;
  const data =
    kind === 'action'
      ? {
          observations: { rows: tr.count, cols: dx, data: tr.x },
          actions: { rows: tr.count, cols: ds.actionDim, data: tr.actions! },
        }
      : temporalPairs(tr.x, tr.count, dx);
  const sparsity: SparsityOptions =
    method === 'constraint'
      ? {
          kind: 'constraint',
          [kind]: edgeCount(ds.graph),
          annealSteps: Math.round(s.annealFraction * s.steps),
          holdSteps: Math.round(s.holdFraction * s.steps),
          dual:
            s.dualMethod === 'nupi' ? { method: 'nupi', lr: s.dualLr, kp: s.dualKp ?? 0 } : { lr: s.dualLr },
        }
      : method === 'penalty'
        ? { kind: 'penalty', [kind]: s.penalty }
        : { kind: 'none' };
  const masks =
    method === 'unregularised' ? { [kind]: 'ones' } : method === 'oracle' ? { [kind]: ds.graph } : {};
  const test = { rows: te.count * ds.steps, cols: dx, data: te.x };
  const count = method === 'constraint' || method === 'penalty' ? (s.restarts ?? 1) : 1;
  const va = ds.splits.valid;
  const restarts =
    count > 1
      ? {
          count,
          screenSteps: Math.max(1, Math.round((s.screenFraction ?? 1) * s.steps)),
          ...(va
            ? {
                validation:
                  kind === 'action'
                    ? {
                        observations: { rows: va.count, cols: dx, data: va.x },
                        actions: { rows: va.count, cols: ds.actionDim, data: va.actions! },
                      }
                    : temporalPairs(va.x, va.count, dx),
              }
            : {}),
        }
      : undefined;
  ctx.progress.start(method, s.steps);
  const fit = await fitMechanismSparsity(data, {
    latentDim: d,
    sparsity,
    masks,
    architecture: {
      ...SMALL_ARCHITECTURE,
      encoderHidden: s.encoderHidden,
      decoderHidden: s.encoderHidden,
      transitionHidden: s.transitionHidden,
      ...(s.beta !== undefined ? { beta: s.beta } : {}),
      ...(s.maskLogitInit !== undefined ? { maskLogitInit: s.maskLogitInit } : {}),
      ...(s.gumbelTemperature !== undefined ? { gumbelTemperature: s.gumbelTemperature } : {}),
      ...(s.straightThrough !== undefined ? { straightThrough: s.straightThrough } : {}),
      ...(s.learnPriorVariance !== undefined ? { learnPriorVariance: s.learnPriorVariance } : {}),
      ...(s.priorVariance !== undefined ? { priorVarianceInit: s.priorVariance } : {}),
    },
    ...(restarts ? { restarts } : {}),
    steps: s.steps,
    batchSize: s.batchSize,
    lr: s.lr,
    maskLr: s.maskLr,
    rng: ctx.rng.stream('train'),
    evaluation: {
      observations: test,
      latents: { rows: test.rows, cols: d, data: te.z },
      graphs: ds.graphs,
      every: s.evalEvery,
    },
    checkEvery: 50,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
    sink: cellSink(ctx),
  });
  try {
    if (fit.selection)
      ctx.log(s.steps, {
        selected: fit.selection.chosen,
        ...Object.fromEntries(fit.selection.losses.map((l, r) => [`heldOutLoss_${r}`, l])),
      });
    const sc = fit.scores!;
    const trace = fit.constraintTrace[kind] ?? [];
    const series: Record<string, XY> = {
      mcc: { x: fit.evaluations.map((e) => e.step), y: fit.evaluations.map((e) => e.mcc) },
      consistentR: { x: fit.evaluations.map((e) => e.step), y: fit.evaluations.map((e) => e.consistentR!) },
      loss: { x: fit.losses.map((l) => l.step), y: fit.losses.map((l) => l.loss) },
      ...(trace.length > 0
        ? {
            'expected edges R': { x: trace.map((r) => r.step), y: trace.map((r) => r.edges) },
            'bound b_t': { x: trace.map((r) => r.step), y: trace.map((r) => r.bound) },
          }
        : {}),
      ...latentScatter(te.z, fit.encode(test).data, sc.assignment, d, Math.min(SCATTER_POINTS, test.rows)),
    };
    const other = kind === 'action' ? 'a' : 'z';
    return {
      metrics: {
        mcc: sc.mcc,
        mccSpearman: sc.mccSpearman,
        consistentR: sc.consistentR!,
        r: sc.r,
        shd: sc.shd!.total,
        edges: edgeCount(fit.graphs[kind]!),
        lambda: fit.multipliers[kind] ?? 0,
        loss: fit.losses.at(-1)!.loss,
      },
      series,
      matrices: {
        trueGraph: matrixData(ds.graph, 'z', other),
        learnedGraph: matrixData(sc.shd!.aligned[kind]!, 'z', other),
        edgeProbabilities: matrixData(
          alignProbabilities(fit.probabilities[kind]!, sc.assignment, kind),
          'z',
          other,
        ),
        pattern: matrixData(sc.pattern!, 'z', 'ẑ'),
      },
    };
  } finally {
    fit.dispose();
  }
}

/**
 * For each true latent z_i, the points (z_i, ẑ_π(i)) with ẑ standardised and its sign matched to z_i,
 * so an identified latent is a thin increasing curve and an entangled one a cloud.
 */
function latentScatter(
  z: ArrayLike<number>,
  zHat: ArrayLike<number>,
  assignment: ArrayLike<number>,
  d: number,
  n: number,
): Record<string, XY> {
  const out: Record<string, XY> = {};
  for (let i = 0; i < d; i++) {
    const j = assignment[i]!;
    const x = Array.from({ length: n }, (_, r) => z[r * d + i]!);
    const y = Array.from({ length: n }, (_, r) => zHat[r * d + j]!);
    const mx = x.reduce((a, b) => a + b, 0) / n;
    const my = y.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let syy = 0;
    for (let r = 0; r < n; r++) {
      sxy += (x[r]! - mx) * (y[r]! - my);
      syy += (y[r]! - my) ** 2;
    }
    const scale = (sxy < 0 ? -1 : 1) / Math.sqrt(syy / n || 1);
    out[`${LATENT_SERIES}z${i}`] = { x, y: y.map((v) => (v - my) * scale) };
  }
  return out;
}

/** Edge probabilities in the true latent order (rows, and columns for a temporal graph). */
function alignProbabilities(
  p: { rows: number; cols: number; data: ArrayLike<number> },
  assignment: ArrayLike<number>,
  kind: 'action' | 'temporal',
): { rows: number; cols: number; data: Float64Array } {
  const out = new Float64Array(p.rows * p.cols);
  for (let i = 0; i < p.rows; i++)
    for (let j = 0; j < p.cols; j++) {
      const col = kind === 'temporal' ? assignment[j]! : j;
      out[i * p.cols + j] = p.data[assignment[i]! * p.cols + col]!;
    }
  return { rows: p.rows, cols: p.cols, data: out };
}

/** Splits [n, 2, d_x] pairs into the estimator's previous/current observation matrices. */
function temporalPairs(x: Float32Array, n: number, dx: number) {
  const prev = new Float32Array(n * dx);
  const cur = new Float32Array(n * dx);
  for (let r = 0; r < n; r++) {
    prev.set(x.subarray(2 * r * dx, (2 * r + 1) * dx), r * dx);
    cur.set(x.subarray((2 * r + 1) * dx, (2 * r + 2) * dx), r * dx);
  }
  return { observations: { rows: n, cols: dx, data: cur }, previous: { rows: n, cols: dx, data: prev } };
}
