import { cellOf, defineExperiment, diff, value } from '@paperkit/tensor-core';
import { z } from 'zod';
import { fineTuneCell } from './fine-tune-cell.js';
import { METHOD_LABELS, type MethodName, methodsField } from './methods.js';
import {
  fineTuneFields,
  groupChangeViews,
  METRICS,
  maxPsiView,
  multipliersView,
  PAPER,
  psiGroupsView,
  syntheticTaskFields,
} from './shared.js';
import { fourGroupTask, groupedGaussianTask } from './synthetic-data.js';

const schema = z.strictObject({
  ...syntheticTaskFields,
  ...fineTuneFields,
  /** Methods compared (one cell each). */
  methods: methodsField,
});

/** Resolved config of `disparate-pruning/synthetic-groups`. */
export type SyntheticGroupsConfig = z.output<typeof schema>;

const cellsOf = (c: { readonly methods: readonly MethodName[] }) =>
  c.methods.map((method) => cellOf({ method }, METHOD_LABELS[method]));

/** The four groups of the task, labelled with their priors. */
export const SYNTHETIC_GROUP_LABELS = ['g0 (60%)', 'g1 (20%)', 'g2 (12%)', 'g3 (8%)'] as const;

const PROTOTYPE = 'our numpy prototype of this setup (3 seeds, range; ours, not the paper’s)';

/**
 * `disparate-pruning/synthetic-groups` (headline): four imbalanced Gaussian groups (priors
 * .60/.20/.12/.08), each with its own decision rule; an MLP 8-128-128-2 trained dense, then GMP to
 * 90 % over 5 epochs and 20 fine-tuning epochs with NFT, EL, CEAG (GA) and CEAG (νPI). NFT hurts the
 * rare groups far more than average; CEAG keeps every group's excess accuracy gap within ε (+1 point)
 * on the training set at almost no accuracy cost; test disparity is reported, not claimed.
 */
