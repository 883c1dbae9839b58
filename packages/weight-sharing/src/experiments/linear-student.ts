import {
  bars,
  type CellContext,
  type MetricSpec,
  ParamMap,
  type Rng,
  ratio,
  SGD,
  trainInCell,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { PROX_ALGORITHMS } from '../prox/prox.js';
import { ProximalOptimizer } from '../training/proximal-optimizer.js';
import { WeightSharingProx } from '../training/weight-sharing-prox.js';

/** Config fields of both linear-teacher experiments (circulant-teacher, shared-pool), after their teacher fields. */
export const linearStudentFields = {
  /** Label noise standard deviation (reference `noise_std`). */
  noise: z.number().min(0).max(10),
  /** Training set sizes (fewer than the inputs: under-determined); plots of the learned W show the first. */
  nTrain: z.array(z.int().min(1).max(4096)).min(1).max(8),
  /** Test points. */
  nTest: z.int().min(1).max(20_000),
  /** ws_lr grid (λ = ws_lr · η per step); 0 is the unregularized baseline. */
  wsLrs: z.array(z.number().min(0).max(10)).min(1).max(16),
  /** Full-batch proximal gradient steps. */
  steps: z.int().min(1).max(100_000).default(2000),
  /** Learning rate η (constant); full-batch GD on N(0, I) inputs diverges above 2/(1 + √(inputs/nTrain))². */
  lr: z.number().positive().max(1).default(0.05),
  /** Prox algorithm (all four give the same prox). */
  algorithm: z.enum(PROX_ALGORITHMS).default('pav'),
};

type LinearStudentConfig = z.output<z.ZodObject<typeof linearStudentFields>>;

/** A linear teacher W* (row-major, `rows` outputs × `cols` inputs) and how the student is trained on it. */
export type LinearTask = Pick<LinearStudentConfig, 'noise' | 'nTest' | 'steps' | 'lr' | 'algorithm'> & {
  readonly teacher: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** The values W*'s weights take, which weight sharing should tie the learned weights back onto. */
  readonly levels: readonly number[];
};

/** n samples x ~ N(0, I) and y = W* x + noise·ε, row-major [n, cols] and [n, rows]. */
function sample(rng: Rng, t: LinearTask, n: number) {
  const x = rng.fillNormal(new Float32Array(n * t.cols));
  const y = new Float32Array(n * t.rows);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < t.rows; i++) {
      let a = 0;
      for (let j = 0; j < t.cols; j++) a += t.teacher[i * t.cols + j]! * x[s * t.cols + j]!;
      y[s * t.rows + i] = a + t.noise * rng.normal();
    }
  return { x, y };
}

/**
 * One proximal-GD run of a full linear student W (one prox over all of W, no bias), from zero, on
 * (1/n)Σ ½‖y − Wx‖², with the library's WeightSharingProx behind tensor-core SGD, scored against W*
 * and its levels: the cell of both linear-teacher experiments (the test MSE is also a one-point `mse`
 * series when weight sharing is on). The data come from the seed's `train<n>` and `test` streams, so
 * every ws_lr of a seed sees the same points.
 */
