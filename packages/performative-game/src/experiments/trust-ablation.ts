import { cellOf, defineExperiment, diff, grid, qualitative } from '@paperkit/tensor-core';
import { z } from 'zod';
import { epochCurves, QUICK_TRAINING, TRAINING, trainCell, trainingFields } from './shared.js';

const schema = z.strictObject({
  ...trainingFields,
  smoothing: z.number().gt(0).max(1).default(0.6), // weight of the newest observation in the moving average
  initialEstimate: z.number().min(0).max(1).default(0.7), // the trust estimate before the first round
});

const SOURCE = qualitative(
  'reference code `use_trust_estimate` (EMA 0.6 from 0.7; its authors found it "not sensitive to initialization"); the margins are ours',
);

/**
 * The trust-estimate ablation of the reference code (`Agent.use_trust_estimate`): a real predictor
 * cannot see the agents' trust, so its backward pass uses a moving average of whether each agent acted
 * as full trust would dictate. Does the headline's welfare-trained predictor keep its gain without τ?
 */
export const trustAblation = defineExperiment({
  id: 'performative-game/trust-ablation',
  ...TRAINING,
  title: 'Trust-estimate ablation: welfare training with a moving-average estimate of the hidden trust',
  schema,
  presets: { quick: QUICK_TRAINING, full: {} },
  seeds: { quick: 5, full: 5 },
  cells: () => [
    ...grid({ trust: ['true', 'estimate'], objective: ['group'] }),
    cellOf({ trust: 'true', objective: 'accuracy' as string }),
  ],
  async cell(cfg, { trust, objective }, ctx) {
    const trustEstimate = { smoothing: cfg.smoothing, initial: cfg.initialEstimate };
    const flags = trust === 'estimate' ? { trustEstimate } : {};
    return trainCell(cfg, objective as 'group' | 'accuracy', ctx, flags);
  },
  claims: () => [
    {
      id: 'estimate-keeps-gain',
      statement:
        'with the trust estimate, the welfare-trained predictor still has ≥ 0.2 more successful groups than the accuracy-trained one',
      metric: diff('welfare', { trust: 'estimate', objective: 'group' }, { objective: 'accuracy' }),
      expect: { op: '>=', value: 0.2, margin: 0 },
      reference: SOURCE,
    },
    {
      id: 'estimate-matches-true',
      statement: 'the trust estimate changes the successful groups reached by at most 0.1',
      metric: diff(
        'welfare',
        { trust: 'estimate', objective: 'group' },
        { trust: 'true', objective: 'group' },
      ),
      expect: { op: 'approx', value: 0, margin: 0.1 },
      reference: SOURCE,
    },
  ],
  plots: () => [
    epochCurves('welfare', 'Successful groups per epoch: true trust vs its moving-average estimate'),
    {
      kind: 'bars',
      id: 'welfare-difference',
      title: 'Successful groups with the estimate minus with the true trust (group loss)',
      caption: 'Per seed, at the selected epoch; the estimate changes only the gradient, never the episode.',
      where: { objective: 'group' },
      metric: 'welfare',
      baseline: { trust: 'true' },
      y: { label: 'Δ fraction of successful groups' },
    },
  ],
});
