import type { PaperComparison, Rng, SummaryValue } from '@paperkit/tensor-core';
import { z } from 'zod';
import { barabasiAlbert, barabasiAlbertNetworkx } from '../graph/barabasi-albert.js';
import type { Graph } from '../graph/graph.js';

/** Paper title for every experiment of this package. */
export const PAPER = 'Performative Prediction on Games and Mechanism Design (Góis et al., AISTATS 2025)';

/**
 * Which Barabási–Albert graphs an experiment uses: `networkx` rebuilds the paper's graphs exactly
 * (`nx.barabasi_albert_graph(n, m, seed)`); `rng` draws them from the run's seeded stream instead.
 */
export const graphSourceSchema = z.enum(['networkx', 'rng']);

/** A graph source. */
export type GraphSource = z.output<typeof graphSourceSchema>;

/** BA(n, m) for graph seed `seed`, from the chosen source (`rng` streams are named by n and seed). */
export function baGraph(n: number, m: number, seed: number, source: GraphSource, rng: Rng): Graph {
  return source === 'networkx'
    ? barabasiAlbertNetworkx(n, m, seed)
    : barabasiAlbert(n, m, rng.stream(`ba/${n}/${m}/${seed}`));
}

/** Rounds to `digits` decimals for summaries. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Mean of an array (NaN when empty). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Population standard deviation (numpy's default `np.std`). */
export function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

/** One comparison row. */
export function row(
  metric: string,
  ours: SummaryValue,
  paper: SummaryValue,
  holds: boolean | null,
  note?: string,
): PaperComparison {
  return { metric, ours, paper, holds, ...(note !== undefined ? { note } : {}) };
}

/** `[a, b, …]` integer range inclusive. */
export function rangeInclusive(lo: number, hi: number, step = 1): number[] {
  const out: number[] = [];
  for (let x = lo; x <= hi; x += step) out.push(x);
  return out;
}

/** numpy `linspace(lo, hi, count)`, rounding as numpy does (i·step + lo, last point exactly hi). */
export function linspace(lo: number, hi: number, count: number): number[] {
  if (count === 1) return [lo];
  const step = (hi - lo) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? hi : i * step + lo));
}
