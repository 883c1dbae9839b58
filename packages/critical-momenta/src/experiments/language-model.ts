import {
  below,
  claimOf,
  curves,
  defineExperiment,
  deltaBars,
  diff,
  grid,
  mean,
  trainInCell,
  ZIPF_LM_BASE,
  ZIPF_LM_QUICK,
  zipfLanguageModelFields,
  zipfLanguageModelTask,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { networkOptimizer } from './classifier-run.js';
import { ADAM, bufferFields, CG, CM, lrField, METHODS, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  ...zipfLanguageModelFields,
  lr: lrField(0.1).default(1e-3), // the same learning rate for every method
  clipNorm: z.number().positive().max(100).default(1), // global-norm clipping (the usual LM setting)
  ...bufferFields,
  evals: z.int().min(2).max(50).default(15), // held-out evaluations during training
});

const PTB = 'Fig. 6 (PTB LSTM, as summarised by the reviews): Adam+CM’s validation perplexity falls fastest';

/**
 * A small language-modelling analogue of the paper's Penn Treebank LSTM: tensor-core's tiny causal
 * transformer on Zipfian Markov text, Adam vs Adam+CG vs Adam+CM at the same learning rate and
 * clipping, with the held-out loss tracked during training.
 */
export const languageModelExperiment = defineExperiment({
  id: 'critical-momenta/language-model',
  paper: PAPER,
  title: 'Tiny transformer on Zipfian Markov text: held-out loss of Adam, Adam+CG, Adam+CM',
  schema,
  base: ZIPF_LM_BASE,
  presets: { quick: { ...ZIPF_LM_QUICK, layers: 1, evals: 8 }, full: {} },
  seeds: { quick: 3, full: 3 },
  cells: () => grid({ method: METHODS }),
  metrics: {
    trainLoss: { label: 'training loss, last 20% of steps (nats)', better: 'lower', digits: 4 },
    evalLoss: { label: 'held-out loss at the end (nats)', better: 'lower', digits: 4 },
    earlyEvalLoss: { label: 'held-out loss at 25% of the steps (nats)', better: 'lower', digits: 4 },
  },
  async cell(c, { method }, ctx) {
    // Every method of a seed sees the same chain, text (a fresh batch every step) and initial weights.
    const task = zipfLanguageModelTask(ctx.rng, c);
    const opt = networkOptimizer({ ...c, method });
    try {
      const r = await trainInCell(ctx, {
        steps: c.steps,
        checkEvery: 20,
        evalEvery: Math.max(1, Math.floor(c.steps / c.evals)),
        step: (i) => task.step(opt, i),
        evaluate: async () => ({ evalLoss: await task.heldOutLoss() }),
      });
      const evals = r.evals.map((e) => ({ step: e.step, loss: e.evalLoss! }));
      // The held-out loss a quarter of the way in: the paper's "falls fastest" (PTB, Fig. 6).
      const early = evals.find((e) => e.step >= c.steps / 4) ?? evals[0]!;
      const tail = r.losses.slice(-Math.max(1, Math.ceil(r.losses.length / 5)));
      return {
        metrics: {
          trainLoss: mean(tail.map((l) => l.loss)),
          evalLoss: evals.at(-1)!.loss,
          earlyEvalLoss: early.loss,
        },
        series: {
          trainLoss: { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.loss) },
          evalLoss: { x: evals.map((e) => e.step), y: evals.map((e) => e.loss) },
        },
      };
    } finally {
      opt.dispose();
      task.dispose();
    }
  },
  claims: () => [
    claimOf('cm-faster-early', diff('earlyEvalLoss', CM, ADAM), below(), {
      statement: 'a quarter of the way in, Adam+CM’s held-out loss is below Adam’s',
      reference: qualitative(PTB),
      digits: 4,
    }),
    claimOf('cm-beats-adam', diff('evalLoss', CM, ADAM), below(), {
      statement: 'at the end, Adam+CM’s held-out loss is below Adam’s',
      reference: qualitative('abstract: Adam+CM improves language modelling (Penn Treebank)'),
      digits: 4,
    }),
    claimOf('cm-beats-cg', diff('evalLoss', CM, CG), below(), {
      statement: 'at the end, Adam+CM’s held-out loss is below Adam+CG’s',
      reference: qualitative('abstract: Adam+CM improves on Adam+CG'),
      digits: 4,
    }),
  ],
  plots: () => [
    curves(
      'eval-loss',
      'Held-out loss during training',
      'Cross-entropy on held-out sequences of the same chain',
      'evalLoss',
      'held-out loss (nats)',
      { by: 'method', markers: true },
    ),
    deltaBars(
      'final-gap',
      'Held-out loss minus Adam’s',
      'Held-out loss at the end of training',
      'evalLoss',
      ADAM,
      'Δ held-out loss (nats)',
    ),
  ],
  notes: [
    'A stand-in for the paper’s PTB LSTM: synthetic Markov text with a fresh batch every step, so there is no overfitting phase to reproduce (the paper’s Adam+CM overfits after its fast start).',
  ],
});
