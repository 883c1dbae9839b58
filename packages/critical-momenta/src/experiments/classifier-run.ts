import {
  Adam,
  above,
  applyMlp,
  type BarsOptions,
  BatchCursor,
  bars,
  below,
  type CellContext,
  type CellResult,
  type Claim,
  claimOf,
  curves,
  deltaBars,
  diff,
  gatherBatch,
  initMlp,
  type LabeledArrays,
  leadOver,
  type MlpConfig,
  type Optimizer,
  type ParamMap,
  type PlotView,
  type Reference,
  type Rng,
  ratio,
  sharpness,
  softmaxCrossEntropy,
  type TrainOptions,
  trainInCell,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { AdamCG } from '../adam-cg.js';
import { AdamCM } from '../adam-cm.js';
import { SAM } from '../sam.js';
import { ADAM, CG, CM, type Method, qualitative } from './shared.js';

/**
 * Settings of one classifier training run: minibatches of `batchSize` (the full training set when
 * absent or larger); the buffer settings of the buffered methods; SAM radius ρ (when set, the method's
 * optimizer is wrapped in SAM: one ascent and one descent gradient per step); power-iteration steps for
 * λ_max on at most `sharpnessExamples` training examples (a fixed prefix).
 */
export type ClassifierRun = Readonly<{
  method: Method;
  mlp: MlpConfig;
  lr: number;
  steps: number;
  batchSize?: number;
  topC: number;
  cgTopC: number;
  decay: number;
  samRho?: number;
  sharpnessIters: number;
  sharpnessExamples: number;
}>;

/** The metrics every classifier cell returns (λ_max: top Hessian eigenvalue of the training loss at θ_T). */
export const CLASSIFIER_METRICS = {
  testAccuracy: { label: 'test accuracy', better: 'higher', digits: 4 },
  trainAccuracy: { label: 'train accuracy', digits: 4 },
  trainLoss: { label: 'train loss (nats)', better: 'lower' },
  lambdaMax: { label: 'λ_max of the training loss', better: 'lower' },
  distance: { label: 'distance ‖θ_T − θ₀‖' },
} as const;

/** A classifier metric name. */
export type ClassifierMetric = keyof typeof CLASSIFIER_METRICS;

/** A tensor-core or critical-buffer optimizer for a network run (optionally clipped, optionally in SAM). */
export function networkOptimizer(
  run: Pick<ClassifierRun, 'method' | 'lr' | 'topC' | 'cgTopC' | 'decay' | 'samRho'> & { clipNorm?: number },
): Optimizer {
  const o = { lr: run.lr, ...(run.clipNorm === undefined ? {} : { clipNorm: run.clipNorm }) };
  const base =
    run.method === 'adam'
      ? new Adam(o)
      : run.method === 'adam-cg'
        ? new AdamCG({ ...o, topC: run.cgTopC, decay: run.decay })
        : new AdamCM({ ...o, topC: run.topC, decay: run.decay });
  return run.samRho === undefined ? base : new SAM(base, { rho: run.samRho });
}

/** The first `m` examples of `data` as tensors (the caller disposes them). */
const firstExamples = (data: LabeledArrays, m = data.count) =>
  gatherBatch(
    data,
    Int32Array.from({ length: m }, (_, i) => i),
  );

/** Cross-entropy and accuracy of the MLP `params` on all of `data`. */
export function evaluateMlp(params: ParamMap, mlp: MlpConfig, data: LabeledArrays) {
  return tf.tidy(() => {
    const { x, y } = firstExamples(data);
    const logits = applyMlp(params.tensors(), x, mlp);
    const loss = softmaxCrossEntropy(logits, y).dataSync()[0]!;
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32')).dataSync()[0]!;
    return { loss, accuracy: hits / data.count };
  });
}

/**
 * The training step of the MLP `params` with `opt` for tensor-core's loop (divergence guard, abort):
 * minibatches of `batchSize` shuffled by `order` in endless epochs, or the full set in order when
 * `batchSize` is absent or not below the set's size.
 */
export function mlpStep(
  params: ParamMap,
  mlp: MlpConfig,
  opt: Optimizer,
  data: LabeledArrays,
  order: Rng,
  batchSize = data.count,
): TrainOptions['step'] {
  const bs = Math.min(batchSize, data.count);
  const cursor = new BatchCursor(data.count, bs, order, { dropLast: true, shuffle: bs < data.count });
  return () => {
    const { x, y } = gatherBatch(data, cursor.next());
    try {
      return opt.minimize(
        () => softmaxCrossEntropy(applyMlp(params.tensors(), x, mlp), y) as tf.Scalar,
        params,
      );
    } finally {
      tf.dispose([x, y]);
    }
  };
}

/**
 * One classifier cell: trains an MLP with `run.method`, then measures accuracy, λ_max of the training
 * loss (power iteration on finite-difference Hessian–vector products, tensor-core `sharpness`) and
 * the distance travelled. Initialisation, batch order and the sharpness start vector come from
 * `ctx.rng.stream('run')` only, so the methods of one seed start from the same θ₀ and see the same
 * batches.
 */
export async function classifierCell(
  run: ClassifierRun,
  data: { train: LabeledArrays; test: LabeledArrays },
  ctx: CellContext,
): Promise<CellResult<ClassifierMetric>> {
  const rng = ctx.rng.stream('run');
  const params = initMlp(rng.stream('init'), run.mlp);
  const opt = networkOptimizer(run);
  try {
    const theta0 = await params.flatten();
    const step = mlpStep(params, run.mlp, opt, data.train, rng.stream('batches'), run.batchSize);
    const { losses } = await trainInCell(ctx, { steps: run.steps, checkEvery: 50, step });
    const trainEval = evaluateMlp(params, run.mlp, data.train);
    const testEval = evaluateMlp(params, run.mlp, data.test);
    const sub = firstExamples(data.train, Math.min(run.sharpnessExamples, data.train.count));
    const top = await sharpness(
      (p) => softmaxCrossEntropy(applyMlp(p, sub.x, run.mlp), sub.y) as tf.Scalar,
      params.tensors(),
      { rng: rng.stream('sharpness'), iters: run.sharpnessIters, tol: 0 },
    ).finally(() => tf.dispose([sub.x, sub.y]));
    const theta = await params.flatten();
    let d2 = 0;
    for (let i = 0; i < theta.length; i++) d2 += (theta[i]! - theta0[i]!) ** 2;
    return {
      metrics: {
        trainLoss: trainEval.loss,
        trainAccuracy: trainEval.accuracy,
        testAccuracy: testEval.accuracy,
        lambdaMax: top.eigenvalue,
        distance: Math.sqrt(d2),
      },
      series: { trainLoss: { x: losses.map((l) => l.step), y: losses.map((l) => l.loss) } },
    };
  } finally {
    opt.dispose();
    params.dispose();
  }
}

/** The claims both classifier experiments make: flatter, farther (Figs. 7–8), and at least as accurate. */
export const classifierClaims = (accuracy: Reference): Claim[] => [
  // A ratio: λ_max varies by a factor 2–3 across seeds, so its differences are noisier than its ratios.
  claimOf('cm-flatter', ratio('lambdaMax', CM, ADAM), below(1), {
    statement: 'Adam+CM ends at a lower λ_max of the training loss than Adam',
    reference: qualitative(
      'Figs. 7–8: Adam+CM ends in flatter regions (lower λ_max; the measure is unverified)',
    ),
  }),
  claimOf('cm-travels', diff('distance', CM, ADAM), above(), {
    statement: 'Adam+CM travels farther from its initialisation than Adam',
    reference: qualitative('Figs. 7–8: distance travelled'),
  }),
  claimOf('cm-accuracy', leadOver('testAccuracy', CM, [ADAM, CG], 'higher'), above(), {
    statement: 'Adam+CM reaches a higher test accuracy than both Adam and Adam+CG',
    reference: accuracy,
    digits: 4,
  }),
];

/** The y axis of training-loss curves. */
export const LOSS_AXIS = { label: 'cross-entropy (nats)', log: true };

/** `metric` per method as bars with 95% whiskers, labelled as the metric. */
export const methodBars = (
  metric: ClassifierMetric,
  title: string,
  caption: string,
  more: BarsOptions = {},
) => bars(metric, title, caption, metric, CLASSIFIER_METRICS[metric].label, { by: 'method', ...more });

/** Accuracy, λ_max and distance per method (accuracy as per-seed gaps to Adam), and the loss curves. */
export const classifierPlots = (): PlotView[] => [
  deltaBars(
    'testAccuracy',
    'Test accuracy minus Adam’s',
    'Accuracy on the held-out test set',
    'testAccuracy',
    ADAM,
    'Δ test accuracy',
  ),
  methodBars(
    'lambdaMax',
    'Sharpness λ_max at the end of training',
    'Top Hessian eigenvalue of the training loss (power iteration)',
  ),
  methodBars('distance', 'Distance travelled ‖θ_T − θ₀‖', 'Euclidean distance from the initialisation'),
  curves(
    'train-loss',
    'Training loss',
    'Mean training loss over each 50-step window',
    'trainLoss',
    LOSS_AXIS,
    { by: 'method' },
  ),
];
