import { checkInRange, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import type { CRD } from '../game/crd.js';
import { countSuccessesUnchecked } from '../game/outcomes.js';
import { binomialPmf } from '../game/poisson-binomial.js';
import { checkGraph, type Graph } from '../graph/graph.js';

/**
 * Fraction of successful groups in the anarchic population (τ = 0: predictions ignored), reference
 * `compute_anarchic_success`. Each agent cooperates iff r·e·g_α,i − c > 0 with
 * g_α,i = Binomial(M_i − 1, α).pmf(K_i − 1); the outcome is deterministic.
 */
export function anarchicSuccess(graph: Graph, crd: CRD, alpha: number): number {
  checkGraph('graph', graph);
  checkInRange('alpha', alpha, 0, 1);
  return anarchicPrepared(prepare(graph, crd), crd, alpha);
}

/** Group sizes, thresholds and scratch space of one graph, reused across α. */
interface Prepared {
  readonly graph: Graph;
  readonly size: Int32Array;
  readonly required: Int32Array;
  readonly sizes: readonly number[];
  readonly actions: Uint8Array;
}

function prepare(graph: Graph, crd: CRD): Prepared {
  const n = graph.n;
  const size = new Int32Array(n);
  const required = new Int32Array(n);
  const distinct = new Set<number>();
  for (let i = 0; i < n; i++) {
    const m = graph.offsets[i + 1]! - graph.offsets[i]! + 1;
    size[i] = m;
    required[i] = crd.required(m);
    distinct.add(m);
  }
  return { graph, size, required, sizes: [...distinct], actions: new Uint8Array(n) };
}

function anarchicPrepared(p: Prepared, crd: CRD, alpha: number): number {
  // One decision per distinct group size: g_α depends on the agent only through M.
  const decide = new Map<number, number>();
  for (const m of p.sizes) {
    const g = binomialPmf(m - 1, alpha)[crd.required(m) - 1]!;
    decide.set(m, crd.r * crd.e * g - crd.c > 0 ? 1 : 0);
  }
  const n = p.graph.n;
  for (let i = 0; i < n; i++) p.actions[i] = decide.get(p.size[i]!)!;
  return countSuccessesUnchecked(p.graph, p.required, p.actions) / n;
}

/** Options of {@link anarchicHeatmap}. */
export interface AnarchicHeatmapOptions {
  /** The α grid (columns); the reference uses 100 points of linspace(0, 1). */
  readonly alphas: readonly number[];
  /** Population sizes (rows); the reference uses N = 3..25. */
  readonly sizes: readonly number[];
  /** The graphs to average over for one N (one complete graph, or BA graphs for seeds 0–4). */
  readonly graphs: (n: number) => readonly Graph[];
  /** The game (Fig. 5 uses r = 0.6, c = 0.1, T = 0.5). */
  readonly crd: CRD;
}

/**
 * The Fig. 5 heat map: mean anarchic success over `graphs(N)` for every (N, α), row-major with rows
 * = sizes and columns = alphas.
 */
export function anarchicHeatmap(options: AnarchicHeatmapOptions): Float64Array {
  const { alphas, sizes, graphs, crd } = options;
  if (!Array.isArray(alphas) || alphas.length === 0)
    throw new PaperkitInputError('alphas', alphas, 'a non-empty array');
  if (!Array.isArray(sizes) || sizes.length === 0)
    throw new PaperkitInputError('sizes', sizes, 'a non-empty array');
  alphas.forEach((a, j) => {
    checkInRange(`alphas[${j}]`, a, 0, 1);
  });
  sizes.forEach((n, i) => {
    checkInteger(`sizes[${i}]`, n, 2);
  });
  const out = new Float64Array(sizes.length * alphas.length);
  sizes.forEach((n, row) => {
    const gs = graphs(n);
    if (gs.length === 0)
      throw new PaperkitInputError('graphs', n, 'a function returning at least one graph per size');
    const prepared = gs.map((g) => prepare(checkGraph(`graphs(${n})`, g), crd));
    for (let col = 0; col < alphas.length; col++) {
      let s = 0;
      for (const p of prepared) s += anarchicPrepared(p, crd, alphas[col]!);
      out[row * alphas.length + col] = s / gs.length;
    }
  });
  return out;
}

/**
 * On the complete graph K_N all agents are identical, so the anarchic outcome is all-or-nothing:
 * everyone cooperates iff Binomial(N − 1, α).pmf(K − 1) > c/(r·e). The pmf is unimodal in α with its
 * peak at α* = (K − 1)/(N − 1), so the α with full success form one open interval, found here by
 * bisection on each side of the peak. Returns null when the peak is ≤ c/(r·e) (no α works).
 */
export function completeGraphBand(n: number, crd: CRD): { readonly lo: number; readonly hi: number } | null {
  checkInteger('n', n, 2);
  const k = crd.required(n);
  const cut = crd.c / (crd.r * crd.e);
  const f = (a: number): number => binomialPmf(n - 1, a)[k - 1]! - cut;
  const peak = (k - 1) / (n - 1);
  if (!(f(peak) > 0)) return null;
  const root = (a: number, b: number): number => {
    // f(a) ≤ 0 < f(b) or f(a) > 0 ≥ f(b); 200 halvings reach double precision.
    const fa = f(a) > 0;
    for (let i = 0; i < 200; i++) {
      const m = (a + b) / 2;
      if (f(m) > 0 === fa) a = m;
      else b = m;
    }
    return (a + b) / 2;
  };
  const lo = f(0) > 0 ? 0 : root(0, peak);
  const hi = f(1) > 0 ? 1 : root(peak, 1);
  return { lo, hi };
}
