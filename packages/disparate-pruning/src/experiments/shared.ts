import {
  type Cell,
  type CellRecord,
  type LinesView,
  type MetricSpec,
  type PaperRef,
  type PlotView,
  summarize,
  type Where,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import type { CellMetric } from './fine-tune-cell.js';
import { dualFields } from './methods.js';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Balancing Act: Constraining Disparate Impact in Sparse Models',
  authors: 'Hashemizadeh, Ramirez, Sukumaran, Farnadi, Lacoste-Julien, Gallego-Posada',
  venue: 'ICLR 2024',
  year: 2024,
  url: 'https://arxiv.org/abs/2310.20673',
};

/** How the runner shows the {@link CellMetric}s. */
export const METRICS: Readonly<Record<CellMetric, MetricSpec>> = {
  train_accuracy_pct: { label: 'train accuracy', unit: '%', digits: 1, better: 'higher' },
  test_accuracy_pct: { label: 'test accuracy', unit: '%', digits: 1, better: 'higher' },
  dense_train_accuracy_pct: { label: 'dense train accuracy', unit: '%', digits: 1 },
  dense_test_accuracy_pct: { label: 'dense test accuracy', unit: '%', digits: 1 },
  train_max_psi_pp: { label: 'train max_g ψ_g', unit: 'pp', digits: 2, better: 'lower' },
  train_pairwise_pp: { label: 'train Ψ_PW', unit: 'pp', digits: 2, better: 'lower' },
  test_max_psi_pp: { label: 'test max_g ψ_g', unit: 'pp', digits: 2, better: 'lower' },
  test_pairwise_pp: { label: 'test Ψ_PW', unit: 'pp', digits: 2, better: 'lower' },
  // Over seeds its mean is the share of seeds whose run ends feasible.
  train_feasible: { label: 'train max_g ψ_g ≤ ε (1 yes, 0 no)', digits: 2, better: 'higher' },
  sparsity: { label: 'achieved sparsity of the pruned layers', digits: 4 },
  max_multiplier: { label: 'largest final multiplier (NaN: none)', digits: 3 },
  best_epoch: { label: 'epoch restored by NFT+ES (NaN: other methods)', digits: 0 },
};

/** Fine-tuning fields every experiment's schema shares (the dense model's fields differ). */
/**
 * The dense model and sparsity of the generated-group experiments (synthetic-groups, intersectional),
 * bounded by what trains on this class of machine.
 */
export const syntheticTaskFields = {
  /** Training examples. */
  trainSize: z.int().min(100).max(200_000),
  /** Test examples. */
  testSize: z.int().min(100).max(200_000),
  /** Distance of the group (attribute) means from the origin along their axes. */
  separation: z.number().positive().max(100),
  /** Hidden width H of the MLP 8-H-H-2. */
  hidden: z.int().min(2).max(4096),
  /** Dense training epochs (Adam). */
  denseEpochs: z.int().min(1).max(1000),
  /** Dense Adam learning rate. */
  denseLr: z.number().positive().max(1),
  /** Final layer-wise sparsity of all three weight matrices. */
  sparsity: z.number().min(0).lt(1),
};

export const fineTuneFields = {
  /** Mini-batch size (dense training and fine-tuning). */
  batchSize: z.int().min(1).max(65_536),
  /** Fine-tuning epochs, pruning epochs included. */
  epochs: z.int().min(2).max(1000),
  /** Last GMP epoch E_p (the constraints start there). */
  pruningEpochs: z.int().min(0).max(1000),
  /** Fine-tuning Adam learning rate. */
  lr: z.number().positive().max(1),
  /** Epoch fractions at which the fine-tuning rate is multiplied by `lrGamma` (reference: .6, .8, .9). */
  lrMilestones: z.array(z.number().min(0).max(1)),
  /** Decay factor of the fine-tuning rate at each milestone (reference: 0.1). */
  lrGamma: z.number().positive().max(1),
  ...dualFields,
  /** Constrained steps between multiplier snapshots. */
  traceEvery: z.int().min(1).max(1_000_000),
};

