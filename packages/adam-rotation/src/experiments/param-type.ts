import {
  above,
  claimIf,
  defineExperiment,
  deltaBars,
  diff,
  grid,
  leadOver,
  qualitative,
  ZIPF_LM_BASE,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { including, lossCurves, lrField, PAPER } from './shared.js';
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
  lr: lrField(0.1).default(2e-3), // peak AdamW learning rate
  targets: z.array(z.enum(Object.keys(TARGETS) as [Target, ...Target[]])).min(2), // must include none
});

const { lrs: _lrs, scopes: _scopes, ...quickSetting } = tinyTransformer.presets.quick;
const at = (target: Target) => ({ target });

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
  schema: schema.refine(...including('targets', 'none')),
  base: { ...ZIPF_LM_BASE, targets: ['none', 'embeddings', 'head', 'attention', 'mlp', 'all'] },
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
  claims: (c) => {
    const all = (['embeddings', 'attention', 'mlp'] as const).every((t) => c.targets.includes(t));
    // 'higher' subtracts the larger of the two rivals' losses: embeddings hurt more than either.
    const lead = leadOver('evalLoss', at('embeddings'), [at('attention'), at('mlp')], 'higher');
    return [
      ...claimIf(all, 'embeddings-most-sensitive', lead, above(0), {
        statement: 'rotating the embeddings hurts more than rotating the attention or the MLP weights',
        reference: qualitative('App. C.2: embeddings are the most rotation-sensitive layer type'),
      }),
      ...claimIf(all, 'embeddings-hurt', diff('evalLoss', at('embeddings'), at('none')), above(0), {
        statement: 'rotating the embeddings raises the held-out loss above the unrotated run',
        reference: qualitative('App. C.2'),
      }),
    ];
  },
  plots: () => [
    deltaBars(
      'eval-vs-none',
      'Held-out loss when only one kind of weight is rotated (layer-wise), minus no rotation',
      'Per-seed difference to the unrotated run',
      'evalLoss',
      at('none'),
      'Δ held-out loss (nats)',
    ),
    lossCurves('Training loss by rotated parameter type', 'target'),
  ],
});
