import { computed, defineExperiment, grid } from '@paperkit/tensor-core';
import { z } from 'zod';
import { lrField, PAPER, qualitative } from './shared.js';
import { tinyTransformer } from './tiny-transformer.js';
import { TRANSFORMER_METRICS, trainTransformer, transformerFields } from './transformer-run.js';

/** Which weights a target rotates (layer-wise), by tensor-core's transformer parameter names. */
const TARGETS = {
  none: () => false,
  embeddings: (n: string) => n === 'tok.embedding' || n === 'pos.embedding',
  head: (n: string) => n === 'head.weight',
  attention: (n: string) => /\.attn\.(qkv|proj)\.weight$/.test(n),
  mlp: (n: string) => /\.mlp\.fc[12]\.weight$/.test(n),
  all: (n: string) => /(embedding|weight)$/.test(n),
} as const;
type Target = keyof typeof TARGETS;

const schema = z.strictObject({
  ...transformerFields,
  lr: lrField(0.1), // peak AdamW learning rate
  targets: z.array(z.enum(Object.keys(TARGETS) as [Target, ...Target[]])).min(2), // must include none
});

const { lrs: _lrs, scopes: _scopes, ...setting } = tinyTransformer.base;
const { lrs: _qlrs, scopes: _qscopes, ...quickSetting } = tinyTransformer.presets.quick;

/**
 * The parameter-type ablation (App. C.2): layer-wise rotation of one kind of weight at a time in the
 * tiny transformer (embeddings, output head, attention Q/K/V and projection, MLP), the rest left in
 * the standard basis. The paper finds small, balanced effects except for embeddings (and values,
 * which sit inside the fused QKV here and are rotated with the rest of attention).
 */
export const paramType = defineExperiment({
  id: 'adam-rotation/param-type',
  paper: PAPER,
  title: 'Parameter-type ablation: layer-wise rotation of embeddings, head, attention or MLP weights only',
  schema: schema.refine((c) => c.targets.includes('none'), { message: "targets must include 'none'" }),
  base: { ...setting, lr: 2e-3, targets: ['none', 'embeddings', 'head', 'attention', 'mlp', 'all'] },
  presets: {
    quick: { ...quickSetting, lr: 3e-3, targets: ['none', 'embeddings', 'attention', 'mlp'] },
    full: {},
  },
  cells: (c) => grid({ target: c.targets }),
  metrics: TRANSFORMER_METRICS,
  cell: (c, { target }, ctx) =>
    trainTransformer(c, target === 'none' ? 'none' : 'layer', c.lr, ctx, {
      include: (p) => TARGETS[target](p.name),
    }),
  claims: (c) =>
    ['embeddings', 'attention', 'mlp'].every((t) => c.targets.includes(t as Target))
      ? [
          {
            id: 'embeddings-most-sensitive',
            statement: 'rotating the embeddings hurts more than rotating the attention or the MLP weights',
            metric: computed(
              ['evalLoss'],
              'evalLoss[embeddings] − max(evalLoss[attention], evalLoss[mlp])',
              (t) => {
                const e = t.value('evalLoss', { target: 'embeddings' });
                return (
                  e -
                  Math.max(
                    t.value('evalLoss', { target: 'attention' }),
                    t.value('evalLoss', { target: 'mlp' }),
                  )
                );
              },
            ),
            expect: { op: '>', value: 0, margin: 0 },
            reference: qualitative('App. C.2: embeddings are the most rotation-sensitive layer type'),
          },
          {
            id: 'embeddings-hurt',
            statement: 'rotating the embeddings raises the held-out loss above the unrotated run',
            metric: computed(['evalLoss'], 'evalLoss[embeddings] − evalLoss[none]', (t) => {
              return t.value('evalLoss', { target: 'embeddings' }) - t.value('evalLoss', { target: 'none' });
            }),
            expect: { op: '>', value: 0, margin: 0 },
            reference: qualitative('App. C.2'),
          },
        ]
      : [],
  plots: () => [
    {
      kind: 'bars',
      id: 'eval-vs-none',
      title: 'Held-out loss when only one kind of weight is rotated (layer-wise), minus no rotation',
      caption: 'Per-seed difference to the unrotated run',
      metric: 'evalLoss',
      by: 'target',
      baseline: { target: 'none' },
      y: { label: 'Δ held-out loss (nats)' },
    },
    {
      kind: 'lines',
      id: 'loss',
      title: 'Training loss by rotated parameter type',
      caption: 'Mean minibatch loss over 25-step windows',
      series: 'loss',
      by: 'target',
      x: { label: 'step' },
      y: { label: 'training loss (nats)' },
    },
  ],
});
