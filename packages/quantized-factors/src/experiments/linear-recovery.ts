import {
  type Claim,
  computed,
  defineExperiment,
  diag,
  diff,
  grid,
  identity,
  type Matrix,
  type MatrixData,
  matmul,
  meanCorrelationCoefficient,
  pearsonCorrelationMatrix,
  throwIfAborted,
  value,
  type XY,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { recoverLinear2D } from '../angle-search.js';
import { applyLinear, gridDataset } from '../datasets.js';
import { fastIca } from '../fastica.js';
import { kurtosisIca2D } from '../ica.js';
import { gridRecovery } from '../identifiability.js';
import { linearMapLosses, PREPROCESS, type Preprocess } from '../linear-maps.js';
import { columnMoments, standardizeColumns64 } from '../standardize.js';
import { trainLinearUnmixing } from '../train-linear.js';
import { linearRecoveryPlots } from './linear-recovery-plots.js';
import { gridLineSeries, ridgeMatrix, scatterByCell } from './plot-data.js';
import { commonFields, DATASET_LABEL, NOTEBOOK_MCC, PAPER, parzenOptions } from './shared.js';

/** Methods compared. `ours` is the robust angle search, `gradient` the paper's SGD training of W. */
export const LINEAR_RECOVERY_METHODS = ['ours', 'gradient', 'ica2d', 'fastica', 'raw'] as const;
/** A method of `quantized-factors/linear-recovery`. */
export type LinearRecoveryMethod = (typeof LINEAR_RECOVERY_METHODS)[number];

const schema = z.strictObject({
  ...commonFields,
  methods: z.array(z.enum(LINEAR_RECOVERY_METHODS)).min(1),
  /** Samples per dataset scored by every method (the paper: 50 000). */
  n: z.int().min(200).max(1_000_000),
  /** Coordinates the angle search works in. */
  preprocess: z.enum(PREPROCESS as [Preprocess, ...Preprocess[]]),
  /** Coarse grid step of the angle search, degrees. */
  coarseStepDeg: z.number().positive().max(90),
  /** Refinement steps of the angle search, degrees. */
  refineStepsDeg: z.array(z.number().positive()).min(1),
  /** Coarse local minima the angle search refines. */
  starts: z.int().min(1).max(100_000),
  /** The paper's gradient training (method `gradient`); it trains on `max(n, gradient.n)` points. */
  gradient: z.strictObject({
    n: z.int().min(200).max(1_000_000),
    batchSize: z.int().min(2).max(100_000),
    epochs: z.int().min(1).max(1_000_000),
    lr: z.number().positive().max(10),
    momentum: z.number().min(0).max(0.999),
    shuffle: z.boolean(),
    keepBest: z.boolean(),
  }),
  /** FastICA iteration cap (the notebooks pass 1000). */
  fastIcaMaxIter: z.int().min(1).max(1_000_000),
  /** Points per scatter figure (≤ 800: the runner's Vega renderer overflows its stack on larger scatters). */
  plotPoints: z.int().min(0).max(800),
  /** Resolution of the gradient-magnitude ridge map (0: none). */
  ridgeGrid: z.int().min(0).max(10_000),
});

/** Resolved config of `quantized-factors/linear-recovery`. */
export type LinearRecoveryConfig = z.output<typeof schema>;

/** Pearson correlation of the two latent coordinates (the paper reports 0.606 and 0.642 at its seeds). */
function latentCorrelation(z: Matrix): number {
  const col = (k: number) => ({ rows: z.rows, cols: 1, data: z.data.filter((_, i) => i % 2 === k) });
  return pearsonCorrelationMatrix(col(0), col(1)).data[0]!;
}

/**
 * `quantized-factors/linear-recovery` (headline): on both grid datasets of the paper, recover the
 * latents from x = A·z with the criterion (robust angle search; the paper's gradient training in the
 * full preset) and compare with 2-D kurtosis ICA, FastICA and the raw observations, by Pearson MCC
 * and by how well the true grid is recovered. A cell is one dataset × method at `ctx.seed`; the data
 * come from `ctx.rng.stream('data')`, so every method of a seed sees the same grid, mixing and points.
 */
export const linearRecovery = defineExperiment({
  id: 'quantized-factors/linear-recovery',
  paper: PAPER,
  title: 'Figs. 3–4: the density-gradient criterion unmixes correlated grid latents where ICA fails',
  headline: true,
  schema,
  base: {
    datasets: ['non-factorized', 'factorized'],
    methods: ['ours', 'gradient', 'ica2d', 'fastica', 'raw'],
    n: 5000,
    sigma: 0.1,
    chunkSize: 0,
    preprocess: 'whiten',
    coarseStepDeg: 10,
    refineStepsDeg: [3, 1],
    starts: 3,
    gradient: {
      n: 20000,
      batchSize: 5000,
      epochs: 25,
      // The notebooks' step: lr 0.1 on batches holding 5000/50 000 of the α mass. With α normalised
      // over all n points a batch holds batchSize/n of it, so the same step here is 0.1·0.1·n/batchSize.
      lr: 0.04,
      momentum: 0.9,
      shuffle: true,
      keepBest: true,
    },
    fastIcaMaxIter: 1000,
    plotPoints: 800,
    ridgeGrid: 64,
  },
  presets: {
    quick: { methods: ['ours', 'ica2d', 'fastica', 'raw'], n: 3000, ridgeGrid: 48 },
    full: {},
    // The playground's preset: quick with a 20° coarse grid (36 angle pairs instead of 153; the three
    // refined starts still find quick's optimum at seeds 0–2) and a coarser ridge map. Fewer points
    // are what it cannot cut: at n = 2000 one non-factorized seed lands off the optimum.
    browser: { methods: ['ours', 'ica2d', 'fastica', 'raw'], n: 3000, coarseStepDeg: 20, ridgeGrid: 24 },
  },
  cells: (c) => grid({ dataset: c.datasets, method: c.methods }),
  metrics: {
    mcc: { label: 'Pearson MCC', digits: 4, better: 'higher' },
    gridSpread: { label: 'largest relative spread of a mapped separator', digits: 3, better: 'lower' },
    codeAgreement: { label: 'points whose codes q are recovered', digits: 3, better: 'higher' },
    loss: { label: 'criterion −Σα‖v̂‖∞ at W', digits: 4, better: 'lower' },
    latentCorrelation: { label: 'corr(z₁, z₂)', digits: 3 },
    evaluations: { label: 'loss evaluations / steps / iterations', digits: 0 },
    seconds: { label: 'recovery time', unit: 's', digits: 2 },
  },
  async cell(c, { dataset, method }, ctx) {
    const n = method === 'gradient' ? Math.max(c.n, c.gradient.n) : c.n;
    const data = gridDataset(ctx.rng.stream('data'), { kind: dataset, n });
    const parzen = parzenOptions(c, ctx);
    const t0 = performance.now();
    let unmixing: Matrix;
    let evaluations = 0;
    const series: Record<string, XY> = {};
    switch (method) {
      case 'ours': {
        ctx.progress.start('angle search', 1);
        const r = await recoverLinear2D(data.x, {
          ...parzen,
          preprocess: c.preprocess,
          coarseStepDeg: c.coarseStepDeg,
          refineStepsDeg: c.refineStepsDeg,
          starts: c.starts,
        });
        unmixing = r.unmixing;
        evaluations = r.evaluations;
        break;
      }
      case 'gradient': {
        const g = c.gradient;
        ctx.progress.start('SGD epochs', g.epochs);
        // MCC after every epoch, scored on the first n points like every method (the notebooks print it per epoch).
        const epochs: number[] = [];
        const mccs: number[] = [];
        const xs = { rows: c.n, cols: 2, data: data.x.data.subarray(0, 2 * c.n) };
        const zs = { rows: c.n, cols: 2, data: data.z.data.subarray(0, 2 * c.n) };
        const r = await trainLinearUnmixing(data.x, ctx.rng.stream('gradient'), {
          ...parzen,
          batchSize: g.batchSize,
          epochs: g.epochs,
          lr: g.lr,
          momentum: g.momentum,
          shuffle: g.shuffle,
          keepBest: g.keepBest,
          onEpoch: ({ epoch, loss, unmixing: w }) => {
            const mcc = meanCorrelationCoefficient(zs, applyLinear(w, xs)).mcc;
            epochs.push(epoch);
            mccs.push(mcc);
            ctx.log(epoch, { loss, mcc });
            ctx.progress.update(epoch, `mcc ${mcc.toFixed(3)}`);
          },
        });
        unmixing = r.unmixing;
        evaluations = r.evaluations;
        series.mccByEpoch = { x: epochs, y: mccs };
        break;
      }
      case 'ica2d':
        unmixing = kurtosisIca2D(data.x).unmixing;
        break;
      case 'fastica': {
        const r = fastIca(data.x, ctx.rng.stream('fastica'), { maxIter: c.fastIcaMaxIter });
        unmixing = r.unmixing;
        evaluations = r.iterations;
        break;
      }
      case 'raw':
        unmixing = identity(2);
        break;
    }
    const seconds = (performance.now() - t0) / 1000;
    throwIfAborted(ctx.signal);
    // Every method is scored on the same first n points (the gradient cell trains on more).
    const first = (m: Matrix): Matrix => ({ rows: c.n, cols: 2, data: m.data.slice(0, 2 * c.n) });
    const zTrue = first(data.z);
    const x = first(data.x);
    const zHat = applyLinear(unmixing, x);
    // Grid recovery of h = D·W·A, D the recovered coordinates' 1/std: the criterion does not see the
    // scale of W's rows, so neither should the spread of a mapped separator.
    const { std } = columnMoments(zHat);
    const wa = matmul(unmixing, data.mixing!);
    const recovery = gridRecovery(matmul(diag(std.map((s) => 1 / s)), wa), data.grid.separators, {
      samples: zTrue,
    });
    const [loss] = await linearMapLosses(x, [unmixing], parzen);
    const matrices: Record<string, MatrixData> = {};
    if (c.plotPoints > 0) {
      const shown = standardizeColumns64(zHat);
      Object.assign(
        series,
        scatterByCell(shown.data, data.cells, data.grid.gridDims[0]!, c.plotPoints),
        gridLineSeries(wa, data.grid.separators, shown.apply),
      );
    }
    if (c.ridgeGrid > 0 && (method === 'ours' || method === 'raw'))
      matrices.ridges = await ridgeMatrix(zHat, c.sigma, c.ridgeGrid);
    return {
      metrics: {
        mcc: meanCorrelationCoefficient(zTrue, zHat).mcc,
        gridSpread: recovery.maxRelativeSpread,
        codeAgreement: recovery.codeAgreement ?? 0,
        loss: loss!,
        latentCorrelation: latentCorrelation(zTrue),
        evaluations,
        seconds,
      },
      series,
      matrices,
    };
  },
  claims: (c) =>
    c.datasets.flatMap((dataset): Claim[] => {
      const has = (m: LinearRecoveryMethod) => c.methods.includes(m);
      const ref = NOTEBOOK_MCC[dataset];
      const claims: Claim[] = [];
      if (has('ours'))
        claims.push({
          id: `ours-mcc-${dataset}`,
          statement: `${DATASET_LABEL[dataset]}: the criterion recovers the latents up to permutation and scale (Pearson MCC ≥ 0.95)`,
          metric: value('mcc', { dataset, method: 'ours' }),
          expect: { op: '>=', value: 0.95, margin: 0 },
          reference: {
            provenance: 'reference-code',
            value: ref.ours,
            source: `${ref.source}, epoch-final MCC`,
          },
          digits: 4,
        });
      if (has('gradient'))
        claims.push({
          id: `sgd-mcc-${dataset}`,
          statement: `${DATASET_LABEL[dataset]}: the paper’s own recovery, SGD on W, recovers the latents too (Pearson MCC ≥ 0.95)`,
          metric: value('mcc', { dataset, method: 'gradient' }),
          expect: { op: '>=', value: 0.95, margin: 0 },
          reference: {
            provenance: 'reference-code',
            value: ref.ours,
            source: `${ref.source}, epoch-final MCC`,
          },
          digits: 4,
        });
      if (has('ours') && has('fastica'))
        claims.push({
          id: `beats-fastica-${dataset}`,
          statement: `${DATASET_LABEL[dataset]}: the criterion's MCC exceeds FastICA's (ICA assumes independent latents; these are correlated)`,
          metric: diff('mcc', { dataset, method: 'ours' }, { dataset, method: 'fastica' }),
          expect: { op: '>', value: 0, margin: 0 },
          reference: {
            provenance: 'reference-code',
            value: Number((ref.ours - ref.fastica).toFixed(4)),
            source: `${ref.source}: ${ref.ours} vs FastICA ${ref.fastica}`,
          },
          digits: 3,
        });
      const baselines = (['ica2d', 'fastica', 'raw'] as const).filter(has);
      if (has('ours') && baselines.length > 0)
        claims.push({
          id: `codes-${dataset}`,
          statement: `${DATASET_LABEL[dataset]}: the criterion recovers more of the quantized codes q (up to axis permutation and order reversal) than any baseline`,
          metric: computed(
            ['codeAgreement'],
            `codeAgreement[dataset=${dataset},method=ours] − max codeAgreement[dataset=${dataset},method=${baselines.join('|')}]`,
            (t) =>
              t.value('codeAgreement', { dataset, method: 'ours' }) -
              Math.max(...baselines.map((method) => t.value('codeAgreement', { dataset, method }))),
          ),
          expect: { op: '>', value: 0, margin: 0 },
          reference: {
            provenance: 'qualitative',
            source:
              'the paper’s identifiability theorem: the grid, hence q, is recovered up to permutation and order reversal',
          },
          digits: 3,
        });
      return claims;
    }),
  plots: linearRecoveryPlots,
  notes: [
    'MCC alone is a weak test: the latents are correlated, so when a seed draws a nearly diagonal A the raw observations already score a high MCC while their grid lines are tilted; the code agreement and the separator spread measure the grid itself.',
    'Every seed draws its own grid, priors and mixing A (the paper’s torch seeds cannot be reproduced); the paper uses one draw with n = 50 000.',
    'ours is the robust angle search of the criterion (row angles, 10° grid, refinement from the 3 best coarse minima, in whitened coordinates): at n ≤ 5000 the paper’s SGD on W drifts; the full preset also runs the SGD (method gradient) on 20 000 points with fresh batches of 5000, at lr 0.04: the notebooks’ step (lr 0.1 on batches holding a tenth of the α mass) rescaled to batches holding a quarter of it.',
  ],
});
