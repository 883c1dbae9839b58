import {
  Adam,
  applyMlp,
  batches,
  type CellContext,
  type CellResult,
  type Claim,
  cellSink,
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
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { AdamCG } from '../adam-cg.js';
import { AdamCM } from '../adam-cm.js';
import { SAM } from '../sam.js';
import { type Method, qualitative } from './shared.js';

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

/** What a run measures. */
export type ClassifierOutcome = Readonly<Record<ClassifierMetric, number>>;

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
export const firstExamples = (data: LabeledArrays, m = data.count) =>
  gatherBatch(
    data,
    Int32Array.from({ length: m }, (_, i) => i),
  );

function evaluate(params: ParamMap, mlp: MlpConfig, data: LabeledArrays): { loss: number; accuracy: number } {
  return tf.tidy(() => {
    const { x, y } = firstExamples(data);
    const logits = applyMlp(params.tensors(), x, mlp);
    const loss = softmaxCrossEntropy(logits, y).dataSync()[0]!;
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32')).dataSync()[0]!;
    return { loss, accuracy: hits / data.count };
  });
}

/**
 * Trains an MLP classifier with one method through tensor-core's training loop (divergence guard,
 * abort), then measures accuracy, λ_max of the training loss (power iteration on finite-difference
 * Hessian–vector products, tensor-core `sharpness`) and the distance travelled. Initialisation and
 * batch order come from `rng` only, so the methods of one seed start from the same θ₀ and see the
 * same batches.
 */
export async function trainClassifier(
  run: ClassifierRun,
  data: { train: LabeledArrays; test: LabeledArrays },
  rng: Rng,
  signal: AbortSignal,
  onLoss?: (step: number, loss: number) => void,
  sink?: Parameters<typeof train>[0]['sink'],
): Promise<ClassifierOutcome> {
  const params = initMlp(rng.stream('init'), run.mlp);
  const opt = networkOptimizer(run);
  const n = data.train.count;
  const bs = Math.min(run.batchSize ?? n, n);
  const full = bs === n ? firstExamples(data.train) : null;
  const order = rng.stream('batches');
  let epoch: IterableIterator<Int32Array> | null = null;
  try {
    const theta0 = await params.flatten();
    await train({
      steps: run.steps,
      checkEvery: 50,
      signal,
      ...(sink ? { sink } : {}),
      ...(onLoss ? { onProgress: (p: { step: number; loss: number }) => onLoss(p.step, p.loss) } : {}),
      step: () => {
        let batch = full;
        if (!batch) {
          let next = epoch?.next();
          if (!next || next.done) {
            epoch = batches(n, bs, order, { dropLast: true });
            next = epoch.next();
          }
          batch = gatherBatch(data.train, next.value as Int32Array);
        }
        const { x, y } = batch;
        try {
          return opt.minimize(
            () => softmaxCrossEntropy(applyMlp(params.tensors(), x, run.mlp), y) as tf.Scalar,
            params,
          );
        } finally {
          if (batch !== full) tf.dispose([x, y]);
        }
      },
    });
    const trainEval = evaluate(params, run.mlp, data.train);
    const testEval = evaluate(params, run.mlp, data.test);
    const sub = firstExamples(data.train, Math.min(run.sharpnessExamples, n));
    let lambdaMax: number;
    try {
      const top = await sharpness(
        (p) => softmaxCrossEntropy(applyMlp(p, sub.x, run.mlp), sub.y) as tf.Scalar,
        params.tensors(),
        { rng: rng.stream('sharpness'), iters: run.sharpnessIters, tol: 0 },
      );
      lambdaMax = top.eigenvalue;
    } finally {
      tf.dispose([sub.x, sub.y]);
    }
    const theta = await params.flatten();
    let d2 = 0;
    for (let i = 0; i < theta.length; i++) d2 += (theta[i]! - theta0[i]!) ** 2;
    return {
      trainLoss: trainEval.loss,
      trainAccuracy: trainEval.accuracy,
      testAccuracy: testEval.accuracy,
      lambdaMax,
      distance: Math.sqrt(d2),
    };
  } finally {
    if (full) tf.dispose([full.x, full.y]);
    opt.dispose();
    params.dispose();
  }
}

/**
 * One classifier cell: trains `run.method` at `ctx.seed` (initialisation, batch order and the
 * sharpness start vector from `ctx.rng.stream('run')`, so every method of a seed starts alike) and
 * returns the outcome with the training-loss curve.
 */
export async function classifierCell(
  run: ClassifierRun,
  data: { train: LabeledArrays; test: LabeledArrays },
  ctx: CellContext,
): Promise<CellResult<ClassifierMetric>> {
  const curve = { x: [] as number[], y: [] as number[] };
  ctx.progress.start('train', run.steps);
  const out = await trainClassifier(
    run,
    data,
    ctx.rng.stream('run'),
    ctx.signal,
    (step, loss) => {
      curve.x.push(step);
      curve.y.push(loss);
      ctx.progress.update(step, `loss ${loss.toFixed(3)}`);
    },
    cellSink(ctx),
  );
  return { metrics: { ...out }, series: { trainLoss: curve } };
}

const FLATTER = 'Figs. 7–8: Adam+CM ends in flatter regions (lower λ_max; the measure is unverified)';

/** The claims both classifier experiments make: flatter, farther (Figs. 7–8), and at least as accurate. */
export function classifierClaims(accuracy: Reference): Claim[] {
  const cm = { method: 'adam-cm' };
  const adam = { method: 'adam' };
  return [
    {
      id: 'cm-flatter',
      // A ratio: λ_max varies by a factor 2–3 across seeds, so its differences are noisier than its ratios.
      statement: 'Adam+CM ends at a lower λ_max of the training loss than Adam',
      metric: ratio('lambdaMax', cm, adam),
      expect: { op: '<', value: 1, margin: 0 },
      reference: qualitative(FLATTER),
    },
    {
      id: 'cm-travels',
      statement: 'Adam+CM travels farther from its initialisation than Adam',
      metric: diff('distance', cm, adam),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative('Figs. 7–8: distance travelled'),
    },
    {
      id: 'cm-accuracy',
      statement: 'Adam+CM reaches a higher test accuracy than both Adam and Adam+CG',
      metric: leadOver('testAccuracy', cm, [adam, { method: 'adam-cg' }], 'higher'),
      expect: { op: '>', value: 0, margin: 0 },
      reference: accuracy,
      digits: 4,
    },
  ];
}

/** Accuracy, λ_max and distance per method (accuracy as per-seed gaps to Adam), and the loss curves. */
export function classifierPlots(): PlotView[] {
  const bars = (metric: ClassifierMetric, title: string, caption: string): PlotView => ({
    kind: 'bars',
    id: metric,
    title,
    caption,
    metric,
    by: 'method',
    y: { label: CLASSIFIER_METRICS[metric].label },
  });
  return [
    {
      ...bars('testAccuracy', 'Test accuracy minus Adam’s', 'Accuracy on the held-out test set'),
      baseline: { method: 'adam' },
      y: { label: 'Δ test accuracy' },
    } as PlotView,
    bars(
      'lambdaMax',
      'Sharpness λ_max at the end of training',
      'Top Hessian eigenvalue of the training loss (power iteration)',
    ),
    bars('distance', 'Distance travelled ‖θ_T − θ₀‖', 'Euclidean distance from the initialisation'),
    {
      kind: 'lines',
      id: 'train-loss',
      title: 'Training loss',
      caption: 'Mean training loss over each 50-step window',
      series: 'trainLoss',
      by: 'method',
      x: { label: 'step' },
      y: { label: 'cross-entropy (nats)', log: true },
    },
  ];
}
