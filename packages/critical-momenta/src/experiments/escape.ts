import {
  defineExperiment,
  type PaperComparison,
  type PlotSpec,
  type SummaryValue,
  throwIfAborted,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import {
  type EscapeSetting,
  escapeRatio,
  escapeRun,
  METHOD_LABEL,
  TOY_METHODS,
  type ToyMethod,
} from './escape-sim.js';
import { sharpFlat } from './landscapes.js';
import { PAPER_TITLE, round } from './shared.js';

const schema = z.strictObject({
  /** Seeds per (method, sharpness) cell. */
  seeds: z.number().int().min(1).max(10_000),
  /** Sharpness values κ_sharp (the narrow well has width 1/κ). */
  kappas: z.array(z.number().positive()).min(1),
  /** Learning rates; the first is the headline one (spec: 0.05), the others are reported too. */
  lrs: z.array(z.number().positive()).min(1),
  /** Steps T per run. */
  steps: z.number().int().min(1),
  /** Gradient noise standard deviation. */
  noise: z.number().min(0),
  /** C of Adam+CM. */
  topC: z.number().int().min(1),
  /** C of Adam+CG. */
  cgTopC: z.number().int().min(1),
  /** Priority decay λ. */
  decay: z.number().gt(0).lt(1),
  /** x_T above this counts as the flat well. */
  threshold: z.number(),
  /** κ at which runs also start in the flat well (stay check). */
  flatKappa: z.number().positive(),
});

/** Spec B.4 calibration (numpy, 100 seeds, lr 0.05): the anchor for Adam+CM, not a paper number. */
const SPEC_CM: Record<number, number> = { 4: 0, 8: 0.99, 16: 0.99, 32: 0.93 };

/**
 * Toy 1: escape from a sharp well into a flat one, as a function of the sharp well's sharpness, for
 * Adam, Adam+CG and Adam+CM (all Float64, reference semantics for the buffered methods).
 */
export const escapeExperiment = defineExperiment({
  id: 'critical-momenta/escape',
  paper: PAPER_TITLE,
  title: 'Toy 1: escape ratio from a sharp well vs its sharpness (Adam, Adam+CG, Adam+CM)',
  headline: true,
  schema,
  presets: {
    quick: {
      seeds: 100,
      kappas: [1, 2, 4, 8, 16, 32, 64],
      lrs: [0.05, 0.01],
      steps: 400,
      noise: 0.5,
      topC: 5,
      cgTopC: 10,
      decay: 0.7,
      threshold: 0.25,
      flatKappa: 16,
    },
    full: {
      seeds: 400,
      kappas: [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64],
      lrs: [0.05, 0.01],
      steps: 400,
      noise: 0.5,
      topC: 5,
      cgTopC: 10,
      decay: 0.7,
      threshold: 0.25,
      flatKappa: 16,
    },
  },
  async run(cfg, ctx) {
    const setting = (lr: number, kappaSharp: number, start: 'sharp' | 'flat'): EscapeSetting => ({
      lr,
      topC: cfg.topC,
      cgTopC: cfg.cgTopC,
      decay: cfg.decay,
      kappaSharp,
      steps: cfg.steps,
      noise: cfg.noise,
      start,
      threshold: cfg.threshold,
    });
    // One noise stream per (start, κ): the methods and learning rates share it seed by seed.
    const noise = ctx.rng.stream('toy1');
    const total = cfg.lrs.length * cfg.kappas.length * TOY_METHODS.length + TOY_METHODS.length;
    ctx.progress.start('escape runs', total);
    const ratios: Record<string, number[]> = {};
    let done = 0;
    for (const lr of cfg.lrs)
      for (const method of TOY_METHODS) {
        const row: number[] = [];
        for (const k of cfg.kappas) {
          throwIfAborted(ctx.signal);
          const { ratio } = escapeRatio(
            method,
            setting(lr, k, 'sharp'),
            noise.stream(`sharp-k${k}`),
            cfg.seeds,
          );
          row.push(ratio);
          ctx.metrics.write({ step: done, lr, method, kappa: k, start: 'sharp', escapeRatio: ratio });
          ctx.progress.update(++done, `${METHOD_LABEL[method]} lr ${lr} κ ${k}`);
        }
        ratios[`${method}@${lr}`] = row;
      }
    const stay: Record<ToyMethod, number> = { adam: 0, 'adam-cg': 0, 'adam-cm': 0 };
    const lr0 = cfg.lrs[0]!;
    for (const method of TOY_METHODS) {
      throwIfAborted(ctx.signal);
      const s = setting(lr0, cfg.flatKappa, 'flat');
      stay[method] = escapeRatio(method, s, noise.stream(`flat-k${cfg.flatKappa}`), cfg.seeds).ratio;
      ctx.metrics.write({
        step: done,
        lr: lr0,
        method,
        kappa: cfg.flatKappa,
        start: 'flat',
        stayRatio: stay[method],
      });
      ctx.progress.update(++done, `${METHOD_LABEL[method]} flat start`);
    }

    const at = (method: ToyMethod, k: number, lr = lr0): number | null => {
      const i = cfg.kappas.indexOf(k);
      return i < 0 ? null : ratios[`${method}@${lr}`]![i]!;
    };
    const summary: Record<string, SummaryValue> = { seeds: cfg.seeds, lr: lr0 };
    for (const lr of cfg.lrs)
      for (const method of TOY_METHODS)
        cfg.kappas.forEach((k, i) => {
          summary[`escape.${method}.lr${lr}.k${k}`] = ratios[`${method}@${lr}`]![i]!;
        });
    for (const method of TOY_METHODS) summary[`stayFlat.${method}.k${cfg.flatKappa}`] = stay[method];

    const comparisons: PaperComparison[] = [];
    for (const k of [4, 8, 16, 32]) {
      const ours = at('adam-cm', k);
      if (ours === null) continue;
      comparisons.push({
        metric: `Adam+CM escape ratio, κ = ${k} (lr ${lr0}, ${cfg.seeds} seeds)`,
        ours,
        paper: null,
        note: `paper: Fig. 5 qualitative only; spec's numpy calibration (100 seeds, lr 0.05): ${SPEC_CM[k]}`,
        holds: lr0 === 0.05 ? Math.abs(ours - SPEC_CM[k]!) <= 0.15 : null,
      });
    }
    const cm16 = at('adam-cm', 16);
    const adamMax = Math.max(...[4, 8, 16, 32].map((k) => at('adam', k) ?? 0));
    comparisons.push({
      metric: 'Adam+CM escapes the sharp well (κ = 16) while Adam does not (κ ≤ 32)',
      ours: `CM ${cm16 ?? 'n/a'}, Adam max ${adamMax}`,
      paper: 'CM overshoots narrow basins, Adam stays (abstract; Fig. 5)',
      note: 'spec margins: escape(CM, κ=16) ≥ 0.8, escape(Adam) ≤ 0.05',
      holds: cm16 === null ? null : cm16 >= 0.8 && adamMax <= 0.05,
    });
    const minStay = Math.min(stay.adam, stay['adam-cm']);
    comparisons.push({
      metric: `runs started in the flat well stay there (κ = ${cfg.flatKappa})`,
      ours: `Adam ${stay.adam}, Adam+CG ${stay['adam-cg']}, Adam+CM ${stay['adam-cm']}`,
      paper: 'wide basins are kept',
      note: 'spec margin: stay ≥ 0.95 for Adam and Adam+CM',
      holds: minStay >= 0.95,
    });
    const cmRow = [4, 8, 16, 32].map((k) => at('adam-cm', k)).filter((v): v is number => v !== null);
    comparisons.push({
      metric: 'Adam+CM escape ratio rises monotonically with sharpness (κ 4…32)',
      ours: cmRow.map((v) => round(v, 2)).join(' → '),
      paper: 'rises monotonically (Fig. 5, as summarised by reviews)',
      note: 'our toy saturates near κ = 8–16 and dips at 32 (the spec simulation too: 0.99 → 0.93)',
      holds: cmRow.every((v, i) => i === 0 || v >= cmRow[i - 1]!),
    });

    // Trajectories of one seed at κ = 16 (or the median κ) for the three methods.
    const kTraj = cfg.kappas.includes(16) ? 16 : cfg.kappas[Math.floor(cfg.kappas.length / 2)]!;
    const traj = TOY_METHODS.map((method) => {
      const path: number[] = [];
      escapeRun(method, setting(lr0, kTraj, 'sharp'), noise.stream(`sharp-k${kTraj}`).stream('seed-0'), path);
      return { name: METHOD_LABEL[method], x: path.map((_, i) => i), y: path };
    });
    const xs = Array.from({ length: 201 }, (_, i) => -2.5 + (5 * i) / 200);
    const plots: PlotSpec[] = [
      {
        kind: 'line',
        id: 'escape-ratio',
        title: `Escape ratio from the sharp well vs sharpness (lr ${lr0}, ${cfg.seeds} seeds)`,
        x: { label: 'sharpness κ (sharp well width 1/κ)', log: true },
        y: { label: 'fraction ending in the flat well', domain: [0, 1] },
        markers: true,
        series: cfg.lrs.flatMap((lr) =>
          TOY_METHODS.map((m) => ({
            name: `${METHOD_LABEL[m]}${cfg.lrs.length > 1 ? ` (lr ${lr})` : ''}`,
            x: cfg.kappas,
            y: ratios[`${m}@${lr}`]!,
          })),
        ),
      },
      {
        kind: 'line',
        id: 'trajectories',
        title: `One run per method from the sharp well, κ = ${kTraj}`,
        x: { label: 'step' },
        y: { label: 'x' },
        series: traj,
        hlines: [
          { y: -1, label: 'sharp well' },
          { y: 1.5, label: 'flat well' },
        ],
      },
      {
        kind: 'line',
        id: 'landscape',
        title: 'Toy 1 landscape for several sharpness values',
        x: { label: 'x' },
        y: { label: 'f(x)' },
        series: [4, 16, 64].map((k) => ({ name: `κ = ${k}`, x: xs, y: xs.map((x) => sharpFlat(x, k)) })),
      },
    ];
    const series: Record<string, number[]> = { kappas: cfg.kappas };
    for (const [key, row] of Object.entries(ratios)) series[`escape.${key}`] = row;
    return { summary, comparisons, plots, series };
  },
});