export async function fitLinearStudent(t: LinearTask, nTrain: number, wsLr: number, ctx: CellContext) {
  const trainSet = sample(ctx.rng.stream(`train${nTrain}`), t, nTrain);
  const testSet = sample(ctx.rng.stream('test'), t, t.nTest);
  const zeros = tf.zeros([t.rows, t.cols]);
  const params = ParamMap.fromTensors({
    'fc.weight': { value: zeros, role: 'weight', layout: { outAxis: 0, inAxis: 1 }, group: 'fc' },
  });
  zeros.dispose();
  const prox = new WeightSharingProx({ layers: [{ weight: 'fc.weight', wsLr }], algorithm: t.algorithm });
  const opt = new ProximalOptimizer(new SGD({ lr: t.lr }), prox);
  const xTrain = tf.tensor2d(trainSet.x, [nTrain, t.cols]);
  const yTrain = tf.tensor2d(trainSet.y, [nTrain, t.rows]);
  try {
    const w = params.get('fc.weight');
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const r = tf.sub(tf.matMul(xTrain, w, false, true), yTrain);
        return tf.div(tf.mul(0.5, tf.sum(tf.square(r))), nTrain) as tf.Scalar;
      });
    const run = await trainInCell(ctx, {
      steps: t.steps,
      step: () => opt.minimize(loss, params),
      checkEvery: 200,
    });
    const mse = tf.tidy(() => {
      const x = tf.tensor2d(testSet.x, [t.nTest, t.cols]);
      const y = tf.tensor2d(testSet.y, [t.nTest, t.rows]);
      return tf.mean(tf.square(tf.sub(tf.matMul(x, w, false, true), y)));
    });
    const testMse = (await mse.data())[0]!;
    mse.dispose();
    const learned = (await w.data()) as Float32Array;
    let maxAbsErr = 0;
    for (let q = 0; q < learned.length; q++)
      maxAbsErr = Math.max(maxAbsErr, Math.abs(learned[q]! - t.teacher[q]!));
    const rec = levelRecovery(learned, t.levels);
    return {
      metrics: { testMse, maxAbsErr, withinLevels: rec.fractionWithin, distinct: rec.distinct },
      series: wsLr > 0 ? { mse: { x: [wsLr], y: [testMse] } } : {},
      learned,
      losses: run.losses,
      largestCluster: rec.largestCluster,
    };
  } finally {
    opt.dispose();
    params.dispose();
    tf.dispose([xTrain, yTrain]);
  }
}

/** How well the learned weights sit on the teacher's levels (every weight within `radius` in the spec's check). */
export function levelRecovery(w: ArrayLike<number>, levels: readonly number[], radius = 0.1) {
  const counts = levels.map(() => 0);
  const exact = new Map<number, number>();
  const rounded = new Set<number>();
  for (let q = 0; q < w.length; q++) {
    const dist = levels.map((l) => Math.abs(w[q]! - l));
    const nearest = dist.indexOf(Math.min(...dist));
    if (dist[nearest]! <= radius) counts[nearest]!++;
    exact.set(w[q]!, (exact.get(w[q]!) ?? 0) + 1);
    rounded.add(Math.round(w[q]! * 1e6));
  }
  return {
    fractionWithin: counts.reduce((a, b) => a + b, 0) / w.length,
    counts,
    largestCluster: Math.max(...exact.values()),
    distinct: rounded.size,
  };
}

/** The metrics both linear-teacher experiments report; `levels` says what the weights should tie onto. */
export const studentMetrics = (levels: string) =>
  ({
    testMse: { label: 'test MSE', better: 'lower', digits: 4 },
    maxAbsErr: { label: 'max |W − W*|', better: 'lower', digits: 3 },
    withinLevels: { label: `weights within 0.1 of ${levels}`, better: 'higher', digits: 3 },
    distinct: { label: 'distinct weight values (rounded to 1e-6)' },
  }) satisfies Record<string, MetricSpec>;

/** Whether the sweep ran n_train = `n` at ws_lr = 0 and at `wsLr`, the two cells of an {@link mseGain}. */
export const ranGain = (cfg: Pick<LinearStudentConfig, 'nTrain' | 'wsLrs'>, n: number, wsLr: number) =>
  cfg.nTrain.includes(n) && cfg.wsLrs.includes(0) && cfg.wsLrs.includes(wsLr);

/** Test MSE without weight sharing ÷ with it at `wsLr`, both at n_train = `n`. */
export const mseGain = (n: number, wsLr: number) =>
  ratio('testMse', { nTrain: n, wsLr: 0 }, { nTrain: n, wsLr });

/** Bars of the test MSE per ws_lr, one group per training-set size. */
export const mseBars = (title: string) =>
  bars(
    'mse-by-ws-lr',
    title,
    'Test MSE of the full linear student per ws_lr (0 = no weight sharing), one group per training-set size',
    'testMse',
    { label: 'test MSE', zero: true },
    { by: 'wsLr', groupBy: 'nTrain' },
  );
