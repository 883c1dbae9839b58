import { loadMnist } from '@paperkit/mnist';
import {
  above,
  accuracy,
  applyCnn,
  assertCnnTrainable,
  BatchCursor,
  below,
  type CnnConfig,
  claimOf,
  computed,
  defineExperiment,
  deltaBars,
  gatherBatch,
  grid,
  initCnn,
  type Optimizer,
  qualitative,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { including, lossCurves, lrField, PAPER, scopeField, trainAdamW } from './shared.js';

const schema = z.strictObject({
  size: z.union([z.literal(14), z.literal(28)]).default(28), // digits 28×28 or 2×2-average-pooled 14×14
  channels: z.array(z.int().min(1).max(64)).min(1).max(3).default([16, 32]), // conv 3×3 → ReLU → 2×2 max-pool stages
  trainSize: z.int().min(100).max(8000).default(8000), // prefix of the fixed 8 000-digit training split
  testSize: z.int().min(100).max(2000).default(2000),
  batch: z.int().min(1).max(256).default(64),
  steps: z.int().min(25).max(5000).default(1500),
  lr: lrField(0.1).default(1e-3), // peak AdamW learning rate (warmup, then cosine to a tenth)
  warmup: z.int().min(0).max(1_000_000).default(100),
  weightDecay: z.number().min(0).max(1).default(1e-4),
  blockSize: z.int().min(1).max(4096).default(64), // n of the global and layer rotations
  scopes: z.array(scopeField).min(2).default(['none', 'fanOut', 'fanIn', 'layer', 'global']), // must include none
});

/** `metric[scope] − metric[none]` per seed. */
const vsNone = (metric: string, scope: string, relative: boolean) =>
  computed([metric], `${metric}[${scope}] − ${metric}[none]${relative ? ' (relative)' : ''}`, (t) => {
    const none = t.value(metric, { scope: 'none' });
    return (t.value(metric, { scope }) - none) / (relative ? none : 1);
  });

/**
 * A convnet analogue of the paper's ResNet-50 result (Fig. 15: training and validation loss and
 * accuracy almost unchanged by any rotation): a small CNN on the MNIST digits trained with AdamW (the
 * paper's ResNet recipe: lr 1e-3, β = (0.9, 0.999), weight decay 1e-4, warmup + cosine) under each
 * rotation scope.
 */
export const cnn = defineExperiment({
  id: 'adam-rotation/cnn',
  paper: PAPER,
  title: 'A small CNN on MNIST digits trained with AdamW under each rotation scope (ResNet analogue)',
  schema: schema.refine(...including('scopes', 'none')),
  presets: { quick: { size: 14, channels: [8, 16], steps: 400, warmup: 40 }, full: {} },
  cells: (c) => grid({ scope: c.scopes }),
  metrics: {
    testAccuracy: { label: 'test accuracy', better: 'higher', digits: 4 },
    testLoss: { label: 'test loss (nats)', better: 'lower', digits: 4 },
    trainLoss: { label: 'training loss, last 20% of steps (nats)', better: 'lower', digits: 4 },
  },
  async cell(c, { scope }, ctx) {
    assertCnnTrainable();
    const data = loadMnist({ size: c.size });
    const net: CnnConfig = { inputShape: [c.size, c.size, 1], channels: c.channels, outputs: 10 };
    const params = initCnn(ctx.rng.stream('init'), net);
    const test = gatherBatch(
      data.test,
      Int32Array.from({ length: c.testSize }, (_, i) => i),
    );
    const cursor = new BatchCursor(c.trainSize, c.batch, ctx.rng.stream('batches'), { dropLast: true });
    const step = (opt: Optimizer) => {
      const { x, y } = gatherBatch(data.train, cursor.next());
      const loss = () => softmaxCrossEntropy(applyCnn(params.tensors(), x, net), y) as tf.Scalar;
      try {
        return opt.minimize(loss, params);
      } finally {
        tf.dispose([x, y]);
      }
    };
    try {
      const adamw = { weightDecay: c.weightDecay };
      const { trainLoss, loss } = await trainAdamW(ctx, params, scope, { ...c, adamw }, step);
      const scores = tf.tidy(() => {
        const logits = applyCnn(params.tensors(), test.x, net);
        return tf.stack([accuracy(logits, test.y), softmaxCrossEntropy(logits, test.y)]);
      });
      const [testAccuracy, testLoss] = await scores.data();
      scores.dispose();
      return { metrics: { testAccuracy, testLoss, trainLoss }, series: { loss } };
    } finally {
      tf.dispose([test.x, test.y]);
      params.dispose();
    }
  },
  claims: (c) =>
    c.scopes
      .filter((sc) => sc !== 'none')
      .flatMap((sc) => [
        claimOf(`accuracy-${sc.toLowerCase()}`, vsNone('testAccuracy', sc, false), above(-0.01), {
          statement: `${sc} rotation costs the CNN less than 1 point of test accuracy`,
          reference: qualitative('Fig. 15: ResNet-50 accuracy almost unchanged by any rotation'),
          digits: 4,
        }),
        claimOf(`train-loss-${sc.toLowerCase()}`, vsNone('trainLoss', sc, true), below(0.1), {
          statement: `${sc} rotation raises the CNN's training loss by less than 10%`,
          reference: qualitative('Fig. 15: ResNet-50 training loss almost unchanged by any rotation'),
        }),
      ]),
  plots: () => [
    deltaBars(
      'accuracy-vs-none',
      'CNN test accuracy of each rotation scope minus the unrotated run',
      'Per-seed difference to scope none',
      'testAccuracy',
      { scope: 'none' },
      'Δ test accuracy',
    ),
    lossCurves('CNN training loss per rotation scope', 'scope', { log: true }),
  ],
  notes: ['The paper trains ResNet-50 on ImageNet; this is a two-stage CNN on at most 8 000 MNIST digits.'],
});
