/**
 * `nino/speedup` (headline): steps for Adam to reach a fixed validation-loss target, with and without
 * periodic nowcasts (Knyazev et al. 2025, the steps-to-target protocol, scaled to a 2-core CPU: T = 5000
 * steps, a nowcast every 500 steps from 5 snapshots 100 steps apart, k decaying 40 → 1).
 */
import {
  type CellContext,
  type CellResult,
  type Claim,
  defineExperiment,
  grid,
  maxOver,
  type PlotView,
  Rng,
  ratio,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import type { NinoModel } from '../model/model.js';
import { type PreparedNowcast, prepareNowcast } from '../nowcast/nowcast.js';
import { shippedCheckpoint } from './checkpoints.js';
import { type RunResult, stepsToTarget, trainWithNowcasts } from './nowcast-training.js';
import { calibration, PAPER, qualitative, slug } from './shared.js';
import { makeTask, SPEEDUP_TASKS, type SpeedupTask } from './tasks.js';

/**
 * Methods compared: plain Adam; linefit (constant k, default 1); WNN+ and NiNo meta-trained by this
 * package (`wnn_plus_small`, `nino_small`); the paper's public checkpoints (`nino_no_posw` GNN,
 * `nino_mlp` WNN+), used zero-shot.
 */
export const SPEEDUP_METHODS = ['adam', 'linefit', 'wnn+', 'nino', 'nino-public', 'wnn+-public'] as const;

/** A method of the speed-up study. */
export type SpeedupMethod = (typeof SPEEDUP_METHODS)[number];

const task = z.enum(SPEEDUP_TASKS);

/** Configuration of `nino/speedup`. */
export const speedupSchema = z.strictObject({
  /** Tasks (rows of the study). */
  tasks: z.array(task).min(1),
  /** Methods (columns). */
  methods: z.array(z.enum(SPEEDUP_METHODS)).min(1),
  /** Training steps T. */
  steps: z.number().int().min(10).max(1_000_000),
  /** Steps between nowcasts P (a multiple of `context`). */
  period: z.number().int().min(2).max(1_000_000),
  /** Snapshots per nowcast c (the checkpoints' ctx is 5). */
  context: z.number().int().min(2).max(10_000),
  /** Largest horizon K of the schedule and its decay power p. */
  maxHorizon: z.number().int().min(1).max(10_000),
  decay: z.number().positive().max(1e6),
  /** Multiplier of NiNo's and WNN+'s predicted change (the official `upd_scale`). */
  updateScale: z.number().positive().max(1e6),
  /** Constant k of linefit. */
  linefitK: z.number().int().min(1).max(1_000_000),
  /** Adam learning rate (no weight decay). */
  lr: z.number().positive().max(10),
  /** Minibatch size. */
  batchSize: z.number().int().min(1).max(100_000),
  /** Steps between validation evaluations. */
  evalEvery: z.number().int().min(1).max(1_000_000),
  /** Seed of the tasks' datasets (teachers, inputs, text), fixed across the run seeds. */
  taskSeed: z.number().int().min(0),
  /** Teacher-task training and validation sizes. */
  trainSize: z.number().int().min(64).max(1_000_000),
  valSize: z.number().int().min(16).max(1_000_000),
  /** Validation-loss target per task (fixed, like the paper's per-task targets). */
  targets: z.record(task, z.number().positive()),
  /** A second, harder target per task: Adam's own final level (the paper's "reach Adam's final metric"). */
  finalTargets: z.record(task, z.number().positive()),
});

/** A resolved configuration. */
export type SpeedupConfig = z.output<typeof speedupSchema>;

/**
 * Adam's mean validation loss over the last 15% of T (5000 steps) on calibration seeds 1000–1004,
 * which the runner's seeds do not use (wasm+blas; our calibration, see the README).
 */
export const ADAM_FINAL_LOSS: Record<SpeedupTask, number> = {
  id: 0.709,
  wide: 0.619,
  deep: 0.717,
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: a calibrated loss, not log10(e)
  'relu-teacher': 0.434,
  mnist: 0.221,
  transformer: 1.245,
};

/** Targets: Adam's final level + 0.01 (our scaled protocol's choice; the paper fixed a target per task). */
export const SPEEDUP_TARGETS: Record<SpeedupTask, number> = Object.fromEntries(
  Object.entries(ADAM_FINAL_LOSS).map(([k, v]) => [k, Math.round((v + 0.01) * 1000) / 1000]),
) as Record<SpeedupTask, number>;

/** Full preset: every task and method, T = 5000, P = 500, c = 5. */
export const speedupBase: SpeedupConfig = {
  tasks: [...SPEEDUP_TASKS],
  methods: [...SPEEDUP_METHODS],
  steps: 5000,
  period: 500,
  context: 5,
  maxHorizon: 40,
  decay: 2,
  updateScale: 1,
  linefitK: 1,
  lr: 1e-3,
  batchSize: 64,
  evalEvery: 50,
  taskSeed: 14,
  trainSize: 16_000,
  valSize: 2_000,
  targets: SPEEDUP_TARGETS,
  finalTargets: ADAM_FINAL_LOSS,
};

/**
 * Quick preset (`paperkit repro`, ≈ 2 × 10 s per seed with BLAS): the in-distribution task, Adam
 * against this package's NiNo-small. The full preset adds the OOD tasks and the other nowcasters.
 */
export const speedupQuick: Partial<SpeedupConfig> = { tasks: ['id'], methods: ['adam', 'nino'] };

/** One cell: a method on a task. */
export interface SpeedupCell {
  readonly method: SpeedupMethod;
  readonly task: SpeedupTask;
}

/** Metrics of a cell. */
export type SpeedupMetric =
  | 'steps'
  | 'reached'
  | 'stepsToFinal'
  | 'reachedFinal'
  | 'finalValLoss'
  | 'bestValLoss'
  | 'diverged'
  | 'seconds'
  | 'nowcastSeconds'
  | 'nowcasts';

const CHECKPOINT: Partial<
  Record<SpeedupMethod, 'nino_small' | 'wnn_plus_small' | 'nino_no_posw' | 'nino_mlp'>
> = {
  nino: 'nino_small',
  'wnn+': 'wnn_plus_small',
  'nino-public': 'nino_no_posw',
  'wnn+-public': 'nino_mlp',
};

/**
 * The science of one cell at `ctx.seed`: builds the task (its dataset from `taskSeed`, the same for
 * every seed; initialisation and batches from the seed's streams, the same for every method), trains T steps with the method's nowcasts, and
 * reports steps to the task's target (censored at T), the final and best validation loss, and wall
 * times (a nowcast costs many tiny-model steps: step savings are not wall-clock savings here).
 * `steps` counts to `targets` (Adam's final level + 0.01), `stepsToFinal` to `finalTargets`.
 */
export async function speedupCell(
  config: SpeedupConfig,
  cell: SpeedupCell,
  ctx: CellContext,
): Promise<CellResult<SpeedupMetric>> {
  const c = speedupSchema.parse(config);
  const target = c.targets[cell.task];
  const finalTarget = c.finalTargets[cell.task];
  if (target === undefined || finalTarget === undefined) throw new Error(`no target for task ${cell.task}`);
  const rng: Rng = ctx.rng.stream(cell.task);
  const inst = makeTask(cell.task, Rng.fromSeed(c.taskSeed), rng, {
    trainSize: c.trainSize,
    valSize: c.valSize,
    batchSize: c.batchSize,
  });
  let model: NinoModel | null = null;
  let prepared: PreparedNowcast | null = null;
  try {
    const name = CHECKPOINT[cell.method];
    if (name) {
      model = await shippedCheckpoint(name);
      prepared = prepareNowcast(model, inst.graph, { updateScale: c.updateScale });
    } else if (cell.method === 'linefit')
      prepared = prepareNowcast('linefit', inst.graph, { linefitContext: c.context });
    if (prepared && prepared.context !== c.context)
      throw new Error(
        `${cell.method} needs ${prepared.context} snapshots per nowcast, config.context is ${c.context}`,
      );
    ctx.progress.start(`${cell.method}/${cell.task}`, c.steps);
    const run: RunResult = await trainWithNowcasts(
      inst,
      prepared,
      {
        steps: c.steps,
        period: c.period,
        context: c.context,
        maxHorizon: c.maxHorizon,
        decay: c.decay,
        ...(cell.method === 'linefit' ? { fixedK: c.linefitK } : {}),
        lr: c.lr,
        evalEvery: c.evalEvery,
      },
      ctx.signal,
      (step: number, values: Record<string, number>) => {
        ctx.log(step, values);
        ctx.progress.update(step);
      },
    );
    const { steps, reached } = stepsToTarget(run, target, c.steps);
    const toFinal = stepsToTarget(run, finalTarget, c.steps);
    const finite = run.valLosses.filter((v) => Number.isFinite(v));
    return {
      metrics: {
        steps,
        reached: reached ? 1 : 0,
        stepsToFinal: toFinal.steps,
        reachedFinal: toFinal.reached ? 1 : 0,
        finalValLoss: run.diverged ? Number.NaN : run.valLosses.at(-1)!,
        bestValLoss: finite.length ? Math.min(...finite) : Number.NaN,
        diverged: run.diverged ? 1 : 0,
        seconds: run.seconds,
        nowcastSeconds: run.nowcastSeconds,
        nowcasts: run.nowcasts.length,
      },
      series: {
        valLoss: { x: run.evalSteps, y: run.valLosses },
        nowcasts: { x: run.nowcasts.map((n) => n.step), y: run.nowcasts.map((n) => n.k) },
      },
    };
  } finally {
    prepared?.dispose();
    model?.dispose();
    inst.dispose();
  }
}

/** Steps-to-target ratios of our calibration run (NiNo-small / Adam, per task; other methods on `id`). */
const CALIBRATED_RATIO: Partial<Record<SpeedupTask, number>> = {
  id: 0.64,
  wide: 0.62,
  deep: 0.7,
  'relu-teacher': 0.63,
  mnist: 0.64,
  transformer: 0.66,
};
const CALIBRATED_ID: Partial<Record<SpeedupMethod, number>> = {
  linefit: 0.89,
  'wnn+': 0.69,
  'nino-public': 0.52,
};

function speedupClaims(c: SpeedupConfig): Claim[] {
  if (!c.methods.includes('adam')) return [];
  const claims: Claim[] = [];
  const vsAdam = (metric: string, method: SpeedupMethod, task: SpeedupTask) =>
    ratio(metric, { method, task }, { method: 'adam', task });
  if (c.tasks.includes('id') && c.methods.includes('nino'))
    claims.push(
      {
        id: 'nino-steps-id',
        statement:
          'NiNo-small reaches the in-distribution target in at most 0.85× the steps of Adam (issue 14 acceptance)',
        metric: vsAdam('steps', 'nino', 'id'),
        expect: { op: '<=', value: 0.85, margin: 0 },
        reference: {
          provenance: 'paper',
          value: '≈ 0.5 (up to 50% fewer steps)',
          source:
            'abstract; Table 2: about 2× fewer steps than Adam on average over 9 vision and language tasks',
        },
        digits: 2,
      },
      {
        id: 'nino-final-loss-id',
        statement: "NiNo-small's final validation loss is within 2% of Adam's (or lower)",
        metric: vsAdam('finalValLoss', 'nino', 'id'),
        expect: { op: '<=', value: 1.02, margin: 0 },
        reference: calibration(0.97, 'final validation loss 0.691 vs 0.711'),
        digits: 3,
      },
    );
  for (const task of c.tasks.filter((t) => t !== 'id'))
    if (c.methods.includes('nino'))
      claims.push({
        id: `nino-steps-${task}`,
        statement: `NiNo-small, meta-trained only on the in-distribution family, still needs fewer steps than Adam on ${task}`,
        metric: vsAdam('steps', 'nino', task),
        expect: { op: '<', value: 1, margin: 0 },
        reference: calibration(CALIBRATED_RATIO[task]!, `NiNo-small / Adam on ${task}`, '1000–1002'),
        digits: 2,
      });
  if (c.tasks.includes('id'))
    for (const m of c.methods.filter((m) => m !== 'adam' && m !== 'nino'))
      claims.push({
        id: `${slug(m)}-steps-id`,
        statement: `${m} needs fewer steps than Adam on the in-distribution task`,
        metric: vsAdam('steps', m, 'id'),
        expect: { op: '<', value: 1, margin: 0 },
        reference:
          CALIBRATED_ID[m] !== undefined
            ? calibration(CALIBRATED_ID[m]!, `${m} / Adam on id`)
            : qualitative(
                'Tables 1–2: the WNN+ baseline (the public nino_mlp) accelerates Adam, less than NiNo',
              ),
        digits: 2,
      });
  claims.push({
    id: 'no-divergence',
    statement: 'no run produces a non-finite validation loss or nowcast',
    metric: maxOver('diverged'),
    expect: { op: '<', value: 0.5, margin: 0 },
    reference: qualitative('issue 14 acceptance: no NaN; the paper reports no divergence of NiNo runs'),
    digits: 0,
  });
  return claims;
}

function speedupPlots(c: SpeedupConfig): PlotView[] {
  const curves: PlotView[] = c.tasks.map((task) => ({
    kind: 'lines',
    id: `val-loss-${task}`,
    title: `Validation loss on ${task}, every method (nowcasts marked)`,
    caption:
      'Validation loss against optimizer steps (a nowcast counts as one step); vertical lines mark the nowcasts, the dashed line the steps-to-target threshold. The loss can jump right after a nowcast and Adam recovers within a few steps.',
    where: { task },
    series: 'valLoss',
    by: 'method',
    x: { label: 'step' },
    y: { label: 'validation loss (nats)', log: true },
    hlines: [{ y: c.targets[task]!, label: 'target' }],
    vlinesFrom: { series: 'nowcasts', label: 'nowcast' },
  }));
  return [
    ...curves,
    {
      kind: 'bars',
      id: 'steps',
      title: 'Steps to reach the target validation loss',
      caption: `Steps to the target (Adam's final level + 0.01), censored at T = ${c.steps}: fewer is better.`,
      metric: 'steps',
      by: 'task',
      groupBy: 'method',
      y: { label: 'steps to target' },
    },
    {
      kind: 'bars',
      id: 'wall-clock',
      title: 'Extra wall time over Adam for the whole run',
      caption:
        "Per-seed wall time of T steps (evaluations and nowcasts included) minus Adam's at the same seed and task (a seed's runs are adjacent in time, so the machine's load mostly cancels). A nowcast of these tiny models costs as much as many Adam steps, so saved steps are not saved seconds at this scale.",
      metric: 'seconds',
      by: 'method',
      groupBy: 'task',
      baseline: { method: 'adam' },
      y: { label: 'seconds − Adam’s' },
    },
  ];
}

/** `nino/speedup` (headline): steps to target for Adam with and without periodic nowcasts. */
export const speedup = defineExperiment({
  id: 'nino/speedup',
  paper: PAPER,
  title: 'Steps for Adam to reach a validation-loss target, with and without NiNo nowcasts',
  headline: true,
  schema: speedupSchema,
  base: speedupBase,
  presets: {
    quick: speedupQuick,
    full: {},
    // The playground's preset: T = 2500 instead of 5000 and 4 seeds instead of 5 (0.4 of quick's
    // steps). The targets stay the T = 5000 calibration: Adam reaches them near step 2000, so the
    // steps-to-target comparison is mostly uncensored; all three quick claims still hold (wasm).
    browser: { ...speedupQuick, steps: 2500 },
  },
  seeds: { quick: 5, full: 5, browser: 4 },
  cells: (c) => grid({ task: c.tasks, method: c.methods }),
  metrics: {
    steps: { label: 'steps to target', better: 'lower', digits: 0 },
    reached: { label: 'reached target (0/1)', better: 'higher', digits: 0 },
    stepsToFinal: { label: "steps to Adam's final level", better: 'lower', digits: 0 },
    reachedFinal: { label: "reached Adam's final level (0/1)", better: 'higher', digits: 0 },
    finalValLoss: { label: 'final validation loss', better: 'lower', digits: 4 },
    bestValLoss: { label: 'best validation loss', better: 'lower', digits: 4 },
    diverged: { label: 'diverged (0/1)', better: 'lower', digits: 0 },
    seconds: { label: 'wall time', unit: 's', better: 'lower', digits: 1 },
    nowcastSeconds: { label: 'wall time in nowcasts', unit: 's', better: 'lower', digits: 2 },
    nowcasts: { label: 'nowcasts', digits: 0 },
  },
  cell: (c, params, ctx) => speedupCell(c, params as unknown as SpeedupCell, ctx),
  claims: speedupClaims,
  plots: speedupPlots,
  notes: [
    'Scaled-down protocol: T = 5000 steps and a nowcast every 500 steps from 5 snapshots (the paper: 10k–20k steps, every 1000), on MLP tasks of a few thousand parameters; targets are Adam’s final level + 0.01 on our own calibration seeds, not the paper’s per-task targets.',
    'Wall time: a nowcast runs a graph network over every parameter, which for these tiny models costs as much as many Adam steps; the paper’s regime (large models) is where steps saved become time saved.',
  ],
});
