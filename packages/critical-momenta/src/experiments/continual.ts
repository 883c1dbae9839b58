import { loadMnist } from '@paperkit/mnist';
import {
  applyMlp,
  batches,
  type CellContext,
  type CellResult,
  type Claim,
  defineExperiment,
  diff,
  gatherBatch,
  grid,
  initMlp,
  type LabeledArrays,
  type MlpConfig,
  type ParamMap,
  softmaxCrossEntropy,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { continualMetrics } from '../continual-metrics.js';
import { firstExamples, networkOptimizer } from './classifier-run.js';
import { METHOD_LABEL } from './escape-sim.js';
import { BUFFER_BASE, bufferFields, lrField, METHODS, type Method, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  /** Tasks in the sequence: task 0 is plain MNIST, task k > 0 a fixed random pixel permutation of it. */
  tasks: z.int().min(2).max(10),
  stepsPerTask: z.int().min(1).max(10_000), // training steps on each task before moving to the next
  batchSize: z.int().min(1).max(1000),
  size: z.union([z.literal(14), z.literal(28)]), // image side: 14 (2×2 average-pooled) or 28
  hidden: z.array(z.int().min(1).max(1024)).min(1).max(3),
  lr: lrField(0.1),
  ...bufferFields,
  testCount: z.int().min(10).max(2000), // test digits per task (a prefix of the 2 000-digit test split)
});

type Config = z.output<typeof schema>;
type Metric = 'finalAccuracy' | 'forgetting' | 'learningAccuracy';

/** The data of one task: every image's pixels permuted by `perm` (the identity for task 0). */
function permuted(data: LabeledArrays, perm: Int32Array, count = data.count): LabeledArrays {
  const d = perm.length;
  const features = new Float32Array(count * d);
  for (let r = 0; r < count; r++)
    for (let j = 0; j < d; j++) features[r * d + j] = data.features[r * d + perm[j]!]!;
  return { ...data, features, labels: data.labels.subarray(0, count), count };
}

async function accuracy(params: ParamMap, mlp: MlpConfig, test: LabeledArrays): Promise<number> {
  const { x, y } = firstExamples(test);
  const hits = tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(applyMlp(params.tensors(), x, mlp), -1), y), 'float32')),
  );
  const h = (await hits.data())[0]!;
  tf.dispose([x, y, hits]);
  return h / test.count;
}

/**
 * Trains one MLP with one optimizer (its state carried across tasks, as in online learning) on the
 * tasks in order, and after each task measures the accuracy on every task: R[i][j] is the accuracy on
 * task j after training on task i. Permutations, initialisation and batch order come from the seed's
 * streams, so every method of a seed sees the same sequence.
 */
async function continual(c: Config, method: Method, ctx: CellContext): Promise<CellResult<Metric>> {
  const mnist = loadMnist({ size: c.size });
  const d = c.size * c.size;
  const perms = Array.from({ length: c.tasks }, (_, k) =>
    k === 0 ? Int32Array.from({ length: d }, (_, i) => i) : ctx.rng.stream(`task-${k}`).permutation(d),
  );
  const trainSets = perms.map((p) => permuted(mnist.train, p));
  const testSets = perms.map((p) => permuted(mnist.test, p, c.testCount));
  const mlp: MlpConfig = { sizes: [d, ...c.hidden, 10], activation: 'relu' };
  const params = initMlp(ctx.rng.stream('init'), mlp);
  const opt = networkOptimizer({ ...c, method });
  const order = ctx.rng.stream('batches');
  const R: number[][] = [];
  try {
    ctx.progress.start('tasks', c.tasks);
    for (let k = 0; k < c.tasks; k++) {
      const data = trainSets[k]!;
      let epoch = batches(data.count, c.batchSize, order, { dropLast: true });
      await train({
        steps: c.stepsPerTask,
        checkEvery: 50,
        signal: ctx.signal,
        step: () => {
          let next = epoch.next();
          if (next.done) {
            epoch = batches(data.count, c.batchSize, order, { dropLast: true });
            next = epoch.next();
          }
          const { x, y } = gatherBatch(data, next.value!);
          try {
            return opt.minimize(
              () => softmaxCrossEntropy(applyMlp(params.tensors(), x, mlp), y) as tf.Scalar,
              params,
            );
          } finally {
            tf.dispose([x, y]);
          }
        },
      });
      const row: number[] = [];
      for (const t of testSets) row.push(await accuracy(params, mlp, t));
      R.push(row);
      ctx.log(k, { task: k, ...Object.fromEntries(row.map((a, j) => [`acc${j}`, a])) });
      ctx.progress.update(k + 1, `after task ${k}: accuracy on it ${row[k]!.toFixed(3)}`);
    }
  } finally {
    opt.dispose();
    params.dispose();
  }
  const K = c.tasks;
  const labels = Array.from({ length: K }, (_, j) => `task ${j}`);
  return {
    metrics: continualMetrics(R),
    series: { firstTask: { x: R.map((_, i) => i), y: R.map((r) => r[0]!) } },
    matrices: { accuracy: { rows: K, cols: K, values: R.flat(), rowLabels: labels, colLabels: labels } },
  };
}