export const syntheticGroups = defineExperiment({
  id: 'disparate-pruning/synthetic-groups',
  paper: PAPER,
  title: 'NFT vs EL vs CEAG at 90% sparsity on four imbalanced groups: CEAG bounds every group’s excess gap',
  headline: true,
  schema,
  base: {
    trainSize: 10_000,
    testSize: 4_000,
    separation: 2.5,
    hidden: 128,
    denseEpochs: 40,
    denseLr: 3e-3,
    batchSize: 128,
    epochs: 20,
    pruningEpochs: 5,
    sparsity: 0.9,
    lr: 1e-3,
    lrMilestones: [0.6, 0.8, 0.9],
    lrGamma: 0.1,
    epsilon: 0.02,
    dualLr: 0.1,
    elDualLr: 0.05,
    nupiKp: 0.5,
    buffer: 40,
    overallEstimate: 'groupPriorWeighted',
    methods: ['nft', 'nft-es', 'el', 'el-rb', 'ceag', 'ceag-nupi', 'ceag-norb', 'ceag-buffermean'],
    traceEvery: 10,
  },
  presets: {
    quick: { methods: ['nft', 'el', 'ceag', 'ceag-nupi'] },
    full: {},
    // The playground's (≤ 20 s on plain wasm for its four seeds): the methods the claims judge, 4 000
    // examples, 25 dense and 14 fine-tuning epochs; the shorter run gets a faster fine-tuning rate and
    // dual step, and the constraints start after two pruning epochs, so CEAG has time to settle.
    browser: {
      methods: ['nft', 'ceag', 'ceag-nupi'],
      trainSize: 4_000,
      denseEpochs: 25,
      epochs: 14,
      pruningEpochs: 2,
      lr: 2e-3,
      dualLr: 0.3,
    },
  },
  // NFT's disparity varies widely by seed; five seeds narrow the interval of its mean enough to decide.
  seeds: { quick: 5, full: 5, browser: 4 },
  cells: cellsOf,
  metrics: METRICS,
  async cell(c, { method }, ctx) {
    const task = fourGroupTask(c.separation);
    const data = ctx.rng.stream('data');
    const train = groupedGaussianTask(task, c.trainSize, data.stream('train'));
    const test = groupedGaussianTask(task, c.testSize, data.stream('test'));
    const out = await fineTuneCell(
      method as MethodName,
      c,
      { train: { data: train.data, groups: train.groups }, test: { data: test.data, groups: test.groups } },
      {
        key: `synthetic-groups:${JSON.stringify([c.trainSize, c.separation, c.hidden, c.denseEpochs, c.denseLr, c.batchSize])}`,
        config: {
          sizes: [task.dim, c.hidden, c.hidden, 2],
          denseEpochs: c.denseEpochs,
          denseLr: c.denseLr,
          batchSize: c.batchSize,
        },
      },
      { constrained: { train: train.groups, test: test.groups, labels: SYNTHETIC_GROUP_LABELS } },
      ctx,
    );
    return { metrics: out.metrics.constrained!, series: out.series };
  },
  claims: (c) => {
    const bound = 100 * c.epsilon + 1;
    const ceagBound = (method: 'ceag' | 'ceag-nupi', prototype: string) => ({
      id: `${method}-within-epsilon`,
      statement: `${METHOD_LABELS[method]} keeps train max_g ψ_g within ε + 1 pp (${bound} pp)`,
      metric: value('train_max_psi_pp', { method }),
      expect: { op: '<=' as const, value: bound, margin: 0 },
      reference: { provenance: 'derived' as const, value: prototype, source: PROTOTYPE },
      digits: 2,
    });
    return [
      {
        id: 'nft-disparity',
        statement: 'naive fine-tuning hurts some group far more than average: NFT train max_g ψ_g ≥ 8 pp',
        metric: value('train_max_psi_pp', { method: 'nft' }),
        expect: { op: '>=', value: 8, margin: 0 },
        reference: { provenance: 'derived', value: '8.6–18.4', source: PROTOTYPE },
        digits: 2,
      },
      ceagBound('ceag', '2.0–2.4'),
      ceagBound('ceag-nupi', '1.7–3.0'),
      {
        id: 'ceag-below-nft',
        statement: 'CEAG (GA) lowers train max_g ψ_g below NFT’s (NFT − CEAG > 0 pp)',
        metric: diff('train_max_psi_pp', { method: 'nft' }, { method: 'ceag' }),
        expect: { op: '>', value: 0, margin: 0 },
        reference: {
          provenance: 'qualitative',
          source: 'paper §5: CEAG reduces train disparity relative to NFT on every task and sparsity',
        },
        digits: 2,
      },
      {
        id: 'ceag-accuracy-cost',
        statement: 'CEAG (GA) costs at most 4 pp of train accuracy against NFT (NFT − CEAG ≤ 4 pp)',
        metric: diff('train_accuracy_pct', { method: 'nft' }, { method: 'ceag' }),
        expect: { op: '<=', value: 4, margin: 0 },
        reference: { provenance: 'derived', value: '≈ 0 (.81–.84 vs .78–.84)', source: PROTOTYPE },
        digits: 2,
      },
    ];
  },
  plots: (c) => {
    const eps = 100 * c.epsilon;
    return [
      ...groupChangeViews(
        cellsOf(c),
        (cell) => `group-change-${cell.params.method}`,
        (cell) => `${cell.label}: train accuracy change per group, dense → ${100 * c.sparsity}% sparse`,
        SYNTHETIC_GROUP_LABELS,
        'Sparse minus dense train accuracy of each group (labelled with its share of the data); a bar far below the others is a hyper-degraded group. Same y range in every method’s plot.',
      ),
      maxPsiView('max-psi', 'Train max_g ψ_g during fine-tuning', {}, eps),
      psiGroupsView(
        'psi-groups-ceag',
        'CEAG (GA): train ψ_g per group',
        SYNTHETIC_GROUP_LABELS,
        { method: 'ceag' },
        eps,
        'Excess accuracy gap ψ_g of each group on the training set after each epoch of CEAG (GA); ε is the bound of the constraints, active from the last pruning epoch',
      ),
      psiGroupsView(
        'psi-groups-nft',
        'NFT: train ψ_g per group',
        SYNTHETIC_GROUP_LABELS,
        { method: 'nft' },
        eps,
        'The same for naive fine-tuning, which has no constraint',
      ),
      multipliersView(
        'multipliers-ceag',
        'CEAG (GA): multipliers λ_g',
        SYNTHETIC_GROUP_LABELS,
        { method: 'ceag' },
        'Lagrange multiplier of each group’s constraint ψ_g ≤ ε over the constrained fine-tuning steps (gradient ascent on the buffered accuracy gaps)',
      ),
      multipliersView(
        'multipliers-nupi',
        'CEAG (νPI): multipliers λ_g',
        SYNTHETIC_GROUP_LABELS,
        { method: 'ceag-nupi' },
        'The same with the νPI dual (κ_p = 0.5, ν = 0): the proportional term damps the multipliers’ overshoot',
      ),
      {
        kind: 'bars',
        id: 'train-accuracy',
        title: 'Train accuracy of the pruned model',
        caption:
          'Train accuracy after fine-tuning at 90% sparsity, per method (the dense model’s is in the results table)',
        metric: 'train_accuracy_pct',
        y: { label: 'train accuracy (%)' },
      },
      {
        kind: 'bars',
        id: 'test-max-psi',
        title: 'Test max_g ψ_g (reported, not constrained)',
        caption:
          'Largest excess accuracy gap on the 4 000 test examples. Nothing constrains it: the paper finds that satisfying the constraints on the training set does not always carry over to test data',
        metric: 'test_max_psi_pp',
        y: { label: 'test max_g ψ_g (pp)', zero: true },
      },
    ];
  },
  notes: [
    'A small-scale stand-in for the paper’s UTKFace/FairFace/CIFAR-100 runs: synthetic Gaussian groups and an MLP, with the settings of our numpy prototype. Reference ranges marked “derived” come from that prototype, not from the paper.',
    'Test-set disparity is reported, not claimed to be controlled: the paper itself finds that constraint satisfaction on the training set does not generalise.',
    'CEAG’s overall accuracy estimate is group-prior weighted (the reference code averages the full buffers unweighted: method ceag-buffermean in the full preset).',
  ],
});
