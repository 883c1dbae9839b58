/**
 * Benchmarks of @paperkit/disparate-pruning: the cost of one CEAG fine-tuning step (nupi's
 * `ConstrainedOptimizer.roll` on the CEAG problem: forward/backward of the proxy Lagrangian as one
 * per-example weighting of the losses, one host read of the logits for the correctness bits, the
 * replay buffers and the dual step, then the masked primal step) against one plain ERM fine-tuning
 * step of the same pruned model on the same batch (the same masked Adam on the mean cross-entropy),
 * both built by the package's `ceagStepPair`, timed back to back in the same process (median of
 * paired rounds). Both primal steps are a `MaskedOptimizer(Adam)`: masked gradients zeroed,
 * weights re-masked. The target: ≤ 1.15×, as the paper claims one forward/backward plus
 * O(|G|) work (the CEAG step's extra kernels and its one host read are pinned by the package's
 * `ceag-step-cost` test). Registered in `figures.ts` as
 *   { name: 'disparate-pruning', run: (quick) => benchDisparatePruning({ quick }) }
 */

import { ceagStepPair } from '@paperkit/disparate-pruning';
import { applyMlp, initMlp, type LabeledArrays, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';
import { measurePaired } from '../measure.js';

/** Options of {@link benchDisparatePruning}. */
export interface DisparatePruningBenchOptions {
  /** Tiny budgets and models (CI smoke run). */
  readonly quick?: boolean;
}

interface Setting {
  readonly label: string;
  readonly sizes: number[];
  readonly groups: number;
  readonly batch: number;
}

function dataset(s: Setting, n: number, rng: Rng): { data: LabeledArrays; groups: Int32Array } {
  const d = s.sizes[0]!;
  const classes = s.sizes.at(-1)!;
  const features = rng.stream('x').fillNormal(new Float32Array(n * d));
  const labels = Int32Array.from({ length: n }, () => rng.int(classes));
  // Imbalanced groups (Zipf-like), every group present.
  const weights = Array.from({ length: s.groups }, (_, g) => 1 / (g + 1));
  const groups = Int32Array.from({ length: n }, (_, i) => (i < s.groups ? i : rng.categorical(weights)));
  return { data: { features, labels, featureShape: [d], count: n }, groups };
}

function figure(s: Setting, budgetMs: number): BenchFigure {
  const rng = Rng.fromSeed(4).stream(s.label);
  const { data, groups } = dataset(s, 4 * s.batch, rng);
  // The package's own pair: the same pruned model (one copy each), the same batch, buffers full.
  const pair = ceagStepPair({
    classifier: () => ({
      params: initMlp(rng.stream('init'), { sizes: s.sizes }),
      forward: (p, x) => applyMlp(p, x, { sizes: s.sizes }),
    }),
    data,
    groups: { ids: groups, numGroups: s.groups },
    batchSize: s.batch,
    ceag: { epsilon: 0.01, buffer: 40 },
  });
  const { ceagStep, ermStep } = pair;
  // Half the rounds in each order, so neither step always runs right after the other's allocations
  // (or pays for its garbage); the two median ratios are combined geometrically.
  const budget = { ms: budgetMs / 2, maxIterations: 1000 };
  const ceagSecond = measurePaired(ermStep, ceagStep, budget);
  const ceagFirst = measurePaired(ceagStep, ermStep, budget);
  const t = {
    baseline: (ceagSecond.baseline + ceagFirst.variant) / 2,
    variant: (ceagSecond.variant + ceagFirst.baseline) / 2,
    ratio: Math.sqrt(ceagSecond.ratio / ceagFirst.ratio),
    rounds: ceagSecond.rounds + ceagFirst.rounds,
  };
  pair.dispose();
  return {
    name: `disparate-pruning CEAG step, ${s.label} (${tf.getBackend()})`,
    value: t.variant,
    unit: 'ms/step',
    baseline: t.baseline,
    ratio: t.ratio,
    note: `baseline: ERM fine-tuning step of the same 90%-sparse model and batch; median of ${t.rounds} paired rounds, half in each order; target ≤ 1.15×`,
  };
}

/** Runs every disparate-pruning figure on the current tfjs backend. */
export async function benchDisparatePruning(
  options: DisparatePruningBenchOptions = {},
): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  await tf.ready();
  const settings: Setting[] = quick
    ? [{ label: 'MLP 8-16-16-2, 4 groups, batch 32', sizes: [8, 16, 16, 2], groups: 4, batch: 32 }]
    : [
        {
          label: 'MLP 8-128-128-2, 4 groups, batch 128 (synthetic-groups)',
          sizes: [8, 128, 128, 2],
          groups: 4,
          batch: 128,
        },
        {
          label: 'MLP 196-128-128-10, 10 groups, batch 128 (mnist-groups)',
          sizes: [196, 128, 128, 10],
          groups: 10,
          batch: 128,
        },
        {
          label: 'MLP 784-256-256-100, 100 groups, batch 128 (CIFAR-100-like)',
          sizes: [784, 256, 256, 100],
          groups: 100,
          batch: 128,
        },
      ];
  return settings.map((s) => figure(s, quick ? 50 : 3000));
}
