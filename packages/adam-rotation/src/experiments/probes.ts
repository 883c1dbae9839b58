import {
  above,
  atLeast,
  below,
  claimIf,
  claimOf,
  computed,
  curves,
  defineExperiment,
  diff,
  grid,
  mean,
  printed,
  type SeedTable,
  sampleMarkovSequences,
  spearman,
  throwIfAborted,
  value,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { bigramLoss, bigramTask } from '../bigram.js';
import { hessianRows, partitionRow } from '../probes/hessian-rows.js';
import { coordinateLabels } from '../probes/labels.js';
import { gradientLinfBound } from '../probes/linf-bound.js';
import { oneOneNormEstimate } from '../probes/one-one-norm.js';
import { layerOrthogonality } from '../probes/orthogonality.js';
import { secondMomentStats } from '../probes/second-moment.js';
import { trainBigram } from './bigram-run.js';
import { bigramFields, including, PAPER, qualitative, scopeField, tailMean } from './shared.js';

const schema = z.strictObject({
  ...bigramFields,
  scopes: z.array(scopeField).min(3), // probed; must include none and global
  linfBatches: z.int().min(1).max(5000).default(1000), // minibatches T of the L∞ bound (paper: 1000)
  hessianRows: z.int().min(1).max(256).default(64), // Hessian rows sampled
  hessianBatches: z.int().min(1).max(200).default(50), // minibatches k averaged into each row
  h: z.number().positive().max(0.1).default(1e-3), // central-difference step
  randomDirections: z.int().min(1).max(64).default(8), // random δw of the contribution test
  resumeSteps: z.int().min(1).max(5000).default(500), // steps resumed from the checkpoint logging the update CV (paper: 500)
});

/** Per seed: Spearman ρ of the final loss with `metric` (negated when lower `metric` predicts a higher loss). */
const rho = (t: SeedTable, metric: string, sign = 1) => {
  const y = t.values(metric).map((x) => sign * x);
  return spearman(t.values('loss'), y);
};
const rank = (metric: string, sign: number, name: string) =>
  computed(['loss', metric], `Spearman ρ(loss, ${name}) across scopes`, (t) => rho(t, metric, sign));
const versus = (a: string, b: string, sb: number, name: string) =>
  computed(['loss', a, b], `ρ(loss, ${a}) − ρ(loss, ${name})`, (t) => rho(t, a) - rho(t, b, sb));

/** `Σ f(x)`, summed left to right. */
const sumOf = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
const [NONE, GLOBAL, SVD] = [{ scope: 'none' }, { scope: 'global' }, { scope: 'svd' }];

/**
 * Tier 3 of the implementation spec: the paper's §4 measurements on bigram checkpoints trained under
 * each scope (the L∞ gradient bound C̃, Hessian rows split into neuron / layer / other blocks with the
 * contribution test, the (1,1)-norm estimate, the spread of Adam's second moments, the CV of the
 * update's singular values over resumed steps), and which of them orders the scopes like their losses.
 */
export const probes = defineExperiment({
  id: 'adam-rotation/probes',
  paper: PAPER,
  title:
    'Tier 3: which rotation-dependent quantity tracks Adam across rotations (L∞, Hessian, (1,1)-norm, v, update CV)',
  schema: schema.refine(...including('scopes', 'none', 'global')),
  base: { steps: 2000, scopes: ['none', 'tokenLocal', 'fanOut', 'layer', 'global', 'fanIn', 'svd'] },
  presets: {
    quick: {
      steps: 1000,
      scopes: ['none', 'tokenLocal', 'layer', 'global', 'fanIn', 'svd'],
      linfBatches: 200,
      hessianRows: 16,
      randomDirections: 4,
      resumeSteps: 100,
    },
    full: {},
  },
  cells: (c) => grid({ scope: c.scopes }),
  metrics: {
    loss: { label: 'final loss (nats)', better: 'lower', digits: 4 },
    updateCv: { label: 'update CV σ_s/μ_s (mean over layers and resumed steps)' },
    svdEntropy: { label: 'SVD entropy of the update' },
    stdLog10V: { label: 'std of log10 v' },
    linf: { label: 'L∞ gradient bound C̃' },
    oneOne: { label: '(1,1)-norm estimate of the Hessian' },
    blockRatio: { label: 'Hessian rows: mean |r| neuron block / other layers' },
    offBlock: { label: 'contribution test: |c| other layers / neuron block (random δw)' },
  },
  async cell(c, { scope }, ctx) {
    const task = bigramTask(ctx.rng.stream('data'), c.vocab, c.exponent, c.steps + c.resumeSteps, c.batch);
    const s = { ...c, evalEvery: c.steps, momentum: 0.9, svdAllMatrices: true };
    const run = { scope, optimizer: 'adam', lr: c.adamLr } as const;
    const r = await trainBigram(task, ctx.rng, s, run, ctx, { keep: true, trackDirection: true });
    const probeRng = ctx.rng.stream('probe');
    const linfPairs = sampleMarkovSequences(task.chain, probeRng.stream('linf'), c.linfBatches * c.batch, 2);
    const hessBatch = tf.tensor2d(
      sampleMarkovSequences(task.chain, probeRng.stream('hessian'), c.hessianBatches * c.batch, 2),
      [c.hessianBatches * c.batch, 2],
      'int32',
    );
    try {
      if (!r.checkpoint)
        throw new Error(`adam-rotation/probes: training under ${scope} diverged: ${r.diverged}`);
      const { params, optimizer: opt, step } = r.checkpoint;
      const rot = opt.rotation;
      const d = rot.dim;
      const v = secondMomentStats(await opt.secondMoments(), { bins: 30, range: [-12, 0] });
      const batchOf = (i: number) => linfPairs.subarray(i * c.batch * 2, (i + 1) * c.batch * 2);
      const linf = await gradientLinfBound(
        (p, i) => tf.tidy(() => bigramLoss(p, tf.tensor2d(batchOf(i), [c.batch, 2], 'int32'))),
        params.tensors(),
        { batches: c.linfBatches, rotation: rot },
      );
      const rows = Array.from(
        probeRng.stream('rows').sampleWithoutReplacement(d, Math.min(c.hessianRows, d)),
      );
      const hrows = await hessianRows((p) => bigramLoss(p, hessBatch), params.tensors(), rows, {
        rotation: rot,
        h: c.h,
      });
      const dirRng = probeRng.stream('directions');
      const dirs = Array.from({ length: c.randomDirections }, () => dirRng.fillNormal(new Float64Array(d)));
      const labels = coordinateLabels(rot.params);
      const parts = hrows.map((row, k) => partitionRow(row, rows[k]!, labels, dirs));
      const contributions = parts.flatMap((p) => p.contributions);
      // Resume from the checkpoint and log the orthogonality of every update (§4.2 protocol).
      const cv: number[] = [];
      const entropy: number[] = [];
      ctx.progress.start('resumed steps', c.resumeSteps);
      for (let i = 0; i < c.resumeSteps; i++) {
        throwIfAborted(ctx.signal);
        step(c.steps + i).dispose();
        const dir = opt.lastDirection()!;
        const layers = await layerOrthogonality(dir, rot.params);
        tf.dispose(Object.values(dir));
        cv.push(mean(layers.map((m) => m.cv)));
        entropy.push(mean(layers.map((m) => m.entropy)));
        ctx.progress.update(i + 1);
      }
      const steps = cv.map((_, i) => c.steps + i + 1);
      // The SVD basis is recomputed at steps t with (t − 1) mod F = 0.
      const recompute = scope === 'svd' ? steps.filter((t) => (t - 1) % c.svdEvery === 0) : [];
      const hist = v.histogram;
      return {
        metrics: {
          loss: tailMean(r.losses, c.lastSteps),
          updateCv: mean(cv),
          svdEntropy: mean(entropy),
          stdLog10V: v.stdLog10,
          linf: linf.bound,
          oneOne: oneOneNormEstimate(hrows).total,
          blockRatio: sumOf(parts, (p) => p.neuron.meanAbs) / sumOf(parts, (p) => p.other.meanAbs),
          offBlock:
            sumOf(contributions, (x) => Math.abs(x.other)) / sumOf(contributions, (x) => Math.abs(x.neuron)),
        },
        series: {
          cv: { x: steps, y: cv },
          svdRecompute: { x: recompute, y: recompute.map(() => 0) },
          vHistogram: {
            x: hist.counts.map((_, i) => (hist.edges[i]! + hist.edges[i + 1]!) / 2),
            y: hist.counts,
          },
        },
      };
    } finally {
      r.checkpoint?.optimizer.dispose();
      r.checkpoint?.params.dispose();
      hessBatch.dispose();
      task.joint.dispose();
    }
  },
  claims: (c) => [
    claimOf('cv-tracks-loss', rank('updateCv', 1, 'update CV'), atLeast(0.7), {
      statement: 'the update CV orders the scopes like their losses (Spearman ρ ≥ 0.7)',
      reference: qualitative(
        '§4.2, Figs. 10, 11: CV ranks SVD < none ≈ output-wise < global like the losses',
      ),
    }),
    claimOf('cv-beats-oneone', versus('updateCv', 'oneOne', 1, '(1,1)-norm'), above(0), {
      statement: 'the update CV tracks the loss better than the (1,1)-norm (ρ_CV − ρ_(1,1) > 0)',
      reference: qualitative(
        '§4: L∞-smoothness fails to track performance across rotations (Fig. 8), CV does',
      ),
    }),
    claimOf('cv-beats-linf', versus('updateCv', 'linf', -1, '−C̃'), above(0), {
      statement: 'the update CV tracks the loss better than the L∞ bound (ρ_CV − ρ_−C̃ > 0)',
      reference: qualitative('§4: the L∞ bound fails to track performance (Fig. 7), CV does'),
    }),
    claimOf('entropy-tracks-loss', rank('svdEntropy', -1, '−SVD entropy'), atLeast(0.7), {
      statement: 'the SVD entropy (alternative (d), negated) orders the scopes like their losses (ρ ≥ 0.7)',
      reference: qualitative('App. C.4: alternatives (a)–(d) correlate strongly with CV'),
    }),
    claimOf('v-spread-tracks-loss', rank('stdLog10V', -1, '−std log10 v'), atLeast(0.5), {
      statement: 'the spread of log10 v (negated) orders the scopes like their losses (ρ ≥ 0.5)',
      reference: qualitative('Fig. 6: v concentrates under global rotation (less adaptivity)'),
    }),
    claimOf('linf-drops-under-global', diff('linf', GLOBAL, NONE), below(0), {
      statement: 'C̃ is smaller under global rotation, which would wrongly predict a faster Adam',
      reference: qualitative('Fig. 7'),
    }),
    // A ratio: the norm's scale varies several-fold between seeds, its rise does not.
    claimOf(
      'oneone-rises-under-global',
      computed(['oneOne'], 'log10(oneOne[global] / oneOne[none])', (t) =>
        Math.log10(t.value('oneOne', GLOBAL) / t.value('oneOne', NONE)),
      ),
      above(0),
      {
        statement: 'the (1,1)-norm estimate rises under global rotation (log10 of the ratio > 0)',
        reference: qualitative('Fig. 8'),
      },
    ),
    claimOf('block-structure-lost', diff('blockRatio', GLOBAL, NONE), below(0), {
      statement: 'the Hessian rows lose their neuron-block structure under global rotation',
      reference: qualitative('Fig. 9: orders of magnitude without rotation, lost under global'),
    }),
    claimOf('off-block-dominates', value('offBlock', NONE), above(1), {
      statement:
        'without rotation, off-block entries dominate the gradient change (|c_other| / |c_neuron| > 1)',
      reference: printed('1.48e-4 vs 2.86e-5 (ratio 5.2)', 'Table 1, random δw'),
    }),
    ...claimIf(c.scopes.includes('svd'), 'svd-lowest-cv', diff('updateCv', SVD, NONE), below(0), {
      statement: 'the SVD rotation makes the updates more orthogonal than no rotation',
      reference: qualitative('Figs. 10, 11'),
    }),
  ],
  plots: (c) => [
    ...(
      [
        ['updateCv', 'update CV (σ_s / μ_s)'],
        ['oneOne', '(1,1)-norm estimate'],
        ['linf', 'L∞ gradient bound C̃'],
      ] as const
    ).map(([metric, label]) => ({
      kind: 'scatter' as const,
      id: `loss-vs-${metric.toLowerCase()}`,
      title: `Final loss against the ${label}, one point per rotation scope`,
      caption: `A quantity that tracks Adam's performance orders the points monotonically`,
      x: { label, metric, ...(metric === 'updateCv' ? {} : { log: true }) },
      y: { label: 'final training loss (nats)', metric: 'loss' },
    })),
    curves(
      'cv-over-time',
      `Update CV over the ${c.resumeSteps} resumed steps`,
      `Mean CV over the layers at every step; vertical lines mark the SVD recomputations (every ${c.svdEvery} steps)`,
      'cv',
      'update CV',
      { by: 'scope', vlinesFrom: { series: 'svdRecompute', label: 'SVD recompute' } },
    ),
    curves(
      'second-moments',
      "Distribution of Adam's second moments v at the checkpoint",
      'Histogram of log10 v over all coordinates (30 bins)',
      'vHistogram',
      'coordinates',
      { by: 'scope', x: 'log10 v' },
    ),
  ],
});
