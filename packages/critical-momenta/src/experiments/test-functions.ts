import {
  bestGap,
  type CellRecord,
  type Claim,
  defineExperiment,
  grid,
  minPairedGap,
  type PlotView,
  type Rng,
  throwIfAborted,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { ackley, goldsteinPrice, type TestFunction2D } from '../landscapes.js';
import { METHOD_LABEL, toyOptimizer } from './escape-sim.js';
import { BUFFER_BASE, bufferFields, lrField, METHODS, type Method, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  /** Starting points per axis (a grid of grid² starts over the function's domain). */
  grid: z.int().min(1).max(41),
  steps: z.int().min(1).max(10_000), // steps per run
  lrs: z.array(lrField(1)).min(1).max(8), // learning rates, all reported (the paper's is unknown)
  ...bufferFields,
  heatmap: z.int().min(8).max(200), // heat-map resolution per axis
  drawn: z.int().min(0).max(16), // how many starts get their trajectories drawn
});

type Config = z.output<typeof schema>;

const FUNCTIONS: Readonly<Record<string, TestFunction2D>> = {
  'goldstein-price': goldsteinPrice,
  ackley,
};
const FN_NAMES = Object.keys(FUNCTIONS);

function runFrom(
  fn: TestFunction2D,
  method: Method,
  lr: number,
  c: Config,
  start: readonly [number, number],
  path?: { x: number[]; y: number[] },
): { end: [number, number]; length: number } {
  const opt = toyOptimizer(method, { ...c, lr });
  const x = Float64Array.of(start[0], start[1]);
  const g = new Float64Array(2);
  let length = 0;
  for (let t = 0; t < c.steps; t++) {
    // Thin long paths to ≤ ~400 points for the plot.
    if (path && t % Math.max(1, Math.ceil(c.steps / 400)) === 0) {
      path.x.push(x[0]!);
      path.y.push(x[1]!);
    }
    const [gx, gy] = fn.grad(x[0]!, x[1]!);
    g[0] = gx;
    g[1] = gy;
    const px = x[0]!;
    const py = x[1]!;
    opt.step({ x }, { x: g });
    length += Math.hypot(x[0]! - px, x[1]! - py);
  }
  if (path) {
    path.x.push(x[0]!);
    path.y.push(x[1]!);
  }
  return { end: [x[0]!, x[1]!], length };
}

/** Cell centres of a grid × grid lattice over the domain (no start sits on a minimiser or an edge). */
function starts(fn: TestFunction2D, n: number): [number, number][] {
  const [lo, hi] = fn.domain;
  const at = (i: number) => lo + ((hi - lo) * (i + 0.5)) / n;
  return Array.from({ length: n * n }, (_, k) => [at(Math.floor(k / n)), at(k % n)]);
}

/** Starts whose trajectories are drawn: a random subset (a regular stride lands on the diagonal). */
function drawnStarts(fn: TestFunction2D, c: Config, rng: Rng): [number, number][] {
  const pts = starts(fn, c.grid);
  return Array.from(rng.sampleWithoutReplacement(pts.length, Math.min(c.drawn, pts.length))).map(
    (i) => pts[i]!,
  );
}

const middleLr = (c: Config): number => c.lrs[Math.floor(c.lrs.length / 2)]!;

/** Best fraction reached over the learning rates of method `a` minus that of `b`. */
const gap = (fn: string, a: Method, b: Method) =>
  bestGap('reached', { fn, method: a }, { fn, method: b }, 'higher');

function claims(): Claim[] {
  return FN_NAMES.flatMap((fn): Claim[] => [
    {
      id: `${fn}-cm-beats-adam`,
      statement: `${fn}: more starts reach the global basin with Adam+CM than with Adam (each at its best lr)`,
      metric: gap(fn, 'adam-cm', 'adam'),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative(
        'Fig. 1 (Goldstein–Price) and the Ackley analysis: Adam+CM reaches the global minimum',
      ),
    },
    {
      id: `${fn}-cm-beats-cg`,
      statement: `${fn}: more starts reach the global basin with Adam+CM than with Adam+CG (each at its best lr)`,
      metric: gap(fn, 'adam-cm', 'adam-cg'),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative('Fig. 1: Adam+CM reaches the global minimum where Adam and Adam+CG stall'),
    },
    {
      id: `${fn}-cm-travels`,
      statement: `${fn}: Adam+CM's mean path length exceeds Adam's at every learning rate`,
      metric: minPairedGap('pathLength', { fn, method: 'adam-cm' }, { fn, method: 'adam' }),
      expect: { op: '>', value: 0, margin: 0 },
      reference: qualitative('abstract: critical momenta promote exploration'),
    },
  ]);
}

