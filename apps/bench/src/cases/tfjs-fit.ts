/**
 * paperkit optimizers inside tfjs `model.fit` (issue 13): a `tf.sequential` MNIST MLP (784-128-10,
 * batch 128) trained by tfjs-layers with `toTfjsOptimizer(new AdamW(...))` against `tf.train.adam` at
 * the same settings, timed in pairs in the same process (target: step ratio ≤ 1.2), plus the
 * optimizer's own update (`applyGradients` on fixed gradients) and the test accuracy after a short fit.
 */

import { loadMnist } from '@paperkit/mnist';
import { AdamW, currentBackend, initBackend, mean, Rng, toTfjsOptimizer } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BenchFigure } from '../figures.js';
import { measurePaired, measurePairedAsync } from '../measure.js';

/** Sizes of the benchmark. */
export interface TfjsFitBenchOptions {
  /** Hidden width; default 128. */
  readonly hidden?: number;
  /** Batch size; default 128. */
  readonly batch?: number;
  /** Training digits for the accuracy figure; default 4000 (2 epochs). */
  readonly trainSize?: number;
  /** Time budget per paired measurement, ms; default 3000. */
  readonly budgetMs?: number;
}

function mlp(seed: number, hidden: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [784],
        units: hidden,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** Step time, update time and accuracy of `model.fit` with paperkit's AdamW against tfjs's Adam. */
export async function benchTfjsFit(o: TfjsFitBenchOptions = {}): Promise<BenchFigure[]> {
  if (!currentBackend()) await initBackend({ prefer: 'wasm' });
  const hidden = o.hidden ?? 128;
  const batch = o.batch ?? 128;
  const trainSize = o.trainSize ?? 4000;
  const budget = { ms: o.budgetMs ?? 3000, maxIterations: 300 };
  const data = loadMnist();
  const order = Rng.fromSeed(5).stream('bench-fit').permutation(data.train.count);
  const pick = (n: number) => {
    const x = new Float32Array(n * 784);
    const y = new Float32Array(n * 10);
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      x.set(data.train.features.subarray(i * 784, (i + 1) * 784), k * 784);
      y[k * 10 + data.train.labels[i]!] = 1;
    }
    return { x: tf.tensor2d(x, [n, 784]), y: tf.tensor2d(y, [n, 10]) };
  };
  const settings = { lr: 1e-3, eps: 1e-7 };
  const make = (kind: 'paperkit' | 'tfjs', seed: number) => {
    const model = mlp(seed, hidden);
    const optimizer =
      kind === 'paperkit'
        ? toTfjsOptimizer(new AdamW({ ...settings, weightDecay: 0 }), { model })
        : tf.train.adam(settings.lr, 0.9, 0.999, settings.eps);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    return { model, optimizer };
  };
  const figures: BenchFigure[] = [];
  const backend = currentBackend()?.label ?? tf.getBackend();
  const one = pick(batch);
  const ours = make('paperkit', 1);
  const theirs = make('tfjs', 1);
  try {
    const step = await measurePairedAsync(
      () => theirs.model.trainOnBatch(one.x, one.y),
      () => ours.model.trainOnBatch(one.x, one.y),
      budget,
    );
    figures.push({
      name: `model.fit step, toTfjsOptimizer(AdamW) vs tf.train.adam (784-${hidden}-10, batch ${batch}, ${backend})`,
      value: step.variant,
      unit: 'ms',
      baseline: step.baseline,
      ratio: step.ratio,
      note: `median of ${step.rounds} paired ratios; target ≤ 1.2`,
    });
    // The optimizer's own update on fixed gradients (what the adapter adds or saves).
    const vars = ours.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const grads = tf.tidy(() => {
      const g = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(one.y, ours.model.apply(one.x) as tf.Tensor) as tf.Scalar,
        vars,
      ).grads;
      return vars.map((v) => ({ name: v.name, tensor: g[v.name]! }));
    });
    const update = measurePaired(
      () =>
        theirs.optimizer.applyGradients(
          grads.map((g, i) => ({ name: theirs.model.trainableWeights[i]!.name, tensor: g.tensor })),
        ),
      () => ours.optimizer.applyGradients(grads),
      budget,
    );
    tf.dispose(grads.map((g) => g.tensor));
    figures.push({
      name: `optimizer update alone (applyGradients, ${vars.reduce((a, v) => a + v.size, 0)} params)`,
      value: update.variant,
      unit: 'ms',
      baseline: update.baseline,
      ratio: update.ratio,
      note: `median of ${update.rounds} paired ratios`,
    });
  } finally {
    for (const m of [ours, theirs]) {
      m.optimizer.dispose();
      m.model.dispose();
    }
    tf.dispose([one.x, one.y]);
  }
  // Accuracy after the same short fit from the same initial weights (3 seeds).
  const train = pick(trainSize);
  const testX = tf.tensor2d(data.test.features.slice(0, 2000 * 784), [2000, 784]);
  const accuracy = async (m: tfl.Sequential) => {
    const p = tf.tidy(() => tf.argMax(m.predict(testX) as tf.Tensor, 1));
    const pred = await p.data();
    p.dispose();
    let hit = 0;
    for (let i = 0; i < 2000; i++) if (pred[i] === data.test.labels[i]) hit++;
    return hit / 2000;
  };
  const acc = { paperkit: [] as number[], tfjs: [] as number[] };
  for (const seed of [0, 1, 2])
    for (const kind of ['paperkit', 'tfjs'] as const) {
      const m = make(kind, 10 + seed);
      await m.model.fit(train.x, train.y, { epochs: 2, batchSize: batch, shuffle: false, verbose: 0 });
      acc[kind].push(await accuracy(m.model));
      m.optimizer.dispose();
      m.model.dispose();
    }
  tf.dispose([train.x, train.y, testX]);
  figures.push({
    name: `test accuracy after 2 epochs on ${trainSize} digits, 3 seeds`,
    value: mean(acc.paperkit),
    unit: 'accuracy',
    baseline: mean(acc.tfjs),
    note: `paperkit ${acc.paperkit.map((a) => a.toFixed(3)).join(', ')}; tfjs ${acc.tfjs.map((a) => a.toFixed(3)).join(', ')} (target ±0.01)`,
  });
  return figures;
}
