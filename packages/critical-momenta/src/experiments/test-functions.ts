import {
  defineExperiment,
  type PaperComparison,
  type PlotSpec,
  type SummaryValue,
  throwIfAborted,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { METHOD_LABEL, TOY_METHODS, type ToyMethod, toyOptimizer } from './escape-sim.js';
import { ackley, goldsteinPrice, type TestFunction2D } from './landscapes.js';
import { PAPER_TITLE, round } from './shared.js';

const schema = z.strictObject({
  /** Starting points per axis (a grid of grid² starts over the function's domain). */
  grid: z.number().int().min(1).max(101),
  /** Steps per run. */
  steps: z.number().int().min(1),
  /** Learning rates, all reported (the paper's is unknown). */
  lrs: z.array(z.number().positive()).min(1),
  /** C of Adam+CM. */
  topC: z.number().int().min(1),
  /** C of Adam+CG. */
  cgTopC: z.number().int().min(1),
  /** Priority decay λ. */
  decay: z.number().gt(0).lt(1),
  /** Heat-map resolution per axis. */
  heatmap: z.number().int().min(8).max(200),
  /** How many starts get their trajectories drawn. */
  drawn: z.number().int().min(0).max(16),
});

/** Outcome of one method from all starts. */
interface GridOutcome {
  /** Fraction of starts ending within the basin radius of the global minimiser. */
  reached: number;
  /** Mean path length Σ‖Δθ‖. */
  pathLength: number;
  /** Mean final value. */
  finalValue: number;
}

function runFrom(
  fn: TestFunction2D,
  method: ToyMethod,
  lr: number,
  cfg: z.output<typeof schema>,
  start: [number, number],
  path?: number[][],
): { end: [number, number]; length: number } {
  const opt = toyOptimizer(method, { lr, topC: cfg.topC, cgTopC: cfg.cgTopC, decay: cfg.decay });
  const x = Float64Array.of(start[0], start[1]);
  const g = new Float64Array(2);
  let length = 0;
  path?.push([x[0]!, x[1]!]);
  for (let t = 0; t < cfg.steps; t++) {
    const [gx, gy] = fn.grad(x[0]!, x[1]!);
    g[0] = gx;
    g[1] = gy;
    const px = x[0]!;
    const py = x[1]!;
    opt.step({ x }, { x: g });
    length += Math.hypot(x[0]! - px, x[1]! - py);
    path?.push([x[0]!, x[1]!]);
  }
  return { end: [x[0]!, x[1]!], length };
}

function starts(fn: TestFunction2D, grid: number): [number, number][] {
  const [lo, hi] = fn.domain;
  const out: [number, number][] = [];
  // Cell centres, so no start sits exactly on a minimiser or on the domain's edge.
  for (let i = 0; i < grid; i++)
    for (let j = 0; j < grid; j++)
      out.push([lo + ((hi - lo) * (i + 0.5)) / grid, lo + ((hi - lo) * (j + 0.5)) / grid]);
  return out;
}

/**
 * Toy 2: Goldstein–Price and Ackley from a grid of starting points, deterministic gradients: the
 * fraction of runs that reach the global basin and the path length, for Adam, Adam+CG and Adam+CM
 * at several learning rates (the paper's is unknown, so none is singled out).
 */
export const testFunctionsExperiment = defineExperiment({
  id: 'critical-momenta/test-functions',
  paper: PAPER_TITLE,
  title:
    'Goldstein–Price and Ackley: fraction of starts reaching the global basin, path length, trajectories',
  schema,
  presets: {
    quick: {
      grid: 9,
      steps: 1000,
      lrs: [0.01, 0.05, 0.1],
      topC: 5,
      cgTopC: 10,
      decay: 0.7,
      heatmap: 60,
      drawn: 4,
    },
    full: {
      grid: 21,
      steps: 2000,
      lrs: [0.005, 0.01, 0.02, 0.05, 0.1],
      topC: 5,
      cgTopC: 10,
      decay: 0.7,
      heatmap: 100,
      drawn: 6,
    },
  },
  async run(cfg, ctx) {
    const fns = [goldsteinPrice, ackley];
    const total = fns.length * cfg.lrs.length * TOY_METHODS.length;
    ctx.progress.start('test functions', total);
    const summary: Record<string, SummaryValue> = { starts: cfg.grid * cfg.grid, steps: cfg.steps };
    const comparisons: PaperComparison[] = [];
    const plots: PlotSpec[] = [];
    const series: Record<string, number[]> = { lrs: cfg.lrs };
    let done = 0;
    for (const fn of fns) {
      const pts = starts(fn, cfg.grid);
      const outcomes: Record<string, GridOutcome> = {};
      for (const lr of cfg.lrs)
        for (const method of TOY_METHODS) {
          let reached = 0;
          let length = 0;
          let finalValue = 0;
          for (const s of pts) {
            throwIfAborted(ctx.signal);
            const r = runFrom(fn, method, lr, cfg, s);
            const d = Math.hypot(r.end[0] - fn.minimiser[0], r.end[1] - fn.minimiser[1]);
            if (d < fn.basinRadius) reached++;
            length += r.length;
            finalValue += fn.f(r.end[0], r.end[1]);
          }
          const o = {
            reached: reached / pts.length,
            pathLength: length / pts.length,
            finalValue: finalValue / pts.length,
          };
          outcomes[`${method}@${lr}`] = o;
          summary[`${fn.name}.${method}.lr${lr}.reached`] = round(o.reached, 4);
          summary[`${fn.name}.${method}.lr${lr}.pathLength`] = round(o.pathLength, 3);
          summary[`${fn.name}.${method}.lr${lr}.finalValue`] = round(o.finalValue, 4);
          ctx.metrics.write({ step: done, fn: fn.name, method, lr, ...o });
          ctx.progress.update(++done, `${fn.name} ${METHOD_LABEL[method]} lr ${lr}`);
        }
      for (const method of TOY_METHODS) {
        series[`${fn.name}.${method}.reached`] = cfg.lrs.map((lr) => outcomes[`${method}@${lr}`]!.reached);
        series[`${fn.name}.${method}.pathLength`] = cfg.lrs.map(
          (lr) => outcomes[`${method}@${lr}`]!.pathLength,
        );
      }
      const best = (m: ToyMethod): { v: number; lr: number } =>
        cfg.lrs.reduce(
          (b, lr) => (outcomes[`${m}@${lr}`]!.reached > b.v ? { v: outcomes[`${m}@${lr}`]!.reached, lr } : b),
          {
            v: -1,
            lr: cfg.lrs[0]!,
          },
        );
      const [ba, bg, bc] = [best('adam'), best('adam-cg'), best('adam-cm')];
      comparisons.push({
        metric: `${fn.name}: fraction of ${pts.length} starts reaching the global basin, best over lr ∈ {${cfg.lrs.join(', ')}}`,
        ours: `Adam ${round(ba.v, 3)} (lr ${ba.lr}), Adam+CG ${round(bg.v, 3)} (lr ${bg.lr}), Adam+CM ${round(bc.v, 3)} (lr ${bc.lr})`,
        paper:
          'Adam+CM reaches the global minimum where Adam and Adam+CG stall (Fig. 1, qualitative; lr unknown)',
        note: 'holds = CM above Adam and at least CG; per-lr values are in the summary',
        holds: bc.v > ba.v && bc.v >= bg.v,
      });
      comparisons.push({
        metric: `${fn.name}: mean path length Σ‖Δθ‖ at lr ${cfg.lrs[0]} … ${cfg.lrs.at(-1)}`,
        ours: TOY_METHODS.map(
          (m) =>
            `${METHOD_LABEL[m]} ${cfg.lrs.map((lr) => round(outcomes[`${m}@${lr}`]!.pathLength, 1)).join('/')}`,
        ).join('; '),
        paper: 'CM explores more (travels farther) than Adam',
        holds: cfg.lrs.every(
          (lr) => outcomes[`adam-cm@${lr}`]!.pathLength > outcomes[`adam@${lr}`]!.pathLength,
        ),
      });
      plots.push({
        kind: 'line',
        id: `${fn.name}-reached`,
        title: `${fn.name}: fraction of starts reaching the global basin`,
        x: { label: 'learning rate', log: true },
        y: { label: 'fraction reaching the global basin', domain: [0, 1] },
        markers: true,
        series: TOY_METHODS.map((m) => ({
          name: METHOD_LABEL[m],
          x: cfg.lrs,
          y: series[`${fn.name}.${m}.reached`]!,
        })),
      });
      // Map of the function (log scale for Goldstein–Price's range of 3 to 1e6) and, on the same
      // axes, trajectories from a few starts at the middle learning rate.
      const [lo, hi] = fn.domain;
      const n = cfg.heatmap;
      const values: number[] = [];
      for (let r = n - 1; r >= 0; r--)
        for (let c = 0; c < n; c++) {
          const v = fn.f(lo + ((hi - lo) * (c + 0.5)) / n, lo + ((hi - lo) * (r + 0.5)) / n);
          values.push(fn.name === 'goldstein-price' ? Math.log10(v) : v);
        }
      // A label per cell centre; the renderer thins them to fit.
      const ticks = (): string[] =>
        Array.from({ length: n }, (_, i) => String(round(lo + ((hi - lo) * (i + 0.5)) / n, 2)));
      plots.push({
        kind: 'heatmap',
        id: `${fn.name}-map`,
        title: `${fn.name} landscape${fn.name === 'goldstein-price' ? ' (log10 f)' : ''}`,
        rows: n,
        cols: n,
        values,
        xTicks: ticks(),
        yTicks: ticks().reverse(),
        x: { label: 'x' },
        y: { label: 'y' },
        colorLabel: fn.name === 'goldstein-price' ? 'log10 f' : 'f',
      });
      const lrMid = cfg.lrs[Math.floor(cfg.lrs.length / 2)]!;
      // Starts drawn at random from the grid (a regular stride lands on the diagonal of a square grid).
      const drawnStarts = Array.from(
        ctx.rng
          .stream(`drawn-${fn.name}`)
          .sampleWithoutReplacement(pts.length, Math.min(cfg.drawn, pts.length)),
      ).map((i) => pts[i]!);
      // One plot per method, one series per start, so a start keeps its colour across the plots.
      for (const m of TOY_METHODS) {
        const lines = drawnStarts.map((st, k) => {
          const path: number[][] = [];
          runFrom(fn, m, lrMid, cfg, st, path);
          // Thin long paths to ≤ 400 points for the plot.
          const stride = Math.max(1, Math.ceil(path.length / 400));
          const kept = path.filter((_, i) => i % stride === 0 || i === path.length - 1);
          return {
            name: `start ${k + 1} (${round(st[0], 2)}, ${round(st[1], 2)})`,
            x: kept.map((p) => p[0]!),
            y: kept.map((p) => p[1]!),
          };
        });
        plots.push({
          kind: 'line',
          id: `${fn.name}-trajectories-${m}`,
          title: `${fn.name}, ${METHOD_LABEL[m]} (lr ${lrMid}); global minimum at (${fn.minimiser.join(', ')})`,
          x: { label: 'x', domain: [lo, hi] },
          y: { label: 'y', domain: [lo, hi] },
          series: lines,
        });
      }
    }
    return { summary, comparisons, plots, series };
  },
});
