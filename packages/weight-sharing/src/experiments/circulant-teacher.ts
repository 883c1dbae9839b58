import {
  defineExperiment,
  type ExperimentContext,
  type ExperimentResult,
  type PaperComparison,
  ParamMap,
  type PlotSpec,
  type Rng,
  SGD,
  throwIfAborted,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { PROX_ALGORITHMS, proxR } from '../prox/prox.js';
import { lambdaMax } from '../regularizer.js';
import { WeightSharingProx } from '../training/weight-sharing-prox.js';
import { PAPER } from './paper.js';

const schema = z.strictObject({
  /** Input/output width n; the teacher is an n×n circulant. */
  size: z.number().int().min(4).default(32),
  /** The teacher's kernel taps k (y = circ_conv(x, k)). */
  kernel: z.array(z.number()).min(1).default([0.8, -0.5, 0.3]),
  /** Label noise standard deviation. */
  noise: z.number().min(0).default(0.05),
  /** Training set sizes; the first is the headline (under-determined: fewer than `size`). */
  nTrain: z.array(z.number().int().min(1)).min(1).default([24]),
  /** Test points. */
  nTest: z.number().int().min(1).default(2000),
  /** ws_lr grid; must include 0 (the baseline). */
  wsLrs: z.array(z.number().min(0)).min(2).default([0, 1e-3, 3e-3, 1e-2, 3e-2]),
  /** Full-batch proximal gradient steps. */
  steps: z.number().int().min(1).default(2000),
  /** Learning rate η (constant). */
  lr: z.number().positive().default(0.05),
  /** Seeds (independent teachers' data draws) averaged per point. */
  seeds: z.number().int().min(1).default(3),
  /** Prox algorithm. */
  algorithm: z.enum(PROX_ALGORITHMS as ['pav', 'end', 'imminent', 'search']).default('pav'),
});

/** Config of the circulant-teacher experiment. */
export type CirculantTeacherConfig = z.output<typeof schema>;

/** The teacher matrix W* (row-major, out × in): y_i = Σ_j k_j x_{(i − j) mod n}. */
export function circulantTeacher(size: number, kernel: readonly number[]): Float64Array {
  const w = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    kernel.forEach((k, j) => {
      w[i * size + ((((i - j) % size) + size) % size)]! += k;
    });
  return w;
}

/** n samples x ~ N(0, I) and y = W* x + noise·ε, row-major [n, size]. */
function sample(rng: Rng, teacher: Float64Array, size: number, n: number, noise: number) {
  const x = rng.fillNormal(new Float32Array(n * size));
  const y = new Float32Array(n * size);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < size; i++) {
      let a = 0;
      for (let j = 0; j < size; j++) a += teacher[i * size + j]! * x[s * size + j]!;
      y[s * size + i] = a + noise * rng.normal();
    }
  return { x, y };
}

/** What one training run measured. */
interface RunResult {
  readonly testMse: number;
  readonly maxErr: number;
  readonly w: Float32Array;
}

/**
 * One proximal-GD run of a full linear student W (d = size², one prox over all of W, no bias), from
 * zero, on the loss (1/n)Σ ½‖y − Wx‖² with the library's WeightSharingProx hooked into tensor-core SGD.
 */
async function fit(
  cfg: CirculantTeacherConfig,
  teacher: Float64Array,
  data: { train: ReturnType<typeof sample>; test: ReturnType<typeof sample> },
  nTrain: number,
  wsLr: number,
  signal: AbortSignal,
): Promise<RunResult> {
  const n = cfg.size;
  const zeros = tf.zeros([n, n]);
  // fromTensors copies its inputs; the caller keeps (and frees) the initial value.
  const params = ParamMap.fromTensors({
    'fc.weight': { value: zeros, role: 'weight', layout: { outAxis: 0, inAxis: 1 }, group: 'fc' },
  });
  zeros.dispose();
  const prox = new WeightSharingProx({ layers: [{ weight: 'fc.weight', wsLr }], algorithm: cfg.algorithm });
  const opt = new SGD({ lr: cfg.lr, hooks: prox.hooks });
  const xTrain = tf.tensor2d(data.train.x, [nTrain, n]);
  const yTrain = tf.tensor2d(data.train.y, [nTrain, n]);
  try {
    const w = params.get('fc.weight');
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const r = tf.sub(tf.matMul(xTrain, w, false, true), yTrain);
        return tf.div(tf.mul(0.5, tf.sum(tf.square(r))), nTrain) as tf.Scalar;
      });
    await train({ steps: cfg.steps, step: () => opt.minimize(loss, params), checkEvery: 200, signal });
    const xTest = tf.tensor2d(data.test.x, [cfg.nTest, n]);
    const yTest = tf.tensor2d(data.test.y, [cfg.nTest, n]);
    const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(tf.matMul(xTest, w, false, true), yTest))));
    const testMse = (await mse.data())[0]!;
    tf.dispose([mse, xTest, yTest]);
    const values = (await w.data()) as Float32Array;
    let maxErr = 0;
    for (let q = 0; q < values.length; q++) maxErr = Math.max(maxErr, Math.abs(values[q]! - teacher[q]!));
    return { testMse, maxErr, w: values };
  } finally {
    opt.dispose();
    params.dispose();
    tf.dispose([xTrain, yTrain]);
  }
}

