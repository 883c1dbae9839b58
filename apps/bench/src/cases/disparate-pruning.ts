/**
 * Benchmarks of @paperkit/disparate-pruning: the cost of one CEAG fine-tuning step (nupi's
 * `ConstrainedOptimizer.roll` on the CEAG problem: forward/backward of the proxy Lagrangian, one host
 * read of the logits for the correctness bits, the replay buffers and the dual step, then the masked
 * primal step) against one plain ERM fine-tuning step of the same pruned model on the same batch
 * (the same masked Adam on the mean cross-entropy), timed back to back in the same process (median
 * of paired rounds). Both primal steps are a `MaskedOptimizer(Adam)`: masked gradients zeroed,
 * weights re-masked. The target: ≤ 1.15×, as the paper claims one forward/backward plus
 * O(|G|) work (the CEAG step's extra kernels and its one host read are pinned by the package's
 * `ceag-step-cost` test). Registered in `figures.ts` as
 *   { name: 'disparate-pruning', run: (quick) => benchDisparatePruning({ quick }) }
 */

import {
  ceagProblem,
  denseStats,
  encodeGroups,
  groupCounts,
  MaskedOptimizer,
  resolveClassifier,
  selectGroups,
  type TrainingBatch,
  trainingForward,
} from '@paperkit/disparate-pruning';
import { ConstrainedOptimizer, GradientAscent } from '@paperkit/nupi';
import { Adam, applyMlp, initMlp, type LabeledArrays, Rng } from '@paperkit/tensor-core';
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
  const n = 4 * s.batch;
  const { data, groups } = dataset(s, n, rng);
  const make = () => {
    const params = initMlp(rng.stream('init'), { sizes: s.sizes });
    const model = resolveClassifier({ params, forward: (p, x) => applyMlp(p, x, { sizes: s.sizes }) });
    const opt = new MaskedOptimizer(new Adam({ lr: 1e-3 }), { prunable: model.prunable });
    opt.prune(model.params, 0.9);
    return { params, model, opt };
  };
  const all = encodeGroups({ ids: groups, numGroups: s.groups });
  const idx = Int32Array.from({ length: s.batch }, (_, i) => i);
  const batch: TrainingBatch = {
    x: tf.tensor2d(data.features.subarray(0, s.batch * s.sizes[0]!), [s.batch, s.sizes[0]!]),
    y: tf.tensor1d(data.labels.subarray(0, s.batch), 'int32'),
    labels: data.labels.slice(0, s.batch),
    groups: selectGroups(all, idx),
  };

  const erm = make();
  const ermStep = () => {
    erm.opt
      .minimize(
        () => tf.tidy(() => tf.mean(trainingForward(erm.model, batch).losses)) as tf.Scalar,
        erm.model.params,
      )
      .dispose();
  };

  const ceag = make();
  const dense = denseStats(ceag.model, { train: { data, groups: all } }).train!;
  const priors = groupCounts(all).map((c) => c / all.count);
  const problem = ceagProblem(ceag.model, dense, priors, { epsilon: 0.01, buffer: 40 });
  const opt = new ConstrainedOptimizer({
    problem: problem.problem,
    params: ceag.model.params,
    primal: ceag.opt,
    dual: new GradientAscent({ lr: 1e-2 }),
  });
  const ceagStep = () => opt.roll(batch).dispose();
  // Fill the buffers first so the timed steps include the dual update of every group.
  for (let i = 0; i < 50; i++) ceagStep();
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
  erm.opt.dispose();
  opt.dispose(); // and its primal, ceag.opt
  for (const m of [erm, ceag]) m.params.dispose();
  tf.dispose([batch.x, batch.y]);
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
