import {
  atMost,
  claimOf,
  computed,
  defineExperiment,
  grid,
  type MetricSpec,
  mean,
  metricLines,
  near,
  seriesHeatmap,
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
  alphaPoints: z.int().min(2).max(10_000).default(100), // of the α grid, numpy linspace(0, 1, ·) (reference: 100)
  minN: z.int().min(3).max(10_000).default(3), // smallest population (reference: 3)
  maxN: z.int().min(3).max(500).default(25), // largest population (reference: 25)
  baSeeds: z.int().min(1).max(100).default(5), // BA graphs averaged per N, networkx seeds 0.. (reference: 5)
  m: z.int().min(1).max(10_000).default(2), // BA attachment, below minN
  r: z.number().min(0).max(1).default(0.6), // risk (Fig. 5: 0.6)
  c: z.number().min(0).max(1e6).default(0.1), // cooperation cost (Fig. 5: 0.1)
  threshold: z.number().gt(0).max(1).default(0.5), // T (Fig. 5: 0.5)
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
  presets: { quick: {}, full: { alphaPoints: 400 } },
  cells: (cfg) => grid({ graph: ['complete', 'ba'], n: range(cfg.minN, cfg.maxN) }),
  metrics: {
    bandLo: { label: 'lowest α with full success (complete graph, exact)', digits: 4 },
    bandHi: { label: 'highest α with full success (complete graph, exact)', digits: 4 },
    fullWidth: { label: 'share of the α grid with full success', digits: 3 },
    ruleViolations: { label: 'α points off the pmf > c/r rule (complete graph)', digits: 0 },
    ...(Object.fromEntries(
      Object.entries(AT).map(([k, a]) => [k, { label: `success at α = ${a}`, digits: 3 }]),
    ) as Record<keyof typeof AT, MetricSpec>),
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
    const at = Object.entries(AT).map(([k, a]) => [k, mean(graphs.map((g) => anarchicSuccess(g, crd, a)))]);
    return {
      metrics: {
        bandLo: band?.lo ?? Number.NaN,
        bandHi: band?.hi ?? Number.NaN,
        fullWidth: success.filter((s) => s === 1).length / alphas.length,
        ruleViolations: graph === 'ba' ? Number.NaN : alphas.filter((a, j) => success[j] !== rule(a)).length,
        ...(Object.fromEntries(at) as Record<keyof typeof AT, number>),
      },
      series: { success: { x: alphas, y: success } },
    };
  },
  claims: (cfg) => {
    if (cfg.r !== 0.6 || cfg.c !== 0.1 || cfg.threshold !== 0.5 || cfg.m !== 2 || cfg.baSeeds !== 5)
      return [];
    const has = ([n]: [string, unknown]) => Number(n) >= cfg.minN && Number(n) <= cfg.maxN;
    const complete = (n: string) => ({ graph: 'complete', n: Number(n) });
    const violations = computed(['ruleViolations'], 'Σ ruleViolations[graph=complete]', (t) =>
      t.values('ruleViolations', { graph: 'complete' }).reduce((a, b) => a + b, 0),
    );
    const baMismatch = (n: string, row: readonly number[]) =>
      computed(Object.keys(AT), 'max over α of |success − table|', (t) =>
        Math.max(
          ...Object.keys(AT).map((m, i) => Math.abs(t.value(m, { graph: 'ba', n: Number(n) }) - row[i]!)),
        ),
      );
    return [
      claimOf('all-or-nothing', violations, atMost(0), {
        statement:
          'complete graph: success is all-or-nothing and follows the pmf > c/r rule at every grid point',
        reference: derived(0, EXACT),
      }),
      ...Object.entries(BANDS)
        .filter(has)
        .flatMap(([n, band]) =>
          band === null
            ? [
                claimOf(`no-band-n${n}`, value('fullWidth', complete(n)), atMost(0), {
                  statement: `complete graph N = ${n}: no α gives full success`,
                  reference: derived(0, EXACT),
                }),
              ]
            : // The table lists the band's points on a 0.001 grid, so each exact edge lies within 0.001 of it.
              (['bandLo', 'bandHi'] as const).map((m, i) =>
                claimOf(`${m}-n${n}`.toLowerCase(), value(m, complete(n)), near(band[i]!, 0.001), {
                  statement: `complete graph N = ${n}: ${i ? 'upper' : 'lower'} edge of the α band with full success`,
                  reference: derived(band[i]!, `${EXACT} (0.001 grid)`),
                  digits: 4,
                }),
              ),
        ),
      ...Object.entries(BA_TABLE)
        .filter(has)
        .map(([n, row]) =>
          claimOf(`ba-n${n}`, baMismatch(n, row), atMost(1e-9), {
            statement: `BA(${n}, 2), networkx seeds 0–4: mean success at α = 0.2, 0.4, 0.5, 0.6, 0.8 is (${row.join(', ')})`,
            reference: derived(0, 'our exact computation of Fig. 5’s BA panel'),
          }),
        ),
    ];
  },
  plots: (cfg) => [
    ...Object.entries({
      complete: `Anarchic success, complete graph (r = ${cfg.r}, c = ${cfg.c}, T = ${cfg.threshold})`,
      ba: `Anarchic success, BA(N, ${cfg.m}), mean over ${cfg.baSeeds} graphs`,
    }).map(([graph, title]) =>
      seriesHeatmap(
        `heatmap-${graph}`,
        title,
        'Fraction of successful groups when predictions are ignored (τ = 0)',
        'success',
        'n',
        'α (innate belief that a neighbour cooperates)',
        'population size N',
        // Unique labels: the axis is ordinal.
        { where: { graph }, xTick: (a, xs) => a.toFixed(Math.ceil(Math.log10(xs.length - 1))) },
      ),
    ),
    metricLines(
      'band-width',
      'Share of α values at which every group succeeds',
      'On the complete graph and on BA graphs (ba: all groups of all graphs), the band of innate beliefs that sustains full cooperation narrows with N',
      'fullWidth',
      'n',
      'population size N',
      'share of the α grid',
      { markers: true },
    ),
  ],
});
