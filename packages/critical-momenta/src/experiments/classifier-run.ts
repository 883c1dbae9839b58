import {
  Adam,
  applyMlp,
  batches,
  type ExperimentContext,
  gatherBatch,
  initMlp,
  type LabeledArrays,
  type MlpConfig,
  type Optimizer,
  type ParamMap,
  type PlotSpec,
  type Rng,
  sharpness,
  softmaxCrossEntropy,
  throwIfAborted,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { AdamCG } from '../adam-cg.js';
import { AdamCM } from '../adam-cm.js';
import { METHOD_LABEL, type ToyMethod } from './escape-sim.js';
import { mean, round } from './shared.js';

/** Settings of one classifier training run. */
export interface ClassifierRun {
  readonly method: ToyMethod;
  readonly mlp: MlpConfig;
  readonly lr: number;
  readonly steps: number;
  /** Minibatch size; the full training set when absent or larger. */
  readonly batchSize?: number;
  /** Buffer settings of the buffered methods. */
  readonly topC: number;
  readonly cgTopC: number;
  readonly decay: number;
  /** Power-iteration iterations for λ_max. */
  readonly sharpnessIters: number;
  /** At most this many training examples enter the λ_max loss (a fixed prefix). */
  readonly sharpnessExamples: number;
}

/** What a run measures. */
export interface ClassifierOutcome {
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  /** Top eigenvalue of the Hessian of the (full-batch or prefix) training loss at θ_T. */
  readonly lambdaMax: number;
  /** ‖θ_T − θ₀‖₂. */
  readonly distance: number;
}

/** A tensor-core or critical-buffer optimizer for a network run. */
export function networkOptimizer(
  run: Pick<ClassifierRun, 'method' | 'lr' | 'topC' | 'cgTopC' | 'decay'>,
): Optimizer {
  if (run.method === 'adam') return new Adam({ lr: run.lr });
  if (run.method === 'adam-cg') return new AdamCG({ lr: run.lr, topC: run.cgTopC, decay: run.decay });
  return new AdamCM({ lr: run.lr, topC: run.topC, decay: run.decay });
}

function evaluate(params: ParamMap, mlp: MlpConfig, data: LabeledArrays): { loss: number; accuracy: number } {
  return tf.tidy(() => {
    const { x, y } = gatherBatch(
      data,
      Int32Array.from({ length: data.count }, (_, i) => i),
    );
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
): Promise<ClassifierOutcome> {
  const params = initMlp(rng.stream('init'), run.mlp);
  const opt = networkOptimizer(run);
  const n = data.train.count;
  const bs = Math.min(run.batchSize ?? n, n);
  const full =
    bs === n
      ? gatherBatch(
          data.train,
          Int32Array.from({ length: n }, (_, i) => i),
        )
      : null;
  const order = rng.stream('batches');
  let epoch: IterableIterator<Int32Array> | null = null;
  try {
    const theta0 = await params.flatten();
    await train({
      steps: run.steps,
      checkEvery: 50,
      signal,
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
    const m = Math.min(run.sharpnessExamples, n);
    const sub = gatherBatch(
      data.train,
      Int32Array.from({ length: m }, (_, i) => i),
    );
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

/** Bar charts of accuracy, λ_max and distance per method plus seed 0's loss curves, and the raw series. */
export function classifierReport(
  methods: readonly ToyMethod[],
  seeds: number,
  pick: (m: ToyMethod, k: keyof ClassifierOutcome) => number[],
  curves: Record<string, { x: number[]; y: number[] }>,
): { plots: PlotSpec[]; series: Record<string, number[]> } {
  const bar = (k: keyof ClassifierOutcome, label: string, id: string): PlotSpec => ({
    kind: 'bar',
    id,
    title: `${label} (mean over ${seeds} seed${seeds > 1 ? 's' : ''})`,
    categories: methods.map((m) => METHOD_LABEL[m]),
    groups: [{ name: label, values: methods.map((m) => mean(pick(m, k))) }],
    y: { label },
  });
  const plots: PlotSpec[] = [
    bar('testAccuracy', 'test accuracy', 'test-accuracy'),
    bar('lambdaMax', 'λ_max of the training loss', 'lambda-max'),
    bar('distance', 'distance ‖θ_T − θ₀‖', 'distance'),
    {
      kind: 'line',
      id: 'train-loss',
      title: 'Training loss, seed 0 (mean over each 50-step window)',
      x: { label: 'step' },
      y: { label: 'cross-entropy (nats)', log: true },
      series: methods.map((m) => ({ name: METHOD_LABEL[m], ...curves[m]! })),
    },
  ];
  const series: Record<string, number[]> = {};
  for (const m of methods)
    for (const k of ['testAccuracy', 'lambdaMax', 'distance'] as const) series[`${m}.${k}`] = pick(m, k);
  return { plots, series };
}

/** One run of a sweep: outcome, method and seed. */
export type ClassifierRow = ClassifierOutcome & { readonly method: ToyMethod; readonly seed: number };

/** Options of {@link classifierSweep}. */
export interface ClassifierSweep {
  /** Progress label. */
  readonly label: string;
  readonly seeds: number;
  readonly methods: readonly ToyMethod[];
  /** Run settings shared by every method. */
  readonly run: Omit<ClassifierRun, 'method'>;
  /** Data of seed `s` and the stream the runs of that seed draw from (all methods share it). */
  readonly seed: (s: number) => { data: { train: LabeledArrays; test: LabeledArrays }; rng: Rng };
}

/**
 * Trains every method on every seed, writing one metrics record and one progress update per run, and
 * keeps seed 0's loss curves for plotting.
 */
export async function classifierSweep(
  o: ClassifierSweep,
  ctx: ExperimentContext,
): Promise<{ rows: ClassifierRow[]; curves: Record<string, { x: number[]; y: number[] }> }> {
  const rows: ClassifierRow[] = [];
  const curves: Record<string, { x: number[]; y: number[] }> = {};
  ctx.progress.start(o.label, o.seeds * o.methods.length);
  for (let s = 0; s < o.seeds; s++) {
    const { data, rng } = o.seed(s);
    for (const method of o.methods) {
      throwIfAborted(ctx.signal);
      const curve = { x: [] as number[], y: [] as number[] };
      const out = await trainClassifier({ ...o.run, method }, data, rng, ctx.signal, (step, loss) => {
        curve.x.push(step);
        curve.y.push(loss);
      });
      if (s === 0) curves[method] = curve;
      rows.push({ ...out, method, seed: s });
      ctx.metrics.write({ step: rows.length, seed: s, method, ...out });
      ctx.progress.update(
        rows.length,
        `seed ${s} ${METHOD_LABEL[method]}: test acc ${round(out.testAccuracy, 3)}`,
      );
    }
  }
  return { rows, curves };
}
