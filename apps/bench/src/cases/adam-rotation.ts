/**
 * adam-rotation benchmark (issue #7, performance): the cost of running AdamW in a rotated basis,
 * measured against plain AdamW in the same process on a ~5e5-parameter transformer, plus the raw
 * throughput of rotate + unrotate. Register in figures.ts as
 *   { name: 'adam-rotation', run: (quick) => benchAdamRotation(quick ? QUICK_ADAM_ROTATION : {}) }
 * (and add "@paperkit/adam-rotation": "workspace:^" to this app's dependencies).
 */
import { createRotation, type Rotation, type RotationScope, rotated } from '@paperkit/adam-rotation';
import {
  AdamW,
  applyTransformer,
  initTransformer,
  languageModelLoss,
  type Optimizer,
  type ParamMap,
  Rng,
  type TransformerConfig,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';
import { measure } from '../measure.js';

/** Sizes of the adam-rotation benchmark. */
export interface AdamRotationBenchOptions {
  /** Transformer width; default 128 (with 2 blocks, vocabulary 256, context 64: ≈ 4.6e5 parameters). */
  readonly dModel?: number;
  readonly layers?: number;
  readonly vocab?: number;
  readonly seq?: number;
  readonly batch?: number;
  /** Block sizes n of the global rotation; default [768 (the paper's), 64]. */
  readonly globalBlockSizes?: readonly number[];
  /** Block size of the layer rotation; default 768. */
  readonly layerBlockSize?: number;
  /** Time budget per measurement, ms; default 1500. */
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
 * Figures: for each rotation (global with each block size, layer), the ratio of the AdamW update
 * time (fixed gradients) and of the full training step time to plain AdamW's, and the rotate +
 * unrotate throughput in million coordinates per second.
 */
export async function benchAdamRotation(o: AdamRotationBenchOptions = {}): Promise<BenchFigure[]> {
  const config: TransformerConfig = {
    vocabSize: o.vocab ?? 256,
    contextLength: o.seq ?? 64,
    dModel: o.dModel ?? 128,
    heads: 4,
    layers: o.layers ?? 2,
  };
  const batch = o.batch ?? 8;
  const budget = { ms: o.budgetMs ?? 1500, maxIterations: 200 };
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
  const timeOptimizer = (opt: Optimizer, p: ParamMap) => ({
    update: measure(() => opt.step(p, grads), budget).ms,
    train: measure(() => tf.dispose(opt.minimize(lossFn, p)), budget).ms,
  });
  const figures: BenchFigure[] = [];
  try {
    // Plain AdamW is timed before and after the rotated variants (a process's first steps pay for wasm
    // memory growth and JIT); the baseline is the faster of the two.
    const plainTimes = () => {
      const plain = new AdamW({ lr: 1e-4 });
      const t = timeOptimizer(plain, params);
      plain.dispose();
      return t;
    };
    const first = plainTimes();
    const variants: Variant[] = [
      ...(o.globalBlockSizes ?? [768, 64]).map((n) => ({
        label: `global n=${n}`,
        scope: 'global' as const,
        blockSize: n,
      })),
      { label: `layer n=${o.layerBlockSize ?? 768}`, scope: 'layer', blockSize: o.layerBlockSize ?? 768 },
      { label: 'tokenLocal', scope: 'tokenLocal' },
    ];
    const measured: { label: string; update: number; train: number; pair: number }[] = [];
    for (const v of variants) {
      const rot: Rotation = createRotation(params, {
        scope: v.scope,
        rng: rng.stream(v.label),
        ...(v.blockSize !== undefined ? { blockSize: v.blockSize } : {}),
      });
      const opt = rotated(AdamW, { lr: 1e-4 }, rot);
      const t = timeOptimizer(opt, params);
      const pair = measure(() => {
        const r = rot.rotate(grads);
        tf.dispose(Object.values(rot.unrotate(r)));
        tf.dispose(Object.values(r));
      }, budget).ms;
      opt.dispose();
      measured.push({ label: v.label, update: t.update, train: t.train, pair });
    }
    const last = plainTimes();
    const base = { update: Math.min(first.update, last.update), train: Math.min(first.train, last.train) };
    figures.push(
      { name: `plain AdamW update, ${d} params`, value: base.update, unit: 'ms' },
      {
        name: `plain AdamW training step, ${d} params (batch ${batch}×${config.contextLength})`,
        value: base.train,
        unit: 'ms',
      },
    );
    for (const m of measured)
      figures.push(
        {
          name: `rotated AdamW update, ${m.label}`,
          value: m.update,
          unit: 'ms',
          baseline: base.update,
          ratio: m.update / base.update,
        },
        {
          name: `rotated AdamW training step, ${m.label}`,
          value: m.train,
          unit: 'ms',
          baseline: base.train,
          ratio: m.train / base.train,
        },
        {
          name: `rotate + unrotate throughput, ${m.label}`,
          value: d / m.pair / 1e3,
          unit: 'M coords/s',
          note: `${m.pair.toFixed(2)} ms per pair`,
        },
      );
  } finally {
    tf.dispose([tokens, targets, ...Object.values(grads)]);
    params.dispose();
  }
  return figures;
}
