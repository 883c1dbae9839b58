import {
  type Cell,
  type Claim,
  cellOf,
  defineExperiment,
  diff,
  type PlotView,
  ratio,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { CLASSIFIER_METRICS, classifierCell } from './classifier-run.js';
import { PAPER, qualitative } from './shared.js';
import { MOONS_BASE, moonsFields, moonsTask } from './two-moons.js';

const schema = z.strictObject({
  ...moonsFields,
  rho: z.number().positive().max(1), // SAM radius ρ (the spec's grid is {0.01, 0.05, 0.1})
});

const CELLS: Cell<{ method: string; sam: boolean }>[] = [
  cellOf({ method: 'adam', sam: false }, 'Adam'),
  cellOf({ method: 'adam', sam: true }, 'Adam+SAM'),
  cellOf({ method: 'adam-cm', sam: false }, 'Adam+CM'),
  cellOf({ method: 'adam-cm', sam: true }, 'Adam+CM+SAM'),
];
const ADAM = { method: 'adam', sam: false };
const SAM = { method: 'adam', sam: true };
const CM = { method: 'adam-cm', sam: false };
const CM_SAM = { method: 'adam-cm', sam: true };

const SOURCE = 'abstract and Table 2: Adam+CM is compared with Adam+SAM, and combined with SAM';

function claims(): Claim[] {
  return [
    {
      id: 'sam-flatter',
      statement: 'Adam+SAM ends at a lower λ_max than Adam (SAM seeks flat minima)',
      metric: ratio('lambdaMax', SAM, ADAM),
      expect: { op: '<', value: 1, margin: 0 },
      reference: qualitative('Foret et al. (ICLR 2021), the flat-minima baseline the paper compares with'),
    },
    {
      id: 'cm-flatter-than-sam',
      statement: 'Adam+CM ends at a lower λ_max than Adam+SAM',
      metric: ratio('lambdaMax', CM, SAM),
      expect: { op: '<', value: 1, margin: 0 },
      reference: qualitative(`${SOURCE}; Figs. 7–8 (sharpness)`),
    },
    {
      id: 'cm-sam-flatter',
      statement: 'adding SAM to Adam+CM lowers λ_max further',
      metric: ratio('lambdaMax', CM_SAM, CM),
      expect: { op: '<', value: 1, margin: 0 },
      reference: qualitative(SOURCE),
    },
    {
      id: 'cm-vs-sam-accuracy',
      statement: 'Adam+CM reaches a higher test accuracy than Adam+SAM',
      metric: diff('testAccuracy', CM, SAM),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative(SOURCE),
      digits: 4,
    },
  ];
}

const bars = (metric: 'testAccuracy' | 'lambdaMax', title: string, caption: string): PlotView => ({
  kind: 'bars',
  id: metric,
  title,
  caption,
  metric,
  by: 'method',
  groupBy: 'sam',
  y: { label: CLASSIFIER_METRICS[metric].label },
});

/**
 * Flat-minima seekers compared on the two-moons toy (Toy 3's data and MLP): Adam and Adam+CM, each
 * with and without SAM (one ascent and one descent gradient per step), at the same lr.
 */
export const samExperiment = defineExperiment({
  id: 'critical-momenta/sam',
  paper: PAPER,
  title: 'SAM comparison on two moons: λ_max and test accuracy of Adam, Adam+SAM, Adam+CM, Adam+CM+SAM',
  schema,
  base: { ...MOONS_BASE, rho: 0.05 },
  presets: { quick: { testCount: 1000, steps: 500 }, full: {} },
  seeds: { quick: 3, full: 5 },
  cells: () => CELLS,
  metrics: CLASSIFIER_METRICS,
  cell(c, { method, sam }, ctx) {
    const { data, mlp } = moonsTask(c, ctx);
    const run = { ...c, method: method as 'adam' | 'adam-cm', mlp, sharpnessExamples: c.trainCount };
    return classifierCell(sam ? { ...run, samRho: c.rho } : run, data, ctx);
  },
  claims,
  plots: () => [
    bars(
      'lambdaMax',
      'Sharpness λ_max at the end of training',
      'Top Hessian eigenvalue of the training loss',
    ),
    bars('testAccuracy', 'Test accuracy', 'Noise-free test points'),
    {
      kind: 'lines',
      id: 'train-loss',
      title: 'Training loss',
      caption: 'Mean training loss over each 50-step window (at θ, before the SAM ascent)',
      series: 'trainLoss',
      x: { label: 'step' },
      y: { label: 'cross-entropy (nats)', log: true },
    },
  ],
  notes: [
    'SAM takes two gradients per step, so at equal steps it costs twice the others. ρ is one value of the spec’s grid {0.01, 0.05, 0.1}; the paper’s ρ is not known.',
  ],
});
