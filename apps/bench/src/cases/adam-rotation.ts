/**
 * adam-rotation benchmark (issue #7, performance): the cost of running AdamW in a rotated basis,
 * timed in pairs with plain AdamW on a ~1e6-parameter transformer at 512 tokens per batch, plus the
 * rotate + unrotate time and the memory a rotation holds (O(n² + d), §A.9).
 */
import {
  createRotation,
  PAPER_SVD_EVERY,
  type Rotation,
  type RotationScope,
  rotated,
} from '@paperkit/adam-rotation';
import {
  AdamW,
  applyTransformer,
  initTransformer,
  languageModelLoss,
  Rng,
  type TransformerConfig,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';
import { measure, measurePaired } from '../measure.js';

/** Sizes of the adam-rotation benchmark. */
export interface AdamRotationBenchOptions {
  /** Transformer width; default 128 (with 4 blocks, vocabulary 1024, context 64: 1,063,680 parameters). */
  readonly dModel?: number;
  readonly layers?: number;
  readonly vocab?: number;
  readonly seq?: number;
  /** Sequences per batch; default 8 (8 × 64 = 512 tokens, the batch × sequence). */
  readonly batch?: number;
  /** Block sizes n of the global rotation; default [16, 64, 256] (the issue's). */
  readonly globalBlockSizes?: readonly number[];
  /** Block size of the layer rotation; default 64. */
  readonly layerBlockSize?: number;
  /** Time budget per paired measurement, ms; default 4000. */
  readonly budgetMs?: number;
}

/** Tiny sizes for `--quick` (checks that the benchmark starts; figures not comparable). */
export const QUICK_ADAM_ROTATION: AdamRotationBenchOptions = {
  dModel: 16,
  layers: 1,
  vocab: 16,
  seq: 8,
  batch: 2,
  globalBlockSizes: [16],
  layerBlockSize: 16,
  budgetMs: 30,
};

interface Variant {
  readonly label: string;
  readonly scope: RotationScope;
  readonly blockSize?: number;
}

/**
 * Figures, for each rotation (global with each block size, layer, fanIn, tokenLocal, svd): the
 * training-step and update (fixed gradients) time of rotated AdamW, each timed in pairs with plain
 * AdamW (ratio = median per-pair ratio), the rotate + unrotate time, and the device memory the
 * rotation holds (its index vectors and blocks) against the d floats of one parameter copy. The svd
 * rotation's per-step figures exclude its basis recomputation, reported separately with its cost
 * amortized over the paper's F = 250 steps.
 */
export async function benchAdamRotation(o: AdamRotationBenchOptions = {}): Promise<BenchFigure[]> {
  const config: TransformerConfig = {
    vocabSize: o.vocab ?? 1024,
    contextLength: o.seq ?? 64,
    dModel: o.dModel ?? 128,
    heads: 4,
    layers: o.layers ?? 4,
  };
  const batch = o.batch ?? 8;
  const budget = { ms: o.budgetMs ?? 4000, maxIterations: 200 };
  const rng = Rng.fromSeed(20_260_107);
  const params = initTransformer(rng.stream('init'), config);
  const d = params.size;
  const tokens = tf.tensor2d(
    Int32Array.from({ length: batch * config.contextLength }, () => rng.int(config.vocabSize)),
    [batch, config.contextLength],
    'int32',
  );
  const targets = tf.tensor2d(
    Int32Array.from({ length: batch * config.contextLength }, () => rng.int(config.vocabSize)),
    [batch, config.contextLength],
    'int32',
  );
  const grads = tf.tidy(() => {
    const { grads: g } = tf.variableGrads(() =>
      languageModelLoss(applyTransformer(params.tensors(), tokens, config), targets),
    );
    const byName: Record<string, tf.Tensor> = {};
    for (const [n, v] of Object.entries(params.tensors())) byName[n] = g[v.name]!;
    return byName;
  });
  const lossFn = () => languageModelLoss(applyTransformer(params.tensors(), tokens, config), targets);
  const figures: BenchFigure[] = [];
  const variants: Variant[] = [
    ...(o.globalBlockSizes ?? [16, 64, 256]).map((n) => ({
      label: `global n=${n}`,
      scope: 'global' as const,
      blockSize: n,
    })),
    { label: `layer n=${o.layerBlockSize ?? 64}`, scope: 'layer', blockSize: o.layerBlockSize ?? 64 },
    { label: 'fanIn', scope: 'fanIn' },
    { label: 'tokenLocal', scope: 'tokenLocal' },
    // every: the refresh is timed on its own below, so per-step figures see a fixed basis.
    { label: 'svd', scope: 'svd' },
  ];
  const plain = new AdamW({ lr: 1e-6 });
  try {
    let baseStep = 0;
    for (const v of variants) {
      const rot: Rotation = createRotation(params, {
        scope: v.scope,
        rng: rng.stream(v.label),
        ...(v.blockSize !== undefined ? { blockSize: v.blockSize } : {}),
        ...(v.scope === 'svd' ? { every: PAPER_SVD_EVERY } : {}),
      });
      const opt = rotated(new AdamW({ lr: 1e-6 }), rot);
      // The first step materializes the rotation (and, for svd, computes its first basis).
      const before = tf.memory().numBytes;
      const t0 = performance.now();
      opt.step(params, grads);
      const first = performance.now() - t0;
      // What the first step adds, less the new optimizer's m and v slots (d floats each).
      const held = tf.memory().numBytes - before - 2 * 4 * d;
      const step = measurePaired(
        () => tf.dispose(plain.minimize(lossFn, params)),
        () => tf.dispose(opt.minimize(lossFn, params)),
        budget,
      );
      const update = measurePaired(
        () => plain.step(params, grads),
        () => opt.step(params, grads),
        budget,
      );
      const pair = measure(() => {
        const r = rot.rotate(grads);
        tf.dispose(Object.values(rot.unrotate(r)));
        tf.dispose(Object.values(r));
      }, budget).ms;
      opt.dispose();
      baseStep = Math.max(baseStep, step.baseline);
      figures.push(
        {
          name: `rotated AdamW training step, ${v.label}`,
          value: step.variant,
          unit: 'ms',
          baseline: step.baseline,
          ratio: step.ratio,
          note: `overhead ${((step.ratio - 1) * 100).toFixed(1)}% (${step.rounds} pairs)`,
        },
        {
          name: `rotated AdamW update, ${v.label}`,
          value: update.variant,
          unit: 'ms',
          baseline: update.baseline,
          ratio: update.ratio,
        },
        {
          name: `rotate + unrotate, ${v.label}`,
          value: pair,
          unit: 'ms',
          note: `${(d / pair / 1e3).toFixed(0)} M coords/s`,
        },
        {
          name: `rotation device memory, ${v.label}`,
          value: held / 1e6,
          unit: 'MB',
          baseline: (4 * d) / 1e6,
          ratio: held / (4 * d),
          note: 'vs one float32 copy of the parameters',
        },
      );
      if (v.scope === 'svd')
        figures.push({
          name: 'svd basis recomputation (every F = 250 steps)',
          value: first,
          unit: 'ms',
          note: `+${(first / PAPER_SVD_EVERY).toFixed(2)} ms per step amortized`,
        });
    }
    figures.unshift({
      name: `plain AdamW training step, ${d} params (batch ${batch}×${config.contextLength})`,
      value: baseStep,
      unit: 'ms',
    });
  } finally {
    plain.dispose();
    tf.dispose([tokens, targets, ...Object.values(grads)]);
    params.dispose();
  }
  return figures;
}