const ONLINE = 'abstract: online learning on TinyImageNet and 5-dataset, where exploration helps';

function claims(): Claim[] {
  const cm = { method: 'adam-cm' };
  return [
    {
      id: 'cm-final-accuracy',
      statement: 'after the last task, Adam+CM’s mean accuracy over all tasks is above Adam’s',
      metric: diff('finalAccuracy', cm, { method: 'adam' }),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative(ONLINE),
      digits: 4,
    },
    {
      id: 'cm-less-forgetting',
      statement: 'Adam+CM forgets less than Adam',
      metric: diff('forgetting', cm, { method: 'adam' }),
      expect: { op: '<', value: 0, margin: 0 },
      reference: qualitative(`${ONLINE} (the spec lists accuracy and forgetting as the metrics, unverified)`),
      digits: 4,
    },
    {
      id: 'cm-beats-cg',
      statement: 'after the last task, Adam+CM’s mean accuracy is above Adam+CG’s',
      metric: diff('finalAccuracy', cm, { method: 'adam-cg' }),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative(ONLINE),
      digits: 4,
    },
  ];
}

/**
 * An online-learning analogue of the paper's TinyImageNet / 5-dataset results: permuted MNIST digits
 * learned one task after another by one MLP whose optimizer state carries over, measuring the final
 * mean accuracy and the forgetting, for Adam, Adam+CG and Adam+CM at the same lr.
 */
export const continualExperiment = defineExperiment({
  id: 'critical-momenta/continual',
  paper: PAPER,
  title: 'Permuted-MNIST task sequence: final accuracy and forgetting of Adam, Adam+CG, Adam+CM',
  schema,
  base: {
    tasks: 5,
    stepsPerTask: 500,
    batchSize: 64,
    size: 28,
    hidden: [256],
    lr: 1e-3,
    ...BUFFER_BASE,
    testCount: 2000,
  },
  presets: { quick: { tasks: 3, stepsPerTask: 200, size: 14, hidden: [100], testCount: 1000 }, full: {} },
  seeds: { quick: 3, full: 5 },
  cells: () => grid({ method: METHODS }),
  metrics: {
    finalAccuracy: { label: 'mean accuracy over tasks after the last', better: 'higher', digits: 4 },
    forgetting: { label: 'mean forgetting', better: 'lower', digits: 4 },
    learningAccuracy: { label: 'mean accuracy on each task right after it', better: 'higher', digits: 4 },
  },
  cell: (c, { method }, ctx) => continual(c, method as Method, ctx),
  claims,
  plots: () => [
    {
      kind: 'bars',
      id: 'final-accuracy',
      title: 'Mean accuracy over all tasks after the last, minus Adam’s',
      caption: 'Mean accuracy over every task, measured after training on the last',
      metric: 'finalAccuracy',
      by: 'method',
      baseline: { method: 'adam' },
      y: { label: 'Δ accuracy' },
    },
    {
      kind: 'bars',
      id: 'forgetting',
      title: 'Forgetting',
      caption:
        'Best earlier accuracy on a task minus its final accuracy, averaged over all but the last task',
      metric: 'forgetting',
      by: 'method',
      y: { label: 'forgetting' },
    },
    {
      kind: 'lines',
      id: 'first-task',
      title: 'Accuracy on the first task as later tasks are learned',
      caption: 'Accuracy on plain MNIST after training on each task in turn',
      series: 'firstTask',
      by: 'method',
      x: { label: 'tasks trained' },
      y: { label: 'accuracy on task 0' },
      markers: true,
    },
    ...METHODS.map((m) => ({
      kind: 'matrix' as const,
      id: `accuracy-${m}`,
      title: `Accuracy matrix, ${METHOD_LABEL[m]}`,
      caption: 'Row i: after training on task i; column j: accuracy on task j',
      matrix: 'accuracy',
      where: { method: m },
      x: { label: 'evaluated on' },
      y: { label: 'after training on' },
      colorLabel: 'accuracy',
    })),
  ],
  notes: [
    'A small stand-in for the paper’s online-learning benchmarks (TinyImageNet, 5-dataset), whose exact protocol and numbers the spec could not verify.',
  ],
});
