import { defineExperiment, deltaBars, diff, grid, qualitative } from '@paperkit/tensor-core';
import { z } from 'zod';
import { epochCurves, QUICK_TRAINING, TRAINING, trainCell, trainingFields } from './shared.js';

const FLAGS = {
  full: {},
  'block-trust': { blockTrustGrad: true },
  'block-prev-trust': { blockPrevTrust: true },
};

/**
 * Fig. 15: the `individual` loss (expected cooperators) trained with the full gradient, with none
 * through the agents' trust (`--block_trust_grad`), or with none through the previous trust inside its
 * update (`--block_prev_trust`), as `plot_ablation.py`. Through τ the predictor sees that today's
 * prediction sets tomorrow's trust, and with it how far later predictions can move the agents.
 */
export const trustGradient = defineExperiment({
  id: 'performative-game/trust-gradient',
  ...TRAINING,
  title: 'Fig. 15: cooperators when the gradient through the agents’ trust is blocked',
  schema: z.strictObject(trainingFields),
  base: { graphSeed: null, architecture: 'gnn+mlp' },
  presets: { quick: { ...QUICK_TRAINING, epochs: 40 }, full: {} },
  seeds: { quick: 3, full: 5 },
  cells: () => grid({ gradient: ['full', 'block-trust', 'block-prev-trust'] }),
  cell: (cfg, { gradient }, ctx) => trainCell(cfg, 'individual', ctx, FLAGS[gradient]),
  claims: () =>
    (['block-trust', 'block-prev-trust'] as const).map((g) => ({
      id: `${g}-cooperates-less`,
      statement: `with the gradient blocked (${g}), training ends with fewer cooperators than with the full gradient`,
      metric: diff('finalCooperation', { gradient: 'full' }, { gradient: g }),
      expect: { op: '>' as const, value: 0, margin: 0 },
      reference: qualitative('Fig. 15: cooperation curves of the full and the blocked gradients'),
    })),
  plots: () => [
    epochCurves('cooperation', 'Proportion of cooperators per epoch (individual loss)', { by: 'gradient' }),
    deltaBars(
      'final-cooperation',
      'Cooperators in the last quarter of epochs, minus the full gradient’s.',
      'Per seed, the mean proportion of cooperators over the last quarter of epochs minus the full gradient’s.',
      'finalCooperation',
      { gradient: 'full' },
      'Δ proportion of cooperators',
    ),
  ],
  notes: [
    'Our gradient is the episode’s exact one (the reference’s autograd path). Its `--block_prev_trust` needs its hand-written backward (`--use_custom_grad`), whose trust derivative carries an extra factor 1 − τ on earlier rounds.',
  ],
});