function landscape(fn: TestFunction2D, c: Config): PlotView {
  const [lo, hi] = fn.domain;
  const n = c.heatmap;
  const at = (i: number) => lo + ((hi - lo) * (i + 0.5)) / n;
  const log = fn === goldsteinPrice;
  const values: number[] = [];
  for (let r = n - 1; r >= 0; r--)
    for (let k = 0; k < n; k++) {
      const v = fn.f(at(k), at(r));
      // Goldstein–Price spans 3 to 1e6: show log10 f.
      values.push(log ? Math.log10(v) : v);
    }
  const ticks = Array.from({ length: n }, (_, i) => String(Math.round(at(i) * 100) / 100));
  return {
    kind: 'custom',
    id: `${fn.name}-map`,
    build: () => ({
      kind: 'heatmap',
      id: `${fn.name}-map`,
      title: `${fn.name} landscape${log ? ' (log10 f)' : ''}`,
      caption: `Global minimum ${fn.minimum} at (${fn.minimiser.join(', ')})`,
      rows: n,
      cols: n,
      values,
      xTicks: ticks,
      yTicks: [...ticks].reverse(),
      x: { label: 'x' },
      y: { label: 'y' },
      colorLabel: log ? 'log10 f' : 'f',
    }),
  };
}

function trajectories(fn: TestFunction2D, method: Method, c: Config): PlotView {
  const id = `${fn.name}-trajectories-${method}`;
  const [lo, hi] = fn.domain;
  return {
    kind: 'custom',
    id,
    build: (records: readonly CellRecord[]) => {
      const r = records.find(
        (x) =>
          x.cell.params.fn === fn.name && x.cell.params.method === method && x.cell.params.lr === middleLr(c),
      );
      const series = Object.entries(r?.result.series ?? {})
        .filter(([k]) => k.startsWith('start '))
        .map(([name, xy]) => ({ name, ...xy }));
      return {
        kind: 'line',
        id,
        title: `${fn.name}, ${METHOD_LABEL[method]} (lr ${middleLr(c)})`,
        caption: `Trajectories from ${series.length} starts; global minimum at (${fn.minimiser.join(', ')}); a start keeps its colour across the methods`,
        x: { label: 'x', domain: [lo, hi] },
        y: { label: 'y', domain: [lo, hi] },
        series,
      };
    },
  };
}

/**
 * Toy 2: Goldstein–Price and Ackley from a grid of starting points with exact gradients: the fraction
 * of runs that reach the global basin and the path length, for Adam, Adam+CG and Adam+CM at several
 * learning rates (the paper's is unknown, so the claims compare each method at its best one).
 */
export const testFunctionsExperiment = defineExperiment({
  id: 'critical-momenta/test-functions',
  paper: PAPER,
  title:
    'Goldstein–Price and Ackley: fraction of starts reaching the global basin, path length, trajectories',
  deterministic: true,
  schema,
  base: {
    grid: 21,
    steps: 2000,
    lrs: [0.005, 0.01, 0.02, 0.05, 0.1],
    ...BUFFER_BASE,
    heatmap: 100,
    drawn: 6,
  },
  presets: { quick: { grid: 9, steps: 1000, lrs: [0.01, 0.05, 0.1], heatmap: 60, drawn: 4 }, full: {} },
  cells: (c) => grid({ fn: FN_NAMES, method: METHODS, lr: c.lrs }),
  metrics: {
    reached: { label: 'fraction of starts reaching the global basin', better: 'higher', digits: 3 },
    pathLength: { label: 'mean path length Σ‖Δθ‖', digits: 2 },
    finalValue: { label: 'mean final f', better: 'lower' },
  },
  cell(c, { fn: name, method, lr }, ctx) {
    const fn = FUNCTIONS[name]!;
    const m = method as Method;
    let reached = 0;
    let length = 0;
    let final = 0;
    const pts = starts(fn, c.grid);
    for (const s of pts) {
      throwIfAborted(ctx.signal);
      const r = runFrom(fn, m, lr, c, s);
      if (Math.hypot(r.end[0] - fn.minimiser[0], r.end[1] - fn.minimiser[1]) < fn.basinRadius) reached++;
      length += r.length;
      final += fn.f(r.end[0], r.end[1]);
    }
    const series: Record<string, { x: number[]; y: number[] }> = {
      byLr: { x: [lr], y: [reached / pts.length] },
    };
    if (lr === middleLr(c))
      drawnStarts(fn, c, ctx.rng.stream(`drawn-${name}`)).forEach((st, k) => {
        const path = { x: [] as number[], y: [] as number[] };
        runFrom(fn, m, lr, c, st, path);
        series[`start ${k + 1} (${st.map((v) => Math.round(v * 100) / 100).join(', ')})`] = path;
      });
    return {
      metrics: {
        reached: reached / pts.length,
        pathLength: length / pts.length,
        finalValue: final / pts.length,
      },
      series,
    };
  },
  claims,
  plots: (c) =>
    Object.values(FUNCTIONS).flatMap((fn): PlotView[] => [
      {
        kind: 'lines',
        id: `${fn.name}-reached`,
        title: `${fn.name}: fraction of starts reaching the global basin`,
        caption: `${c.grid * c.grid} starts on a grid over [${fn.domain.join(', ')}]², ${c.steps} steps, exact gradients`,
        series: 'byLr',
        by: 'method',
        where: { fn: fn.name },
        x: { label: 'learning rate', log: true },
        y: { label: 'fraction reaching the global basin', domain: [0, 1] },
        markers: true,
      },
      landscape(fn, c),
      ...METHODS.map((m) => trajectories(fn, m, c)),
    ]),
  notes: [
    'The paper shows these toys as figures (lr unknown); the spec asks to record, not assert, the outcome. Claims compare each method at its best learning rate of the sweep.',
    'Deterministic: exact gradients from a fixed grid of starts, so one run gives the exact values.',
  ],
});
