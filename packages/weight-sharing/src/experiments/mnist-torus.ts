import {
  accuracy,
  batches,
  type CellContext,
  type Claim,
  cellOf,
  computed,
  defineExperiment,
  diff,
  gatherBatch,
  type ParamMap,
  SGD,
  softmaxCrossEntropy,
  train,
  value,
  warmupCosineSchedule,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { sharingMetrics } from '../metrics.js';
import { ProximalOptimizer } from '../training/proximal-optimizer.js';
import { WeightSharingProx } from '../training/weight-sharing-prox.js';
import { ALGORITHMS, PAPER, qualitative } from './paper.js';
import { type TorusData, type TorusVariant, torusData } from './torus-data.js';
import { filterImages } from './torus-filters.js';
import {
  applyTorusCnn,
  applyTorusFc,
  type BnMode,
  type BnStats,
  initTorusCnn,
  initTorusFc,
} from './torus-models.js';

const METHODS = ['CNN', 'FC', 'FC+WS'] as const;
type Method = (typeof METHODS)[number];
const methodList = z.array(z.enum(METHODS)).max(3);

const schema = z.strictObject({
  /** Training digits (of the 8 000-digit training split of `@paperkit/mnist`). */
  nTrain: z.int().min(100).max(8000),
  /** Test digits (of the 2 000-digit test split). */
  nTest: z.int().min(100).max(2000),
  /** Hidden widths (α1, α2) of both models (fc2 has α1·α2·196² weights: ≤ 4·8 keeps it ≤ 1.3M). */
  widths: z.tuple([z.int().min(1).max(8), z.int().min(1).max(32)]),
  epochs: z.int().min(1).max(200),
  batchSize: z.int().min(8).max(2000),
  /** Peak learning rate of plain SGD (no momentum), cosine annealed to 0 as in the reference scripts. */
  lr: z.number().positive().max(5),
  /**
   * Total prox strength Σ_t λ_t on fc1 and fc2 over the run; each step's λ_t = ws_lr · η_t (the
   * reference's schedule), with ws_lr = strength / Σ_t η_t. The reference script's ws_lr (1e-3, 1e-4)
   * at lr 0.1 cosine over 200 epochs of 71 batches gives (0.71, 0.071).
   */
  wsStrength: z.tuple([z.number().min(0).max(10), z.number().min(0).max(10)]),
  /** Dropout after each hidden layer of the FC twin (`Net_2FC`: 0.4). */
  dropout: z.number().min(0).max(0.9),
  /** Methods trained on each data variant (plain = unshifted digits). */
  runs: z.strictObject({ plain: methodList, shifted: methodList, permuted: methodList }),
  /** Training images whose batch statistics the BN layers use at test time. */
  bnSamples: z.int().min(10).max(8000),
  algorithm: z.enum(ALGORITHMS),
});

/** Config of the MNIST-torus experiment. */
export type MnistTorusConfig = z.output<typeof schema>;

const SIDE = 14;
const WS_LAYERS = ['fc1', 'fc2'] as const;

type Forward = (p: ParamMap, x: tf.Tensor, mode: BnMode) => tf.Tensor2D;

async function evaluate(forward: Forward, params: ParamMap, data: TorusData, bnSamples: number) {
  const stats = new Map<string, BnStats>();
  const bn = gatherBatch(
    data.train,
    Int32Array.from({ length: Math.min(bnSamples, data.train.count) }, (_, i) => i),
  );
  tf.dispose([forward(params, bn.x, { kind: 'collect', out: stats }), bn.x, bn.y]);
  const { x, y } = gatherBatch(
    data.test,
    Int32Array.from({ length: data.test.count }, (_, i) => i),
  );
  const acc = tf.tidy(() => accuracy(forward(params, x, { kind: 'eval', stats }), y));
  try {
    return (await acc.data())[0]!;
  } finally {
    tf.dispose([acc, x, y, ...[...stats.values()].flatMap((s) => [s.mean, s.variance])]);
  }
}

/** Trains one method on one data variant at `ctx.seed`; returns test accuracy and the FC weights. */
async function fit(cfg: MnistTorusConfig, method: Method, data: TorusData, ctx: CellContext) {
  const cnn = method === 'CNN';
  const forward: Forward = cnn
    ? (p, x, mode) => applyTorusCnn(p.tensors(), x, SIDE, mode)
    : (p, x, mode) => applyTorusFc(p.tensors(), x, SIDE, cfg.widths, mode);
  const params = cnn
    ? initTorusCnn(ctx.rng.stream('init-cnn'), cfg.widths)
    : initTorusFc(ctx.rng.stream('init-fc'), SIDE, cfg.widths);
  const perEpoch = Math.ceil(data.train.count / cfg.batchSize);
  const steps = cfg.epochs * perEpoch;
  const lr = warmupCosineSchedule({ peak: cfg.lr, warmupSteps: 0, totalSteps: steps });
  const sgd = new SGD({ lr });
  // Reference `prox_layer = "FC12"`: one prox over each whole weight matrix, one over each bias. Our
  // run is ~80× shorter than the reference's, so ws_lr is scaled to keep its total prox strength: the
  // prox is a semigroup (prox_aR ∘ prox_bR = prox_(a+b)R), so Σ_t λ_t bounds how far weights travel.
  let sumLr = 0;
  for (let t = 0; t < steps; t++) sumLr += lr(t);
  const layers = WS_LAYERS.map((l, i) => ({
    weight: `${l}.weight`,
    bias: `${l}.bias`,
    wsLr: cfg.wsStrength[i]! / sumLr,
  }));
  const opt =
    method === 'FC+WS'
      ? new ProximalOptimizer(sgd, new WeightSharingProx({ layers, algorithm: cfg.algorithm }))
      : sgd;
  // Every method of a seed sees the same batch order.
  const order = ctx.rng.stream('batches');
  const dropout = { rate: cnn ? 0 : cfg.dropout, rng: ctx.rng.stream('dropout') };
  let epoch: Int32Array[] = [];
  try {
    ctx.progress.start(method, steps);
    const run = await train({
      steps,
      checkEvery: 10,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
      step: (i) => {
        if (i % perEpoch === 0) epoch = [...batches(data.train.count, cfg.batchSize, order)];
        const { x, y } = gatherBatch(data.train, epoch[i % perEpoch]!);
        try {
          return opt.minimize(
            () => softmaxCrossEntropy(forward(params, x, { kind: 'train', dropout }), y) as tf.Scalar,
            params,
          );
        } finally {
          tf.dispose([x, y]);
        }
      },
    });
    const acc = await evaluate(forward, params, data, cfg.bnSamples);
    const fc = cnn ? undefined : await Promise.all(WS_LAYERS.map((l) => params.get(`${l}.weight`).data()));
    return { accuracy: acc, fc: fc as Float32Array[] | undefined, losses: run.losses };
  } finally {
    opt.dispose();
    params.dispose();
  }
}

const at = (variant: TorusVariant, method: Method) => ({ variant, method });
const NOT_RETRIEVED = "the paper's accuracy table was not retrieved";

/**
 * MNIST-torus (the reference's `mnist_torus_14` config): 14×14 digits, each cyclically shifted once,
 * learned by `Net_2CNN` and by its fully connected twin `Net_2FC` with and without weight-sharing
 * regularization on fc1 and fc2 (plain SGD, λ = ws_lr · η_t after every step), and the same under one
 * fixed pixel permutation, which breaks the CNN's locality prior but not FC+WS (R is permutation
 * invariant, the FC twin permutation equivariant). Unshifted digits check the training budget reaches
 * MNIST level. Reports test accuracy, the distinct-weight ratio of fc1 + fc2, and fc1's rows as images.
 */
export const mnistTorusExperiment = defineExperiment({
  id: 'weight-sharing/mnist-torus',
  paper: PAPER,
  title:
    'MNIST-torus 14×14: Net_2CNN vs Net_2FC with and without weight sharing, on shifted and pixel-permuted digits',
  schema,
  base: {
    nTrain: 8000,
    nTest: 2000,
    widths: [2, 8],
    epochs: 30,
    batchSize: 512,
    lr: 2,
    wsStrength: [0.71, 0.071],
    dropout: 0.4,
    runs: { plain: ['FC', 'FC+WS'], shifted: ['CNN', 'FC', 'FC+WS'], permuted: ['CNN', 'FC', 'FC+WS'] },
    bnSamples: 1000,
    algorithm: 'pav',
  },
  presets: {
    quick: {
      nTrain: 6000,
      epochs: 15,
      runs: { plain: ['FC+WS'], shifted: ['CNN', 'FC', 'FC+WS'], permuted: ['CNN', 'FC+WS'] },
    },
    full: {},
  },
  seeds: { quick: 3, full: 3 },
  cells: (cfg) =>
    (['plain', 'shifted', 'permuted'] as const).flatMap((variant) =>
      cfg.runs[variant].map((method) => cellOf({ variant, method }, `${method}, ${variant}`)),
    ),
  metrics: {
    accuracy: { label: 'test accuracy', better: 'higher', digits: 3 },
    distinctRatio: { label: 'fc1 + fc2 distinct non-zero weights ÷ non-zeros', better: 'lower', digits: 4 },
    sparsity: { label: 'fc1 + fc2 fraction of zero weights', digits: 3 },
  },
  async cell(cfg, { variant, method }, ctx) {
    const data = torusData(ctx.rng.stream('data'), variant as TorusVariant, cfg.nTrain, cfg.nTest);
    const r = await fit(cfg, method as Method, data, ctx);
    const fc = r.fc ? Float32Array.from([...r.fc[0]!, ...r.fc[1]!]) : undefined;
    const s = fc ? sharingMetrics(fc) : { distinctRatio: Number.NaN, sparsity: Number.NaN };
    return {
      metrics: { accuracy: r.accuracy, distinctRatio: s.distinctRatio, sparsity: s.sparsity },
      series: { trainLoss: { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.loss) } },
      ...(r.fc ? { images: { filters: filterImages(r.fc[0]!, data.permutation, SIDE, cfg.widths[0]) } } : {}),
    };
  },
  claims: (cfg) => {
    const has = (variant: TorusVariant, ...methods: Method[]) =>
      methods.every((m) => cfg.runs[variant].includes(m));
    const claims: Claim[] = [];
    for (const m of ['FC', 'FC+WS'] as const)
      if (has('plain', m))
        claims.push({
          id: `mnist-level-${m === 'FC' ? 'fc' : 'ws'}`,
          statement: `unshifted digits: ${m} reaches MNIST-level test accuracy (≥ 0.9)`,
          metric: value('accuracy', at('plain', m)),
          expect: { op: '>=', value: 0.9, margin: 0 },
          reference: qualitative(
            'a two-hidden-layer net on 14×14 MNIST; the training budget must reach this level',
          ),
        });
    if (has('shifted', 'FC', 'FC+WS'))
      claims.push(
        {
          id: 'ws-beats-fc',
          statement: 'shifted digits: FC+WS is more accurate than FC',
          metric: diff('accuracy', at('shifted', 'FC+WS'), at('shifted', 'FC')),
          expect: { op: '>', value: 0, margin: 0 },
          reference: qualitative(
            `the expected ordering CNN > FC+WS > FC on shifted digits; ${NOT_RETRIEVED}`,
          ),
        },
        {
          id: 'distinct-drop',
          statement:
            'fc1 + fc2 distinct-weight ratio drops by orders of magnitude (at least 10×) from FC to FC+WS',
          metric: computed(
            ['distinctRatio'],
            'distinctRatio[FC] / distinctRatio[FC+WS] (shifted)',
            (t) =>
              t.value('distinctRatio', at('shifted', 'FC')) /
              t.value('distinctRatio', at('shifted', 'FC+WS')),
          ),
          expect: { op: '>=', value: 10, margin: 0 },
          reference: qualitative('the paper: weight sharing leaves far fewer distinct weights'),
          digits: 2,
        },
      );
    if (has('shifted', 'CNN', 'FC+WS'))
      claims.push({
        id: 'cnn-beats-ws',
        statement: 'shifted digits: the CNN is more accurate than FC+WS',
        metric: diff('accuracy', at('shifted', 'CNN'), at('shifted', 'FC+WS')),
        expect: { op: '>', value: 0, margin: 0 },
        reference: qualitative(`the expected ordering CNN > FC+WS > FC; ${NOT_RETRIEVED}`),
      });
    if (has('shifted', 'CNN') && has('permuted', 'CNN'))
      claims.push({
        id: 'cnn-drops-permuted',
        statement: 'the CNN loses at least 0.1 accuracy when the pixels are permuted',
        metric: diff('accuracy', at('shifted', 'CNN'), at('permuted', 'CNN')),
        expect: { op: '>=', value: 0.1, margin: 0 },
        reference: qualitative('the paper: a CNN fails on shuffled pixels'),
      });
    for (const m of ['FC', 'FC+WS'] as const)
      if (has('shifted', m) && has('permuted', m))
        claims.push({
          id: `${m === 'FC' ? 'fc' : 'ws'}-unchanged-permuted`,
          statement: `${m}: accuracy unchanged (within ±0.03) when the pixels are permuted`,
          metric: diff('accuracy', at('permuted', m), at('shifted', m)),
          expect: { op: 'approx', value: 0, margin: 0.03 },
          reference: qualitative(
            'the paper: R is permutation invariant and the FC twin permutation equivariant, so FC+WS learns the same filters on shuffled pixels',
          ),
        });
    return claims;
  },
  plots: (cfg) => [
    {
      kind: 'bars',
      id: 'accuracy',
      title: `MNIST-torus 14×14: test accuracy (${cfg.nTrain} train digits, ${cfg.epochs} epochs)`,
      caption: 'Test accuracy per method on unshifted, shifted and pixel-permuted digits; chance is 0.1',
      metric: 'accuracy',
      by: 'method',
      groupBy: 'variant',
      y: { label: 'test accuracy', domain: [0, 1] },
    },
    {
      kind: 'bars',
      id: 'distinct-ratio',
      title: 'fc1 + fc2 distinct-weight ratio (shifted digits)',
      caption:
        'Distinct non-zero fc1 and fc2 weights (rounded to 8 decimals) ÷ non-zero weights; lower means more sharing',
      metric: 'distinctRatio',
      by: 'method',
      where: { variant: 'shifted' },
      y: { label: 'distinct ÷ non-zero', log: true },
    },
    ...(['shifted', 'permuted'] as const).flatMap((variant) =>
      cfg.runs[variant]
        .filter((m) => m !== 'CNN')
        .map((method) => ({
          kind: 'images' as const,
          id: `filters-${variant}-${method === 'FC' ? 'fc' : 'fc-ws'}`,
          title: `${method}, ${variant} pixels: fc1 rows as ${SIDE}×${SIDE} images`,
          caption: `Incoming weights of fc1 units (first channels, units 0 and 105)${variant === 'permuted' ? ', the pixel permutation undone for display' : ''}`,
          images: 'filters',
          where: { variant, method },
          columns: Math.min(cfg.widths[0], 8),
          scale: 'diverging' as const,
        })),
    ),
  ],
  notes: [
    "Reduced from the reference's run (α = (32, 64), 36k digits, 200 epochs, 14,200 steps at lr 0.1): α = (2, 8), 6,000 (quick) / 8,000 (full) of the shipped digits, 180 / 480 steps at peak lr 2, ws_lr scaled so the total prox strength Σ_t λ_t matches the reference run's. The paper's accuracies were not retrieved.",
    'At the quick budget FC+WS stays near chance on shifted and permuted digits alike, so its "unchanged under a permutation" verdict holds trivially there; FC on shifted digits learns little in 180 steps.',
  ],
});
