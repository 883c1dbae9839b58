import { cellOf, defineExperiment, diff, grid, qualitative } from '@paperkit/tensor-core';
import { z } from 'zod';
import { ARCHITECTURES } from '../diff/predictors.js';
import { epochCurves, QUICK_TRAINING, TRAINING, trainCell, trainingFields } from './shared.js';

const schema = z.strictObject({
  ...trainingFields, // `architecture`: the accuracy-trained baseline's
  architectures: z.array(z.enum(ARCHITECTURES)).min(1), // trained on the group loss
});

/**
 * Fig. 8: the reference's four predictor architectures (`train_all_archs.py`) trained on the group
 * loss at T = 0.5, each seed on the BA graph of the same networkx seed, beside an accuracy-trained
 * baseline: the welfare gain comes from differentiating through the agents' model, not from one network.
 */
export const architectures = defineExperiment({
  id: 'performative-game/architectures',
  ...TRAINING,
  title: 'Fig. 8: welfare and accuracy of the mlp, gnn, gnn+linear and gnn+mlp predictors (group loss)',
  schema,
  base: { graphSeed: null, architectures: [...ARCHITECTURES] },
  presets: { quick: QUICK_TRAINING, full: {} },
  seeds: { quick: 3, full: 4 },
  cells: (cfg) => [
    ...grid({ architecture: cfg.architectures, objective: ['group'] }),
    cellOf({ architecture: cfg.architecture, objective: 'accuracy' as string }),
  ],
  async cell(cfg, { architecture, objective }, ctx) {
    const arch = architecture as (typeof ARCHITECTURES)[number];
    return trainCell({ ...cfg, architecture: arch }, objective as 'group' | 'accuracy', ctx);
  },
  claims: (cfg) =>
    cfg.architectures.map((a) => ({
      id: `${a.replace('+', '-')}-welfare-gain`,
      statement: `${a} trained on the group loss has ≥ 0.2 more successful groups than the accuracy-trained ${cfg.architecture} (our hypothesis: the gain does not hinge on the network)`,
      metric: diff('welfare', { architecture: a, objective: 'group' }, { objective: 'accuracy' }),
      expect: { op: '>=' as const, value: 0.2, margin: 0 },
      reference: qualitative(
        'Fig. 8 compares the architectures on the group loss; 0.2 is the headline’s margin',
      ),
    })),
  plots: () => [
    ...(['welfare', 'accuracy'] as const).map((metric) => ({
      kind: 'bars' as const,
      id: metric,
      title: `${metric === 'welfare' ? 'Successful groups' : 'Accuracy'} per architecture (selected epoch)`,
      caption:
        'At the epoch with the most successful groups (group loss) or the best accuracy (accuracy loss)',
      metric,
      y: { label: metric === 'welfare' ? 'fraction of successful groups' : 'accuracy', zero: true },
    })),
    epochCurves('welfare', 'Successful groups per epoch and architecture'),
  ],
});
