import {
  type CellContext,
  type CellResult,
  type Claim,
  cellSink,
  defineExperiment,
  diff,
  grid,
  train,
  zipfLanguageModelTask,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { networkOptimizer } from './classifier-run.js';
import { bufferFields, lrField, METHODS, type Method, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  /** V of the Zipfian Markov chain. */
  vocab: z.int().min(2).max(1024),
  /** Zipf exponent of the chain's successor probabilities. */
  exponent: z.number().min(0).max(5),
  /** Successors per token. */
  branching: z.int().min(1).max(1024),
  /** Tokens per sequence (the model sees length − 1 inputs). */
  length: z.int().min(3).max(129),
  dModel: z.int().min(2).max(256),
  heads: z.int().min(1).max(16),
  layers: z.int().min(1).max(6),
  /** Sequences per step. */
  batch: z.int().min(1).max(64),
  /** Steps; a fresh batch each, all sampled up front (≤ 5 000 × 64 × 129 tokens ≈ 165 MB). */
  steps: z.int().min(20).max(5000),
  /** The same learning rate for every method. */
  lr: lrField(0.1),
  /** Global-norm clipping (the usual LM setting). */
  clipNorm: z.number().positive().max(100),
  ...bufferFields,
  /** Held-out sequences, evaluated `evals` times during training. */
  evalSequences: z.int().min(1).max(4096),
  evals: z.int().min(2).max(50),
});

type Config = z.output<typeof schema>;
type Metric = 'trainLoss' | 'evalLoss' | 'earlyEvalLoss';

/**
 * Trains tensor-core's pre-LN causal transformer on Zipfian Markov text (a fresh batch every step)
 * with one method; every method of a seed sees the same chain, text and initial weights.
 */
async function trainLm(c: Config, method: Method, ctx: CellContext): Promise<CellResult<Metric>> {
  const task = zipfLanguageModelTask(ctx.rng, c);
  const opt = networkOptimizer({ ...c, method });
  try {
    ctx.progress.start('training', c.steps);
    const r = await train({
      steps: c.steps,
      checkEvery: 20,
      evalEvery: Math.max(1, Math.floor(c.steps / c.evals)),
      signal: ctx.signal,
      sink: cellSink(ctx),
      onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
      step: (i) => task.step(opt, i),
      evaluate: async () => ({ evalLoss: await task.heldOutLoss() }),
    });
    const evals = r.evals.map((e) => ({ step: e.step, loss: e.evalLoss! }));
    // The held-out loss a quarter of the way in: the paper's "falls fastest" (PTB, Fig. 6).
    const early = evals.find((e) => e.step >= c.steps / 4) ?? evals[0]!;
    const tail = r.losses.slice(-Math.max(1, Math.ceil(r.losses.length / 5)));
    return {
      metrics: {
        trainLoss: tail.reduce((a, l) => a + l.loss, 0) / tail.length,
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
}

const PTB = 'Fig. 6 (PTB LSTM, as summarised by the reviews): Adam+CM’s validation perplexity falls fastest';

function claims(): Claim[] {
  const cm = { method: 'adam-cm' };
  return [
    {
      id: 'cm-faster-early',
      statement: 'a quarter of the way in, Adam+CM’s held-out loss is below Adam’s',
      metric: diff('earlyEvalLoss', cm, { method: 'adam' }),
      expect: { op: '<', value: 0, margin: 0 },
      reference: qualitative(PTB),
      digits: 4,
    },
    {
      id: 'cm-beats-adam',
      statement: 'at the end, Adam+CM’s held-out loss is below Adam’s',
      metric: diff('evalLoss', cm, { method: 'adam' }),
      expect: { op: '<', value: 0, margin: 0 },
      reference: qualitative('abstract: Adam+CM improves language modelling (Penn Treebank)'),
      digits: 4,
    },
    {
      id: 'cm-beats-cg',
      statement: 'at the end, Adam+CM’s held-out loss is below Adam+CG’s',
      metric: diff('evalLoss', cm, { method: 'adam-cg' }),
      expect: { op: '<', value: 0, margin: 0 },
      reference: qualitative('abstract: Adam+CM improves on Adam+CG'),
      digits: 4,
    },
  ];
}

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
  base: {
    vocab: 128,
    exponent: 1.1,
    branching: 16,
    length: 33,
    dModel: 64,
    heads: 4,
    layers: 2,
    batch: 16,
    steps: 1500,
    lr: 1e-3,
    clipNorm: 1,
    topC: 5,
    cgTopC: 10,
    decay: 0.7,
    evalSequences: 512,
    evals: 15,
  },
  presets: {
    quick: {
      vocab: 64,
      branching: 8,
      length: 17,
      dModel: 32,
      heads: 2,
      layers: 1,
      batch: 8,
      steps: 400,
      evalSequences: 256,
      evals: 8,
    },
    full: {},
  },
  seeds: { quick: 3, full: 3 },
  cells: () => grid({ method: METHODS }),
  metrics: {
    trainLoss: { label: 'training loss, last 20% of steps (nats)', better: 'lower', digits: 4 },
    evalLoss: { label: 'held-out loss at the end (nats)', better: 'lower', digits: 4 },
    earlyEvalLoss: { label: 'held-out loss at 25% of the steps (nats)', better: 'lower', digits: 4 },
  },
  cell: (c, { method }, ctx) => trainLm(c, method as Method, ctx),
  claims,
  plots: () => [
    {
      kind: 'lines',
      id: 'eval-loss',
      title: 'Held-out loss during training',
      caption: 'Cross-entropy on held-out sequences of the same chain',
      series: 'evalLoss',
      by: 'method',
      x: { label: 'step' },
      y: { label: 'held-out loss (nats)' },
      markers: true,
    },
    {
      kind: 'bars',
      id: 'final-gap',
      title: 'Held-out loss minus Adam’s',
      caption: 'Held-out loss at the end of training',
      metric: 'evalLoss',
      by: 'method',
      baseline: { method: 'adam' },
      y: { label: 'Δ held-out loss (nats)' },
    },
  ],
  notes: [
    'A stand-in for the paper’s PTB LSTM: synthetic Markov text with a fresh batch every step, so there is no overfitting phase to reproduce (the paper’s Adam+CM overfits after its fast start).',
  ],
});