/**
 * Bars of the per-group train accuracy change dense → sparse (points), one plot per cell (method): the
 * cell's `series` (default `group_change_train`), mean over seeds with 95% whiskers, on a y range
 * shared by all the cells' plots so they compare at a glance.
 */
export function groupChangeViews(
  cells: readonly Cell[],
  id: (cell: Cell) => string,
  title: (cell: Cell) => string,
  labels: readonly string[],
  caption: string,
  series = 'group_change_train',
): PlotView[] {
  const stats = (records: readonly CellRecord[], key: string) =>
    labels.map((_, g) =>
      summarize(
        records.filter((r) => r.cell.key === key).map((r) => r.result.series?.[series]?.y[g] ?? Number.NaN),
      ),
    );
  return cells.map(
    (cell): PlotView => ({
      kind: 'custom',
      id: id(cell),
      build(records: readonly CellRecord[]) {
        let lo = 0;
        let hi = 0;
        for (const c of cells)
          for (const s of stats(records, c.key)) {
            const [a, b] = Number.isFinite(s.ci95[0]) ? s.ci95 : [s.mean, s.mean];
            if (Number.isFinite(a)) lo = Math.min(lo, a);
            if (Number.isFinite(b)) hi = Math.max(hi, b);
          }
        const own = stats(records, cell.key);
        const seeds = new Set(records.filter((r) => r.cell.key === cell.key).map((r) => r.seed)).size;
        const seedText = seeds === 1 ? 'One seed.' : `Mean over ${seeds} seeds; whiskers are 95% intervals.`;
        return {
          kind: 'bar',
          id: id(cell),
          title: title(cell),
          caption: `${caption} ${seedText}`,
          categories: [...labels],
          groups: [
            {
              name: cell.label,
              values: own.map((s) => s.mean),
              ...(seeds > 1 ? { lo: own.map((s) => s.ci95[0]), hi: own.map((s) => s.ci95[1]) } : {}),
            },
          ],
          y: { label: 'sparse − dense train accuracy (pp)', domain: [Math.floor(lo), Math.ceil(hi)] },
        };
      },
    }),
  );
}

/** ψ_g of every constrained group over the epochs of one cell, with the bound ε. */
export function psiGroupsView(
  id: string,
  title: string,
  labels: readonly string[],
  where: Where,
  epsilonPp: number,
  caption: string,
): LinesView {
  return {
    kind: 'lines',
    id,
    title,
    caption,
    where,
    series: labels.map((l) => `ψ ${l}`),
    x: { label: 'epoch' },
    y: { label: 'train ψ_g (pp)' },
    hlines: [{ y: epsilonPp, label: `ε = ${epsilonPp} pp` }],
    vlinesFrom: { series: 'constraints_on', label: 'constraints on' },
  };
}

/** λ_g of every constrained group over the constrained steps of one cell. */
export function multipliersView(
  id: string,
  title: string,
  labels: readonly string[],
  where: Where,
  caption: string,
): LinesView {
  return {
    kind: 'lines',
    id,
    title,
    caption,
    where,
    series: labels.map((l) => `λ ${l}`),
    x: { label: 'fine-tuning step' },
    y: { label: 'multiplier λ_g' },
  };
}

/** Train max_g ψ_g per epoch of every selected cell, with the bound ε. */
export function maxPsiView(id: string, title: string, where: Where, epsilonPp: number): LinesView {
  return {
    kind: 'lines',
    id,
    title,
    caption:
      'Largest excess accuracy gap ψ_g on the training set after each fine-tuning epoch (GMP prunes during the first epochs; the constraints start at the last pruning epoch)',
    where,
    series: 'max_psi_train',
    x: { label: 'epoch' },
    y: { label: 'train max_g ψ_g (pp)' },
    hlines: [{ y: epsilonPp, label: `ε = ${epsilonPp} pp` }],
    vlinesFrom: { series: 'constraints_on', label: 'constraints on' },
  };
}
