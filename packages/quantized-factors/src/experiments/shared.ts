import type {
  CellContext,
  CellRecord,
  CustomView,
  PaperRef,
  PlotSpec,
  Reference,
  Where,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { GRID_DATASET_KINDS, type GridDatasetKind } from '../datasets.js';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'On the Identifiability of Quantized Factors',
  authors: 'Barin-Pacela, Ahuja, Lacoste-Julien, Vincent',
  venue: 'CLeaR 2024',
  year: 2024,
  url: 'https://arxiv.org/abs/2306.16334',
};

/** How the datasets are named in titles and claims. */
export const DATASET_LABEL: Record<GridDatasetKind, string> = {
  'non-factorized': 'non-factorised support',
  factorized: 'factorised support',
};

/** The notebooks' final Pearson MCC: ours, FastICA (reference `results_*.ipynb`, stored outputs). */
export const NOTEBOOK_MCC: Record<GridDatasetKind, { ours: number; fastica: number; source: string }> = {
  'non-factorized': { ours: 0.9998, fastica: 0.861, source: 'results_unfactorized.ipynb (Fig. 3 setting)' },
  factorized: { ours: 0.9999, fastica: 0.761, source: 'results_factorized.ipynb (Fig. 4 setting)' },
};

/** A reference number from our own analysis or simulation (e.g. the spec's numpy prototypes). */
export const derived = (value: number, source: string): Reference => ({
  provenance: 'derived',
  value,
  source,
});

/** Config fields every experiment shares: datasets (a cell axis), Parzen σ and the kernel's block size. */
export const commonFields = {
  /** The paper's datasets to run (cells). */
  datasets: z.array(z.enum(GRID_DATASET_KINDS as [GridDatasetKind, ...GridDatasetKind[]])).min(1),
  /** Parzen σ on standardised coordinates (the paper's 0.1). */
  sigma: z.number().positive().max(1e6),
  /** Query rows per Parzen kernel block; 0: automatic (`defaultChunkSize`). */
  chunkSize: z.int().min(0).max(1_000_000),
};

/** The Parzen options of a config, with the cell's abort signal. */
export function parzenOptions(
  config: { readonly sigma: number; readonly chunkSize: number },
  ctx: CellContext,
): { sigma: number; signal: AbortSignal; chunkSize?: number } {
  return {
    sigma: config.sigma,
    signal: ctx.signal,
    ...(config.chunkSize > 0 ? { chunkSize: config.chunkSize } : {}),
  };
}

/** Series-name prefix of the scatter points of a cell, split by true cell: `points:<c0>,<c1>`. */
export const POINTS = 'points:';

/** Series-name prefix of the mapped true separators: `separator:z<k>=<position>`. */
export const SEPARATOR = 'separator:';

function matches(r: CellRecord, where: Where): boolean {
  return Object.entries(where).every(([k, v]) => r.cell.params[k] === v);
}

/**
 * The record of the lowest seed among the cells selected by `where`. Scatter clouds, ridge maps and
 * landscapes are not averaged over seeds: every seed draws its own grid and mixing, so a mean of them
 * would be a blur of different geometries.
 */
export function firstSeed(records: readonly CellRecord[], where: Where): CellRecord {
  const hits = records.filter((r) => matches(r, where)).sort((a, b) => a.seed - b.seed);
  if (hits.length === 0)
    throw new Error(
      `no completed cell with ${Object.entries(where)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  return hits[0]!;
}

/**
 * Scatter of one cell's points (first seed), one colour per true grid cell (q₁, q₂): after a
 * recovery of the grid the colours form axis-aligned rectangles.
 */
export function samplesView(
  id: string,
  title: string,
  caption: (r: CellRecord) => string,
  where: Where,
  axes: { readonly x: string; readonly y: string },
): CustomView {
  return {
    kind: 'custom',
    id,
    build: (records): PlotSpec => {
      const r = firstSeed(records, where);
      const points = Object.entries(r.result.series ?? {})
        .filter(([name]) => name.startsWith(POINTS))
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([name, s]) =>
          s.x.map((x, i) => ({ name: `q = (${name.slice(POINTS.length)})`, x, y: s.y[i]! })),
        );
      return {
        kind: 'scatter',
        id,
        title,
        caption: `${caption(r)} Seed ${r.seed}.`,
        x: { label: axes.x },
        y: { label: axes.y },
        points,
      };
    },
  };
}

/** The true separators of one cell (first seed) mapped into its recovered coordinates, one line each. */
export function separatorsView(
  id: string,
  title: string,
  caption: (r: CellRecord) => string,
  where: Where,
  axes: { readonly x: string; readonly y: string },
): CustomView {
  return {
    kind: 'custom',
    id,
    build: (records): PlotSpec => {
      const r = firstSeed(records, where);
      const series = Object.entries(r.result.series ?? {})
        .filter(([name]) => name.startsWith(SEPARATOR))
        .map(([name, s]) => ({ name: name.slice(SEPARATOR.length), x: s.x, y: s.y }));
      return {
        kind: 'line',
        id,
        title,
        caption: `${caption(r)} Seed ${r.seed}.`,
        x: { label: axes.x },
        y: { label: axes.y },
        series,
      };
    },
  };
}

/** A matrix of one cell at its first seed as a heat map. */
export function firstSeedHeatmap(
  id: string,
  title: string,
  caption: (r: CellRecord) => string,
  where: Where,
  matrix: string,
  axes: { readonly x: string; readonly y: string; readonly color: string },
): CustomView {
  return {
    kind: 'custom',
    id,
    build: (records): PlotSpec => {
      const r = firstSeed(records, where);
      const m = r.result.matrices?.[matrix];
      if (!m) throw new Error(`cell ${r.cell.key} returned no matrix '${matrix}'`);
      return {
        kind: 'heatmap',
        id,
        title,
        caption: `${caption(r)} Seed ${r.seed}.`,
        rows: m.rows,
        cols: m.cols,
        values: m.values,
        ...(m.colLabels ? { xTicks: m.colLabels } : {}),
        ...(m.rowLabels ? { yTicks: m.rowLabels } : {}),
        x: { label: axes.x },
        y: { label: axes.y },
        colorLabel: axes.color,
      };
    },
  };
}