/** How well the learned weights sit on the teacher's levels (spec §I.8 P2). */
export function levelRecovery(w: ArrayLike<number>, levels: readonly number[], radius = 0.1) {
  const counts = levels.map(() => 0);
  let within = 0;
  for (let q = 0; q < w.length; q++) {
    let best = -1;
    let dist = Infinity;
    levels.forEach((l, i) => {
      const e = Math.abs(w[q]! - l);
      if (e < dist) {
        dist = e;
        best = i;
      }
    });
    if (dist <= radius) {
      within++;
      counts[best]!++;
    }
  }
  const exact = new Map<number, number>();
  const rounded = new Set<number>();
  for (let q = 0; q < w.length; q++) {
    exact.set(w[q]!, (exact.get(w[q]!) ?? 0) + 1);
    rounded.add(Math.round(w[q]! * 1e6));
  }
  return {
    fractionWithin: within / w.length,
    counts,
    largestCluster: Math.max(...exact.values()),
    distinct: rounded.size,
  };
}

const isConstant = (x: ArrayLike<number>): boolean =>
  Array.prototype.every.call(x, (v: number) => v === x[0]);

const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

async function run(cfg: CirculantTeacherConfig, ctx: ExperimentContext): Promise<ExperimentResult> {
  if (!cfg.wsLrs.includes(0)) throw new Error('wsLrs must include 0 (the unregularized baseline)');
  const n = cfg.size;
  const teacher = circulantTeacher(n, cfg.kernel);
  const levels = [...new Set([0, ...cfg.kernel])];
  const total = cfg.nTrain.length * cfg.wsLrs.length * cfg.seeds;
  ctx.progress.start('circulant teacher', total);
  const mse: Record<string, number[]> = {};
  const maxErr: Record<string, number[]> = {};
  const learned = new Map<string, Float32Array>();
  let done = 0;
  for (const nTrain of cfg.nTrain) {
    for (let seed = 0; seed < cfg.seeds; seed++) {
      const rng = ctx.rng.stream(`seed${seed}`);
      const data = {
        train: sample(rng.stream(`train${nTrain}`), teacher, n, nTrain, cfg.noise),
        test: sample(rng.stream('test'), teacher, n, cfg.nTest, cfg.noise),
      };
      for (const wsLr of cfg.wsLrs) {
        throwIfAborted(ctx.signal);
        const r = await fit(cfg, teacher, data, nTrain, wsLr, ctx.signal);
        const key = `${nTrain}:${wsLr}`;
        (mse[key] ??= []).push(r.testMse);
        (maxErr[key] ??= []).push(r.maxErr);
        if (seed === 0) learned.set(key, r.w);
        ctx.metrics.write({ step: done, nTrain, wsLr, seed, testMse: r.testMse, maxAbsErr: r.maxErr });
        ctx.progress.update(++done, `n=${nTrain} ws_lr=${wsLr} mse=${r.testMse.toFixed(4)}`);
      }
    }
  }

  const head = cfg.nTrain[0]!;
  const m = (nTrain: number, ws: number) => mean(mse[`${nTrain}:${ws}`]!);
  const positive = cfg.wsLrs.filter((v) => v > 0);
  const best = positive.reduce((a, b) => (m(head, b) < m(head, a) ? b : a));
  const ref = cfg.wsLrs.includes(1e-2) ? 1e-2 : best;
  const drop = m(head, 0) / m(head, ref);
  // Per-seed drops (each seed is one data draw, like the spec's single NumPy check); the median is the
  // headline number, robust to one unlucky draw.
  const seedDrops = mse[`${head}:0`]!.map((base, s) => base / mse[`${head}:${ref}`]![s]!);
  const medianDrop = [...seedDrops].sort((a, b) => a - b)[Math.floor(seedDrops.length / 2)]!;
  const recovery = levelRecovery(learned.get(`${head}:${ref}`)!, levels);
  // λ_max check (spec §I.8 P2): a stronger prox collapses the learned W to its mean, a weaker one does not.
  const wRef = Float64Array.from(learned.get(`${head}:${ref}`)!);
  const summary: Record<string, number | string | boolean> = {
    headNTrain: head,
    bestWsLr: best,
    refWsLr: ref,
    mseDropAtRef: drop,
    mseDropMedianSeed: medianDrop,
    mseDropPerSeed: seedDrops.map((v) => v.toFixed(1)).join('/'),
    fractionWithinLevels: recovery.fractionWithin,
    largestExactCluster: recovery.largestCluster,
    distinctValues: recovery.distinct,
    levelCounts: recovery.counts.join('/'),
    lambdaMax: lambdaMax(wRef),
    collapsesAboveLambdaMax: isConstant(proxR(wRef, lambdaMax(wRef) * (1 + 1e-9)).x),
    distinctBelowLambdaMax: !isConstant(proxR(wRef, lambdaMax(wRef) * 0.99).x),
  };
  for (const nTrain of cfg.nTrain)
    for (const ws of cfg.wsLrs) {
      summary[`mse_n${nTrain}_ws${ws}`] = m(nTrain, ws);
      summary[`maxErr_n${nTrain}_ws${ws}`] = mean(maxErr[`${nTrain}:${ws}`]!);
    }

  const reference: Record<number, number> = { 0: 0.263, 1e-3: 0.145, 3e-3: 0.03, 1e-2: 0.0046, 3e-2: 0.0085 };
  const comparisons: PaperComparison[] = [
    {
      metric: `test MSE drop, ws_lr 0 → ${ref} (n_train = ${head}, median over ${cfg.seeds} seed(s))`,
      ours: medianDrop,
      paper: null,
      note: `per seed ${seedDrops.map((v) => `${v.toFixed(1)}×`).join(', ')}; ratio of mean MSEs ${drop.toFixed(1)}×; no number in the paper (claim: WS recovers shared structure); spec §I.8 P2 NumPy check (one draw): 0.263/0.0046 ≈ 57×; judged against 20×`,
      holds: medianDrop >= 20,
    },
    ...cfg.wsLrs.map((ws) => ({
      metric: `test MSE at ws_lr = ${ws} (n_train = ${head})`,
      ours: m(head, ws),
      paper: null,
      note:
        reference[ws] !== undefined ? `spec §I.8 P2 NumPy check: ${reference[ws]}` : 'not in the spec table',
      holds: null,
    })),
    {
      metric: `fraction of weights within 0.1 of a teacher level {${levels.join(', ')}} at ws_lr = ${ref}`,
      ours: recovery.fractionWithin,
      paper: null,
      note: 'spec §I.8 P2: every weight (1.0), with 928/32/32/32 at the four levels',
      holds: recovery.fractionWithin >= 0.95,
    },
  ];
  if (cfg.nTrain.length > 1)
    for (const nTrain of cfg.nTrain.slice(1))
      comparisons.push({
        metric: `test MSE drop, ws_lr 0 → best (n_train = ${nTrain})`,
        ours: m(nTrain, 0) / Math.min(...positive.map((ws) => m(nTrain, ws))),
        paper: null,
        note: 'spec §I.8 P2: ≈10× at n_train = 16, ≈1.5× at n_train = 64 (over-determined)',
        holds: null,
      });

  const toRows = (w: ArrayLike<number>) => Array.from(w);
  const plots: PlotSpec[] = [
    {
      kind: 'line',
      id: 'mse-vs-ws-lr',
      title: `Circulant teacher: test MSE vs ws_lr (n_train = ${cfg.nTrain.join(', ')}; ${cfg.seeds} seeds)`,
      x: { label: 'ws_lr (λ = ws_lr · η per step)', log: true },
      y: { label: 'test MSE', log: true },
      markers: true,
      series: cfg.nTrain.map((nTrain) => ({
        name: `FC + WS, n_train = ${nTrain}`,
        x: positive,
        y: positive.map((ws) => m(nTrain, ws)),
      })),
      hlines: cfg.nTrain.map((nTrain) => ({ y: m(nTrain, 0), label: `ws_lr = 0, n_train = ${nTrain}` })),
    },
    ...[0, ref].map(
      (ws): PlotSpec => ({
        kind: 'heatmap',
        id: `learned-w-ws-${ws}`,
        title: `Learned W (n_train = ${head}, ws_lr = ${ws}, test MSE ${m(head, ws).toFixed(4)})`,
        rows: n,
        cols: n,
        values: toRows(learned.get(`${head}:${ws}`)!),
        x: { label: 'input index j' },
        y: { label: 'output index i' },
        scale: 'diverging',
        colorLabel: 'W_ij',
      }),
    ),
    {
      kind: 'heatmap',
      id: 'teacher-w',
      title: `Teacher W* (circulant, kernel ${cfg.kernel.join(', ')})`,
      rows: n,
      cols: n,
      values: toRows(teacher),
      x: { label: 'input index j' },
      y: { label: 'output index i' },
      scale: 'diverging',
      colorLabel: 'W*_ij',
    },
  ];
  return {
    summary,
    comparisons,
    plots,
    series: Object.fromEntries(Object.entries(mse).map(([k, v]) => [`mse_${k}`, v])),
  };
}

/**
 * HEADLINE (spec §I.8 P2): an under-determined linear teacher with a circulant W* (4 distinct values).
 * A full 32×32 student trained by proximal GD on 24 points: weight-sharing regularization recovers the
 * shared levels and cuts the test MSE about 50× at ws_lr ≈ 1e-2.
 */
export const circulantTeacherExperiment = defineExperiment({
  id: 'weight-sharing/circulant-teacher',
  paper: PAPER,
  title: 'Under-determined circulant linear teacher: test MSE vs ws_lr and the recovered weight levels',
  headline: true,
  schema,
  presets: {
    quick: { seeds: 3 },
    full: { seeds: 10, nTrain: [24, 16, 64] },
  },
  run,
});
