import {
  accuracy,
  batches,
  CONV_TRAINING_KERNELS,
  defineExperiment,
  type ExperimentContext,
  type ExperimentResult,
  gatherBatch,
  missingKernels,
  type PaperComparison,
  type ParamMap,
  type PlotSpec,
  type Rng,
  SGD,
  softmaxCrossEntropy,
  throwIfAborted,
  train,
  warmupCosineSchedule,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { sharingMetrics } from '../metrics.js';
import { PROX_ALGORITHMS } from '../prox/prox.js';
import { WeightSharingProx } from '../training/weight-sharing-prox.js';
import { PAPER } from './paper.js';
import { type TorusData, type TorusVariant, torusData } from './torus-data.js';
import {
  applyTorusCnn,
  applyTorusFc,
  type BnMode,
  type BnStats,
  initTorusCnn,
  initTorusFc,
} from './torus-models.js';

const schema = z.strictObject({
  /** Training digits (of tensor-core's 8 000-digit training split). */
  nTrain: z.number().int().min(100).max(8000).default(6000),
  /** Test digits (of the 2 000-digit test split). */
  nTest: z.number().int().min(100).max(2000).default(2000),
  /** Channels α of the CNN and of the FC twin (fc1 has 196·196·α weights). */
  width: z.number().int().min(1).default(8),
  epochs: z.number().int().min(1).default(15),
  batchSize: z.number().int().min(1).default(128),
  /** Peak SGD learning rate (cosine annealed to 0, as the reference scripts). */
  lr: z.number().positive().default(0.1),
  /**
   * SGD momentum. The reference scripts use 0 over ~14k steps; at this budget (≤ 1k steps) plain SGD
   * barely leaves the initial loss, so both presets use 0.9 (a named deviation).
   */
  momentum: z.number().min(0).max(0.99).default(0),
  /** ws_lr values of the FC+WS runs (prox on fc1's weight and, separately, its bias). */
  wsLrs: z.array(z.number().positive()).min(1).default([1e-3, 3e-3]),
  seeds: z.number().int().min(1).default(3),
  variants: z
    .array(z.enum(['shifted', 'permuted']))
    .min(1)
    .default(['shifted', 'permuted']),
  /** Train the CNN (skipped with a message when the backend cannot train convolutions). */
  cnn: z.boolean().default(true),
  /** Training images whose batch statistics the BN layers use at test time. */
  bnSamples: z.number().int().min(10).default(1000),
  algorithm: z.enum(PROX_ALGORITHMS as ['pav', 'end', 'imminent', 'search']).default('pav'),
});

/** Config of the MNIST-torus experiment. */
export type MnistTorusConfig = z.output<typeof schema>;

/** A model of the comparison: name, builder, forward, and the ws_lr of its fc1 prox (0 = none). */
interface ModelSpec {
  readonly key: string;
  readonly label: string;
  readonly init: (rng: Rng) => ParamMap;
  readonly forward: (p: ParamMap, x: tf.Tensor, mode: BnMode) => tf.Tensor2D;
  readonly wsLr: number;
}

interface RunOutcome {
  readonly accuracy: number;
  readonly fc1?: Float32Array;
}

async function evaluate(
  model: ModelSpec,
  params: ParamMap,
  data: TorusData,
  bnSamples: number,
): Promise<number> {
  const stats = new Map<string, BnStats>();
  const idx = Int32Array.from({ length: Math.min(bnSamples, data.train.count) }, (_, i) => i);
  const bnBatch = gatherBatch(data.train, idx);
  tf.dispose([model.forward(params, bnBatch.x, { kind: 'collect', out: stats }), bnBatch.x, bnBatch.y]);
  let correct = 0;
  try {
    for (let start = 0; start < data.test.count; start += 500) {
      const ids = Int32Array.from({ length: Math.min(500, data.test.count - start) }, (_, i) => start + i);
      const { x, y } = gatherBatch(data.test, ids);
      const acc = tf.tidy(() => accuracy(model.forward(params, x, { kind: 'eval', stats }), y));
      correct += (await acc.data())[0]! * ids.length;
      tf.dispose([acc, x, y]);
    }
  } finally {
    for (const s of stats.values()) tf.dispose([s.mean, s.variance]);
  }
  return correct / data.test.count;
}

async function fit(
  cfg: MnistTorusConfig,
  model: ModelSpec,
  data: TorusData,
  rng: Rng,
  ctx: ExperimentContext,
  label: string,
) {
  const params = model.init(rng.stream(`init-${model.key}`));
  const perEpoch = Math.ceil(data.train.count / cfg.batchSize);
  const steps = cfg.epochs * perEpoch;
  const schedule = warmupCosineSchedule({ peak: cfg.lr, warmupSteps: 0, totalSteps: steps });
  const prox =
    model.wsLr > 0
      ? new WeightSharingProx({
          layers: [{ weight: 'fc1.weight', bias: 'fc1.bias', wsLr: model.wsLr }],
          algorithm: cfg.algorithm,
        })
      : undefined;
  const opt = new SGD({ lr: schedule, momentum: cfg.momentum, ...(prox ? { hooks: prox.hooks } : {}) });
  const order = rng.stream(`batches-${model.key}`);
  let epochBatches: Int32Array[] = [];
  try {
    await train({
      steps,
      checkEvery: 10,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress.update(p.step, `${label} loss ${p.loss.toFixed(3)}`),
      step: (i) => {
        if (i % perEpoch === 0) epochBatches = [...batches(data.train.count, cfg.batchSize, order)];
        const { x, y } = gatherBatch(data.train, epochBatches[i % perEpoch]!);
        try {
          return opt.minimize(
            () => softmaxCrossEntropy(model.forward(params, x, { kind: 'train' }), y) as tf.Scalar,
            params,
          );
        } finally {
          tf.dispose([x, y]);
        }
      },
    });
    const acc = await evaluate(model, params, data, cfg.bnSamples);
    const fc1 = params.has('fc1.weight')
      ? ((await params.get('fc1.weight').data()) as Float32Array)
      : undefined;
    return { accuracy: acc, ...(fc1 ? { fc1 } : {}) } satisfies RunOutcome;
  } finally {
    opt.dispose();
    params.dispose();
  }
}

/** The 196 incoming weights of fc1 unit (channel c, position p), as a side×side image in pixel space. */
function unitImage(
  fc1: Float32Array,
  side: number,
  width: number,
  c: number,
  p: number,
  perm: Int32Array,
): number[] {
  const px = side * side;
  const out = new Array<number>(px).fill(0);
  // Input k of a permuted image is shifted-image pixel perm[k]; undo the permutation for display.
  for (let k = 0; k < px; k++) out[perm[k]!] = fc1[k * width * px + c * px + p]!;
  return out;
}

const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

async function run(cfg: MnistTorusConfig, ctx: ExperimentContext): Promise<ExperimentResult> {
  const side = 14;
  const missing = missingKernels(CONV_TRAINING_KERNELS);
  const cnnSkip = !cfg.cnn
    ? 'disabled by config (cnn: false)'
    : missing.length > 0
      ? `backend '${ctx.backend.label}' lacks ${missing.join(', ')}; register the BLAS kernels (@paperkit/tensor-native) or run with --backend cpu`
      : null;
  const models: ModelSpec[] = [
    ...(cnnSkip === null
      ? [
          {
            key: 'cnn',
            label: 'CNN',
            init: (r: Rng) => initTorusCnn(r, cfg.width),
            forward: (p: ParamMap, x: tf.Tensor, m: BnMode) => applyTorusCnn(p.tensors(), x, side, m),
            wsLr: 0,
          },
        ]
      : []),
    {
      key: 'fc',
      label: 'FC',
      init: (r) => initTorusFc(r, side, cfg.width),
      forward: (p, x, m) => applyTorusFc(p.tensors(), x, side, cfg.width, m),
      wsLr: 0,
    },
    ...cfg.wsLrs.map((ws) => ({
      key: `fcws${ws}`,
      label: `FC+WS (ws_lr ${ws})`,
      init: (r: Rng) => initTorusFc(r, side, cfg.width),
      forward: (p: ParamMap, x: tf.Tensor, m: BnMode) => applyTorusFc(p.tensors(), x, side, cfg.width, m),
      wsLr: ws,
    })),
  ];
  const acc: Record<string, number[]> = {};
  const distinct: Record<string, number[]> = {};
  const firstLayer = new Map<string, { fc1: Float32Array; perm: Int32Array }>();
  for (let seed = 0; seed < cfg.seeds; seed++) {
    for (const variant of cfg.variants as TorusVariant[]) {
      const rng = ctx.rng.stream(`seed${seed}`);
      const data = torusData(rng, variant, cfg.nTrain, cfg.nTest);
      for (const model of models) {
        throwIfAborted(ctx.signal);
        const label = `seed ${seed} ${variant} ${model.label}`;
        ctx.progress.start(label, cfg.epochs * Math.ceil(data.train.count / cfg.batchSize));
        const out = await fit(cfg, model, data, rng, ctx, label);
        const key = `${variant}:${model.key}`;
        (acc[key] ??= []).push(out.accuracy);
        const record: Record<string, number | string> = {
          step: seed,
          variant,
          model: model.key,
          accuracy: out.accuracy,
        };
        if (out.fc1) {
          const m = sharingMetrics(out.fc1);
          (distinct[key] ??= []).push(m.distinctRatio);
          record.distinctRatio = m.distinctRatio;
          record.sparsity = m.sparsity;
          if (seed === 0) firstLayer.set(key, { fc1: out.fc1, perm: data.permutation });
        }
        ctx.metrics.write(record as never);
      }
    }
  }

  const a = (variant: string, key: string) =>
    acc[`${variant}:${key}`] ? mean(acc[`${variant}:${key}`]!) : Number.NaN;
  const ws = `fcws${cfg.wsLrs.reduce((best, v) => (a('shifted', `fcws${v}`) > a('shifted', `fcws${best}`) ? v : best))}`;
  const summary: Record<string, number | string | boolean> = {
    cnn: cnnSkip === null ? 'trained' : `skipped: ${cnnSkip}`,
    bestWsModel: ws,
  };
  for (const [k, v] of Object.entries(acc)) summary[`acc_${k}`] = mean(v);
  for (const [k, v] of Object.entries(distinct)) summary[`distinctRatio_${k}`] = mean(v);

  const comparisons: PaperComparison[] = [];
  const has = (v: string) => cfg.variants.includes(v as TorusVariant);
  const note = `paper accuracies not retrieved; ${cfg.seeds} seed(s), ${cfg.nTrain} train digits, ${cfg.epochs} epochs, momentum ${cfg.momentum}`;
  if (has('shifted')) {
    comparisons.push({
      metric: 'shifted digits: FC+WS accuracy − FC accuracy',
      ours: a('shifted', ws) - a('shifted', 'fc'),
      paper: null,
      note: `WS gives the FC net a convolution-like prior (expected ordering CNN > FC+WS > FC, spec §I.8 P3); ${note}`,
      holds: a('shifted', ws) > a('shifted', 'fc'),
    });
    const dr = mean(distinct[`shifted:fc`] ?? [Number.NaN]) / mean(distinct[`shifted:${ws}`] ?? [Number.NaN]);
    comparisons.push({
      metric: 'distinct-weight ratio of fc1, FC ÷ FC+WS (shifted)',
      ours: dr,
      paper: null,
      note: 'spec §I.8 P3: drops by orders of magnitude',
      holds: dr >= 10,
    });
    if (cnnSkip === null)
      comparisons.push({
        metric: 'shifted digits: CNN accuracy − FC+WS accuracy',
        ours: a('shifted', 'cnn') - a('shifted', ws),
        paper: null,
        note,
        holds: a('shifted', 'cnn') > a('shifted', ws),
      });
  }
  if (has('shifted') && has('permuted')) {
    if (cnnSkip === null)
      comparisons.push({
        metric: 'CNN accuracy drop from shifted to permuted pixels',
        ours: a('shifted', 'cnn') - a('permuted', 'cnn'),
        paper: 'a CNN fails on shuffled pixels',
        note,
        holds: a('shifted', 'cnn') - a('permuted', 'cnn') >= 0.1,
      });
    comparisons.push({
      metric: 'FC accuracy change from shifted to permuted pixels',
      ours: a('permuted', 'fc') - a('shifted', 'fc'),
      paper: 'an FC net is indifferent to a fixed pixel shuffle',
      note: `only noise should differ (|Δ| < 0.03 judged); ${note}`,
      holds: Math.abs(a('permuted', 'fc') - a('shifted', 'fc')) < 0.03,
    });
    comparisons.push({
      metric: 'FC+WS accuracy change from shifted to permuted pixels',
      ours: a('permuted', ws) - a('shifted', ws),
      paper: 'FC+WS learns the same filters when pixels are shuffled',
      note: `R is permutation invariant and fc1 permutation equivariant, so only noise should differ (|Δ| < 0.03 judged); ${note}`,
      holds: Math.abs(a('permuted', ws) - a('shifted', ws)) < 0.03,
    });
  }

  const categories = models.map((m) => m.label);
  const plots: PlotSpec[] = [
    {
      kind: 'bar',
      id: 'accuracy',
      title: `MNIST-torus 14×14: test accuracy (${cfg.seeds} seed(s), ${cfg.nTrain} train digits, ${cfg.epochs} epochs)`,
      categories,
      groups: cfg.variants.map((v) => ({ name: `${v} pixels`, values: models.map((m) => a(v, m.key)) })),
      y: { label: 'test accuracy', domain: [0, 1] },
    },
  ];
  const channels = Math.min(cfg.width, 8);
  const positions = [0, 7 * side + 7];
  for (const [key, layer] of firstLayer) {
    const [variant, modelKey] = key.split(':') as [string, string];
    if (modelKey !== ws && modelKey !== 'fc') continue;
    const images: number[][] = [];
    const captions: string[] = [];
    for (const p of positions)
      for (let c = 0; c < channels; c++) {
        images.push(unitImage(layer.fc1, side, cfg.width, c, p, layer.perm));
        captions.push(`ch ${c}, pos (${Math.floor(p / side)},${p % side})`);
      }
    const model = models.find((m) => m.key === modelKey)!;
    plots.push({
      kind: 'images',
      id: `filters-${variant}-${modelKey.replace(/[^a-z0-9]/gi, '-')}`,
      title: `${model.label}, ${variant} pixels: fc1 rows as 14×14 images${variant === 'permuted' ? ' (permutation undone for display)' : ''}`,
      images,
      width: side,
      height: side,
      captions,
      columns: channels,
      scale: 'diverging',
    });
  }
  return {
    summary,
    comparisons,
    plots,
    series: Object.fromEntries(Object.entries(acc).map(([k, v]) => [`acc_${k}`, v])),
  };
}

/**
 * MNIST-torus-lite (spec §I.5, §I.8 P3): on cyclically shifted 14×14 digits, a CNN vs its fully
 * connected twin with and without weight-sharing regularization on fc1, and the same with a fixed
 * pixel permutation, which breaks the CNN's locality prior but not FC+WS. Reports test accuracy,
 * fc1's distinct-weight ratio and fc1's rows as images (conv-like filters).
 */
export const mnistTorusExperiment = defineExperiment({
  id: 'weight-sharing/mnist-torus',
  paper: PAPER,
  title: 'MNIST-torus 14×14: CNN vs FC vs FC+WS on shifted and pixel-permuted digits, with fc1 filters',
  schema,
  presets: {
    quick: { nTrain: 6000, nTest: 1000, epochs: 12, seeds: 1, wsLrs: [3e-3], momentum: 0.9 },
    full: { momentum: 0.9 },
  },
  run,
});
