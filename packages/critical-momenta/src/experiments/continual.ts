import { loadMnist } from '@paperkit/mnist';
import {
  above,
  bars,
  below,
  claimOf,
  curves,
  defineExperiment,
  deltaBars,
  diff,
  grid,
  initMlp,
  type LabeledArrays,
  type MlpConfig,
  train,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { continualMetrics } from '../continual-metrics.js';
import { evaluateMlp, mlpStep, networkOptimizer } from './classifier-run.js';
import { ADAM, bufferFields, CG, CM, lrField, METHOD_LABEL, METHODS, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  /** Tasks in the sequence: task 0 is plain MNIST, task k > 0 a fixed random pixel permutation of it. */
  tasks: z.int().min(2).max(10).default(5),
  stepsPerTask: z.int().min(1).max(10_000).default(500), // training steps on each task before the next
  batchSize: z.int().min(1).max(1000).default(64),
  size: z.union([z.literal(14), z.literal(28)]).default(28), // image side: 14 (2×2 average-pooled) or 28
  hidden: z.array(z.int().min(1).max(1024)).min(1).max(3).default([256]),
  lr: lrField(0.1).default(1e-3),
  ...bufferFields,
  testCount: z.int().min(10).max(2000).default(2000), // test digits per task (a prefix of the test split)
});

/** The data of one task: every image's pixels permuted by `perm` (the identity for task 0). */
function permuted(data: LabeledArrays, perm: Int32Array, count = data.count): LabeledArrays {
  const d = perm.length;
  const features = new Float32Array(count * d);
  for (let r = 0; r < count; r++)
    for (let j = 0; j < d; j++) features[r * d + j] = data.features[r * d + perm[j]!]!;
  return { ...data, features, labels: data.labels.subarray(0, count), count };
}

const ONLINE = 'abstract: online learning on TinyImageNet and 5-dataset, where exploration helps';

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
  presets: { quick: { tasks: 3, stepsPerTask: 200, size: 14, hidden: [100], testCount: 1000 }, full: {} },
  seeds: { quick: 3, full: 5 },
  cells: () => grid({ method: METHODS }),
  metrics: {
    finalAccuracy: { label: 'mean accuracy over tasks after the last', better: 'higher', digits: 4 },
    forgetting: { label: 'mean forgetting', better: 'lower', digits: 4 },
    learningAccuracy: { label: 'mean accuracy on each task right after it', better: 'higher', digits: 4 },
  },
  async cell(c, { method }, ctx) {
    // One optimizer whose state carries across tasks, as in online learning; R[i][j] is the accuracy on
    // task j after training on task i. Every method of a seed sees the same permutations, θ₀ and batches.
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
        const step = mlpStep(params, mlp, opt, trainSets[k]!, order, c.batchSize);
        await train({ steps: c.stepsPerTask, checkEvery: 50, signal: ctx.signal, step });
        const row = testSets.map((t) => evaluateMlp(params, mlp, t).accuracy);
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
  },
  claims: () => [
    claimOf('cm-final-accuracy', diff('finalAccuracy', CM, ADAM), above(), {
      statement: 'after the last task, Adam+CM’s mean accuracy over all tasks is above Adam’s',
      reference: qualitative(ONLINE),
      digits: 4,
    }),
    claimOf('cm-less-forgetting', diff('forgetting', CM, ADAM), below(), {
      statement: 'Adam+CM forgets less than Adam',
      reference: qualitative(`${ONLINE} (the spec lists accuracy and forgetting as the metrics, unverified)`),
      digits: 4,
    }),
    claimOf('cm-beats-cg', diff('finalAccuracy', CM, CG), above(), {
      statement: 'after the last task, Adam+CM’s mean accuracy is above Adam+CG’s',
      reference: qualitative(ONLINE),
      digits: 4,
    }),
  ],
  plots: () => [
    deltaBars(
      'final-accuracy',
      'Mean accuracy over all tasks after the last, minus Adam’s',
      'Mean accuracy over every task, measured after training on the last',
      'finalAccuracy',
      ADAM,
      'Δ accuracy',
    ),
    bars(
      'forgetting',
      'Forgetting',
      'Best earlier accuracy on a task minus its final accuracy, averaged over all but the last task',
      'forgetting',
      'forgetting',
      { by: 'method' },
    ),
    curves(
      'first-task',
      'Accuracy on the first task as later tasks are learned',
      'Accuracy on plain MNIST after training on each task in turn',
      'firstTask',
      'accuracy on task 0',
      { by: 'method', x: 'tasks trained', markers: true },
    ),
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
