import { defineExperiment, sampleMarkovSequences, throwIfAborted } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hessianRows, partitionRow } from '../probes/hessian-rows.js';
import { coordinateLabels } from '../probes/labels.js';
import { gradientLinfBound } from '../probes/linf-bound.js';
import { oneOneNormEstimate } from '../probes/one-one-norm.js';
import { layerOrthogonality } from '../probes/orthogonality.js';
import { secondMomentStats } from '../probes/second-moment.js';
import type { RotationScope } from '../rotation.js';
import { bigramLoss, bigramLossAndGrads, bigramTask, TIER1_BIGRAM } from './bigram.js';
import { type BigramSettings, runBigram } from './bigram-run.js';
import { tailMean } from './loop.js';
import { probesReport, type ScopeProbe } from './probes-report.js';
import { PAPER_TITLE } from './shared.js';

const schema = z.strictObject({
  vocab: z.number().int().min(2),
  dim: z.number().int().min(1),
  exponent: z.number().positive(),
  batch: z.number().int().min(1),
  /** Training steps before the probes (the checkpoint). */
  steps: z.number().int().min(10),
  adamLr: z.number().positive(),
  blockSize: z.number().int().min(1),
  svdEvery: z.number().int().min(1),
  /** Scopes probed; the first is the baseline. */
  scopes: z.array(z.enum(['none', 'global', 'layer', 'fanIn', 'fanOut', 'tokenLocal', 'svd'])).min(3),
  /** Minibatches T of the L∞ bound (spec Tier 3: 200; paper: 1000). */
  linfBatches: z.number().int().min(1),
  /** Hessian rows sampled (spec: 16). */
  hessianRows: z.number().int().min(1),
  /** Minibatches k averaged into each row (spec: 50). */
  hessianBatches: z.number().int().min(1),
  /** Central-difference step (spec: 1e-3). */
  h: z.number().positive(),
  /** Random directions δw of the contribution test. */
  randomDirections: z.number().int().min(1),
  /** Steps resumed from the checkpoint while logging the update CV (spec: 100; paper: 500). */
  resumeSteps: z.number().int().min(1),
  /** Final loss = mean of the last this many training steps. */
  lastSteps: z.number().int().min(1),
});

/** Validated configuration of the probes experiment. */
export type ProbesConfig = z.output<typeof schema>;
type Config = ProbesConfig;

/**
 * Tier 3 of the spec: the paper's §4 measurements on bigram checkpoints trained under each scope —
 * the L∞ gradient bound C̃, Hessian rows split into neuron / layer / other blocks with the
 * contribution test, the (1,1)-norm estimate, the spread of Adam's second moments, and the
 * coefficient of variation of update singular values — and which of them orders the scopes like
 * their losses.
 */
