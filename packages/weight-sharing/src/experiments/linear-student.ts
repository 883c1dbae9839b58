import { type CellContext, ParamMap, type Rng, SGD, train } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ProxAlgorithm } from '../prox/prox.js';
import { ProximalOptimizer } from '../training/proximal-optimizer.js';
import { WeightSharingProx } from '../training/weight-sharing-prox.js';

/** A linear teacher W* (row-major, `rows` outputs × `cols` inputs) and how the student is trained on it. */
export interface LinearTask {
  readonly teacher: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** Label noise standard deviation. */
  readonly noise: number;
  readonly nTest: number;
  /** Full-batch proximal gradient steps at the constant learning rate `lr`. */
  readonly steps: number;
  readonly lr: number;
  readonly algorithm: ProxAlgorithm;
}

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
 * (1/n)Σ ½‖y − Wx‖², with the library's WeightSharingProx behind tensor-core SGD. The data come from
 * the seed's `train<n>` and `test` streams, so every ws_lr of a seed sees the same points.
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
    ctx.progress.start(`n=${nTrain} ws_lr=${wsLr}`, t.steps);
    const run = await train({
      steps: t.steps,
      step: () => opt.minimize(loss, params),
      checkEvery: 200,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(4)}`),
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
    return { testMse, maxAbsErr, learned, losses: run.losses };
  } finally {
    opt.dispose();
    params.dispose();
    tf.dispose([xTrain, yTrain]);
  }
}
