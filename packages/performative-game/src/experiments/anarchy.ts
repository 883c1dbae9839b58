import {
  type Claim,
  type CustomView,
  computed,
  defineExperiment,
  grid,
  mean,
  value,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { anarchicHeatmap, anarchicSuccess, completeGraphBand } from '../dynamics/anarchic.js';
import { CRD } from '../game/crd.js';
import { binomialPmf } from '../game/poisson-binomial.js';
import { barabasiAlbertNetworkx } from '../graph/barabasi-albert.js';
import { completeGraph } from '../graph/graph.js';
import { derived, PAPER, range } from './shared.js';

const schema = z.strictObject({
  alphaPoints: z.int().min(2).max(10_000), // of the α grid, numpy linspace(0, 1, ·) (reference: 100)
  minN: z.int().min(3).max(10_000), // smallest population (reference: 3)
  maxN: z.int().min(3).max(500), // largest population (reference: 25)
  baSeeds: z.int().min(1).max(100), // BA graphs averaged per N, networkx seeds 0.. (reference: 5)
  m: z.int().min(1).max(10_000), // BA attachment, below minN
  r: z.number().min(0).max(1), // risk (Fig. 5: 0.6)
  c: z.number().min(0).max(1e6), // cooperation cost (Fig. 5: 0.1)
  threshold: z.number().gt(0).max(1), // T (Fig. 5: 0.5)
});

const EXACT =
  'our exact analysis of Fig. 5: on the complete graph all cooperate iff Bin(N − 1, α).pmf(K − 1) > c/r';
/** Complete graph: the α band with full success, listed on a 0.001 grid (our exact analysis). */
const BANDS: Record<number, readonly [number, number] | null> = {
  3: [0.092, 0.908],
  5: [0.212, 0.788],
  10: [0.296, 0.6],
  15: [0.411, 0.589],
  20: [0.428, 0.52],
  25: null,
};
/** BA(N, 2): mean success over networkx seeds 0–4 at α = 0.2, 0.4, 0.5, 0.6, 0.8 (our exact computation). */
const BA_TABLE: Record<number, readonly number[]> = {
  5: [1, 1, 1, 1, 0.6],
  10: [0.68, 1, 1, 1, 0.26],
  20: [0.78, 1, 1, 1, 0.08],
};
const AT = { at02: 0.2, at04: 0.4, at05: 0.5, at06: 0.6, at08: 0.8 } as const;

/** One panel of Fig. 5, success over (N, α), assembled from the cells' success curves. */
const heatmap = (graph: string, title: string): CustomView => ({
  kind: 'custom',
  id: `heatmap-${graph}`,
  build: (records) => {
    const rows = records.filter((r) => r.cell.params.graph === graph).map((r) => r.result.series!.success!);
    const digits = Math.ceil(Math.log10(rows[0]!.x.length - 1)); // unique labels: the axis is ordinal
    return {
      kind: 'heatmap',
      id: `heatmap-${graph}`,
      title,
      caption: 'Fraction of successful groups when predictions are ignored (τ = 0)',
      rows: rows.length,
      cols: rows[0]!.x.length,
      values: rows.flatMap((s) => s.y),
      xTicks: rows[0]!.x.map((a) => a.toFixed(digits)),
      yTicks: records.filter((r) => r.cell.params.graph === graph).map((r) => String(r.cell.params.n)),
      x: { label: 'α (innate belief that a neighbour cooperates)' },
      y: { label: 'population size N' },
    };
  },
});

/**
 * Fig. 5: success of the anarchic population (τ = 0, predictions ignored) over α × N on the complete
 * graph and on BA graphs (reference `plot_alpha_heatmap.py`). Exact and deterministic.
 */
export const anarchy = defineExperiment({
  id: 'performative-game/anarchy',
  paper: PAPER,
  title: 'Fig. 5: anarchic (τ = 0) group success over α × N, complete and Barabási–Albert graphs',
  deterministic: true,
  schema,
  base: { alphaPoints: 100, minN: 3, maxN: 25, baSeeds: 5, m: 2, r: 0.6, c: 0.1, threshold: 0.5 },
  presets: { quick: {}, full: { alphaPoints: 400 } },
  cells: (cfg) => grid({ graph: ['complete', 'ba'], n: range(cfg.minN, cfg.maxN) }),
  metrics: {
    bandLo: { label: 'lowest α with full success (complete graph, exact)', digits: 4 },
    bandHi: { label: 'highest α with full success (complete graph, exact)', digits: 4 },
    fullWidth: { label: 'share of the α grid with full success', digits: 3 },
    ruleViolations: { label: 'α points off the pmf > c/r rule (complete graph)', digits: 0 },
    ...(Object.fromEntries(
      Object.entries(AT).map(([k, a]) => [k, { label: `success at α = ${a}`, digits: 3 }]),
    ) as {
      [K in keyof typeof AT]: { label: string; digits: number };
    }),
  },
  cell(cfg, { graph, n }) {
    const crd = new CRD({ e: 1, r: cfg.r, c: cfg.c, threshold: cfg.threshold });
    const step = 1 / (cfg.alphaPoints - 1);
    const alphas = range(0, cfg.alphaPoints - 1).map((i) => (i === cfg.alphaPoints - 1 ? 1 : i * step));
    const ba = () => range(0, cfg.baSeeds - 1).map((s) => barabasiAlbertNetworkx(n, cfg.m, s));
    const graphs = graph === 'ba' ? ba() : [completeGraph(n)];
    const success = Array.from(anarchicHeatmap({ alphas, sizes: [n], crd, graphs: () => graphs }));
    const rule = (a: number) => (cfg.r * binomialPmf(n - 1, a)[crd.required(n) - 1]! > cfg.c ? 1 : 0);
    const band = graph === 'complete' ? completeGraphBand(n, crd) : null;
    const fullWidth = success.filter((s) => s === 1).length / alphas.length;
    const at = Object.entries(AT).map(([k, a]) => [k, mean(graphs.map((g) => anarchicSuccess(g, crd, a)))]);
    return {
      metrics: {
        bandLo: band?.lo ?? Number.NaN,
        bandHi: band?.hi ?? Number.NaN,
        fullWidth,
        ruleViolations: graph === 'ba' ? Number.NaN : alphas.filter((a, j) => success[j] !== rule(a)).length,
        ...(Object.fromEntries(at) as Record<keyof typeof AT, number>),
      },
      series: { success: { x: alphas, y: success }, fullWidth: { x: [n], y: [fullWidth] } },
    };
  },
  claims: (cfg) => {
    if (cfg.r !== 0.6 || cfg.c !== 0.1 || cfg.threshold !== 0.5 || cfg.m !== 2 || cfg.baSeeds !== 5)
      return [];
    const has = (n: string) => Number(n) >= cfg.minN && Number(n) <= cfg.maxN;
    const claims: Claim[] = [
      {
        id: 'all-or-nothing',
        statement:
          'complete graph: success is all-or-nothing and follows the pmf > c/r rule at every grid point',
        metric: computed(['ruleViolations'], 'Σ ruleViolations[graph=complete]', (t) =>
          t.values('ruleViolations', { graph: 'complete' }).reduce((a, b) => a + b, 0),
        ),
        expect: { op: '<=', value: 0, margin: 0 },
        reference: derived(0, EXACT),
      },
    ];
    for (const [n, band] of Object.entries(BANDS).filter(([k]) => has(k))) {
      const where = { graph: 'complete', n: Number(n) };
      if (band === null)
        claims.push({
          id: `no-band-n${n}`,
          statement: `complete graph N = ${n}: no α gives full success`,
          metric: value('fullWidth', where),
          expect: { op: '<=', value: 0, margin: 0 },
          reference: derived(0, EXACT),
        });
      // The table lists the band's points on a 0.001 grid, so each exact edge lies within 0.001 of it.
      else
        for (const [i, m] of (['bandLo', 'bandHi'] as const).entries())
          claims.push({
            id: `${m}-n${n}`.toLowerCase(),
            statement: `complete graph N = ${n}: ${i ? 'upper' : 'lower'} edge of the α band with full success`,
            metric: value(m, where),
            expect: { op: 'approx', value: band[i]!, margin: 0.001 },
            reference: derived(band[i]!, `${EXACT} (0.001 grid)`),
            digits: 4,
          });
    }
    for (const [n, row] of Object.entries(BA_TABLE).filter(([k]) => has(k)))
      claims.push({
        id: `ba-n${n}`,
        statement: `BA(${n}, 2), networkx seeds 0–4: mean success at α = 0.2, 0.4, 0.5, 0.6, 0.8 is (${row.join(', ')})`,
        metric: computed(Object.keys(AT), 'max over α of |success − table|', (t) =>
          Math.max(
            ...Object.keys(AT).map((m, i) => Math.abs(t.value(m, { graph: 'ba', n: Number(n) }) - row[i]!)),
          ),
        ),
        expect: { op: '<=', value: 1e-9, margin: 0 },
        reference: derived(0, 'our exact computation of Fig. 5’s BA panel'),
      });
    return claims;
  },
  plots: (cfg) => [
    heatmap(
      'complete',
      `Anarchic success, complete graph (r = ${cfg.r}, c = ${cfg.c}, T = ${cfg.threshold})`,
    ),
    heatmap('ba', `Anarchic success, BA(N, ${cfg.m}), mean over ${cfg.baSeeds} graphs`),
    {
      kind: 'lines',
      id: 'band-width',
      title: 'Share of α values at which every group succeeds',
      caption:
        'On the complete graph and on BA graphs (ba: all groups of all graphs), the band of innate beliefs that sustains full cooperation narrows with N',
      series: 'fullWidth',
      by: 'graph',
      x: { label: 'population size N' },
      y: { label: 'share of the α grid' },
      markers: true,
    },
  ],
});