export const probesExperiment = defineExperiment({
  id: 'adam-rotation/probes',
  paper: PAPER_TITLE,
  title:
    'Tier 3: which rotation-dependent quantity tracks Adam across rotations (L∞, Hessian blocks, (1,1)-norm, v spread, update CV)',
  schema,
  presets: {
    quick: {
      ...TIER1_BIGRAM,
      scopes: ['none', 'tokenLocal', 'layer', 'global', 'fanIn', 'svd'],
      linfBatches: 200,
      hessianRows: 16,
      hessianBatches: 50,
      h: 1e-3,
      randomDirections: 4,
      resumeSteps: 100,
      lastSteps: 200,
    },
    full: {
      ...TIER1_BIGRAM,
      steps: 2000,
      scopes: ['none', 'tokenLocal', 'fanOut', 'layer', 'global', 'fanIn', 'svd'],
      linfBatches: 1000,
      hessianRows: 64,
      hessianBatches: 50,
      h: 1e-3,
      randomDirections: 8,
      resumeSteps: 500,
      lastSteps: 200,
    },
  },
  async run(cfg: Config, ctx) {
    const rng = ctx.rng.stream('seed-0');
    const total = cfg.steps + cfg.resumeSteps;
    const task = bigramTask(rng.stream('data'), cfg.vocab, cfg.exponent, total, cfg.batch);
    const settings: BigramSettings = {
      vocab: cfg.vocab,
      dim: cfg.dim,
      steps: cfg.steps,
      evalEvery: cfg.steps,
      momentum: 0.9,
      blockSize: cfg.blockSize,
      svdEvery: cfg.svdEvery,
      svdAllMatrices: true,
    };
    const probeRng = rng.stream('probe');
    const linfPairs = sampleMarkovSequences(
      task.chain,
      probeRng.stream('linf'),
      cfg.linfBatches * cfg.batch,
      2,
    );
    const hessPairs = sampleMarkovSequences(
      task.chain,
      probeRng.stream('hessian'),
      cfg.hessianBatches * cfg.batch,
      2,
    );
    const d = 2 * cfg.vocab * cfg.dim;
    const rows = Array.from(
      probeRng.stream('rows').sampleWithoutReplacement(d, Math.min(cfg.hessianRows, d)),
    );
    const dirRng = probeRng.stream('directions');
    const randomDirs = Array.from({ length: cfg.randomDirections }, () =>
      dirRng.fillNormal(new Float64Array(d)),
    );
    const out = new Map<RotationScope, ScopeProbe>();
    ctx.progress.start('probes', cfg.scopes.length * total);
    let done = 0;
    try {
      for (const scope of cfg.scopes) {
        throwIfAborted(ctx.signal);
        const run = await runBigram(
          task,
          rng,
          settings,
          { scope, optimizer: 'adam', lr: cfg.adamLr },
          ctx.signal,
          {
            keep: true,
            trackDirection: true,
            onStep: (k) => ctx.progress.update(done + k, `${scope}: training`),
          },
        );
        const { params, optimizer: opt } = run.checkpoint!;
        try {
          const loss = tailMean(run.losses, cfg.lastSteps);
          const v = secondMomentStats(await opt.secondMoments(), { bins: 30, range: [-12, 0] });
          const tensors = params.tensors();
          const linf = await gradientLinfBound(
            (p, i) =>
              tf.tidy(() =>
                bigramLoss(
                  p,
                  tf.tensor2d(
                    linfPairs.subarray(i * cfg.batch * 2, (i + 1) * cfg.batch * 2),
                    [cfg.batch, 2],
                    'int32',
                  ),
                ),
              ),
            tensors,
            { batches: cfg.linfBatches, rotation: opt.rotation },
          );
          const hessBatch = tf.tensor2d(hessPairs, [cfg.hessianBatches * cfg.batch, 2], 'int32');
          let hrows: Float64Array[];
          try {
            hrows = await hessianRows((p) => bigramLoss(p, hessBatch), tensors, rows, {
              rotation: opt.rotation,
              h: cfg.h,
            });
          } finally {
            hessBatch.dispose();
          }
          // The last update, in the run's rotated coordinates, is the "update" direction of Table 1.
          const last = opt.lastDirection()!;
          const rotatedLast = opt.rotation.rotate(last);
          const flat = tf.tidy(() =>
            tf.concat(opt.rotation.params.map((p) => tf.reshape(rotatedLast[p.name]!, [-1]))),
          );
          const updateDir = Float64Array.from((await flat.data()) as Float32Array);
          tf.dispose([flat, ...Object.values(last), ...Object.values(rotatedLast)]);
          const labels = coordinateLabels(opt.rotation.params);
          const acc = { neuron: 0, layer: 0, other: 0 };
          const cr = { neuron: 0, layer: 0, other: 0 };
          const cu = { neuron: 0, layer: 0, other: 0 };
          hrows.forEach((r, k) => {
            const part = partitionRow(r, rows[k]!, labels, [...randomDirs, updateDir]);
            for (const b of ['neuron', 'layer', 'other'] as const) {
              acc[b] += part[b].meanAbs / hrows.length;
              for (let j = 0; j < randomDirs.length; j++)
                cr[b] += Math.abs(part.contributions[j]![b]) / (hrows.length * randomDirs.length);
              cu[b] += Math.abs(part.contributions[randomDirs.length]![b]) / hrows.length;
            }
          });
          done += cfg.steps;
          // Resume from the checkpoint and log the orthogonality of every update (§4.2 protocol).
          const cvs = new Map<string, number[]>();
          const entropies: number[] = [];
          for (let i = 0; i < cfg.resumeSteps; i++) {
            throwIfAborted(ctx.signal);
            const { loss: l, grads } = bigramLossAndGrads(
              params.tensors(),
              task.pairs.subarray((cfg.steps + i) * cfg.batch * 2, (cfg.steps + i + 1) * cfg.batch * 2),
              cfg.vocab,
            );
            opt.step(params, grads);
            tf.dispose([l, ...Object.values(grads)]);
            const dir = opt.lastDirection()!;
            for (const m of await layerOrthogonality(dir, opt.rotation.params)) {
              cvs.set(m.layer, [...(cvs.get(m.layer) ?? []), m.cv]);
              entropies.push(m.entropy);
            }
            tf.dispose(Object.values(dir));
            ctx.progress.update(done + i + 1, `${scope}: resumed steps`);
          }
          done += cfg.resumeSteps;
          const cvByLayer = Object.fromEntries(
            [...cvs.entries()].map(([k, x]) => [k, x.reduce((a, b) => a + b, 0) / x.length]),
          );
          const cv = Object.values(cvByLayer).reduce((a, b) => a + b, 0) / Object.values(cvByLayer).length;
          const probe: ScopeProbe = {
            loss,
            cv,
            cvByLayer,
            entropy: entropies.reduce((a, b) => a + b, 0) / entropies.length,
            stdLog10V: v.stdLog10,
            histogram: v.histogram,
            linf: linf.bound,
            oneOne: oneOneNormEstimate(hrows).total,
            neuronMeanAbs: acc.neuron,
            layerMeanAbs: acc.layer,
            otherMeanAbs: acc.other,
            contribution: { random: cr, update: cu },
          };
          out.set(scope, probe);
          ctx.metrics.write({
            step: cfg.steps,
            run: scope,
            loss,
            cv,
            stdLog10V: v.stdLog10,
            linf: linf.bound,
            oneOne: probe.oneOne,
          });
        } finally {
          opt.dispose();
          params.dispose();
        }
      }
    } finally {
      task.joint.dispose();
    }
    return probesReport(cfg.scopes, out);
  },
});
