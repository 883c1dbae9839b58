/**
 * `additive-decoders/scalar-extrapolation` (headline): ScalarLatents with differentiable bumps. Two
 * balls whose heights are the latents, an L-shaped training support, and the missing square as the
 * out-of-support (OOS) set; an additive decoder against a non-additive one with the same per-block
 * architecture. Measures block identifiability (LMS_Spear), in-support reconstruction, and
 * extrapolation to the OOS square by the decoder alone (the paper's Cartesian-product extrapolation)
 * and by encoder + decoder.
 */
import {
  type CellContext,
  type CellRecord,
  type CellResult,
  cellOf,
  computed,
  defineExperiment,
  diff,
  type PlotSpec,
  ratio,
  summarize,
  throwIfAborted,
  value,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { BumpScene } from '../data/bumps.js';
import { lShapedSupport, outOfSupport } from '../data/supports.js';
import { lmsSpearman, reconstructionRmse } from '../metrics/lms.js';
import { encodeRows, reconstructRows } from '../models/host.js';
import { cartesianProduct, linspace } from '../theory/cartesian-product.js';
import { extrapolateWithDecoder, fitBlockMaps } from '../theory/extrapolation.js';
import { firstSeedImages, tiledSide, tileImages } from './figures.js';
import { checkParam, DECODERS, PAPER, trainCellModel, trainingCurve, trainingFields } from './shared.js';

const schema = z.strictObject({
  /** Image side (pixels, grayscale). */
  size: z.int().min(8).max(64),
  /** Gray level of ball 1 and ball 2 (the image is Σ_i intensity_i · bump_i). */
  intensities: z.tuple([z.number().positive(), z.number().positive()]),
  /** Lower bound of both latents (ball heights, grid units of [0, 5]). */
  lo: z.number(),
  /** Upper bound of both latents. */
  hi: z.number(),
  /** The L-support leaves out y₁ > mid ∧ y₂ > mid. */
  mid: z.number(),
  /** Training images (uniform on the L). */
  nTrain: z.int().min(10).max(1_000_000),
  /** Validation images (same support) for screening, checkpoints and restart selection. */
  nVal: z.int().min(10).max(1_000_000),
  /** In-support test images. */
  nTest: z.int().min(10).max(1_000_000),
  /** Out-of-support test images (the missing square). */
  nOos: z.int().min(10).max(1_000_000),
  /** Bins of the 1-D monotone maps of the decoder-only extrapolation. */
  bins: z.int().min(2).max(10_000),
  /** Side of the extrapolation figure (grid² decoded images over the full square). */
  grid: z.int().min(2).max(12),
  ...trainingFields,
});

/** Config of `additive-decoders/scalar-extrapolation`. */
export type ScalarExtrapolationConfig = z.output<typeof schema>;

type Metric = 'lms' | 'rmseIn' | 'rmseOos' | 'rmseCpe' | 'valMse' | 'selected';

const ADDITIVE = { decoder: 'additive' } as const;
/** Overrides of the quick preset (and of its ablations). */
const QUICK = { nTrain: 3000, nVal: 750, nTest: 1000, nOos: 1000, steps: 1500, decaySteps: 750 } as const;
const NON_ADDITIVE = { decoder: 'non-additive' } as const;

/** The scene: two balls at fixed horizontal positions, heights = latents, centred background. */
export function scalarScene(c: Pick<ScalarExtrapolationConfig, 'size' | 'intensities'>): BumpScene {
  return new BumpScene({ latents: 'scalar', size: c.size, intensities: c.intensities });
}

/**
 * One cell at `ctx.seed`: data from `ctx.rng.stream('data')` (the same for both decoders), restarts
 * screened and the best trained on, then LMS_Spear on in-support test images, RMSE in support, RMSE
 * of encoder + decoder on OOS images, and RMSE of the decoder-only extrapolation (monotone maps
 * z_i → ẑ_π(i) fitted on the training support, OOS latents mapped and decoded without the encoder),
 * with the extrapolation figure: the decoder alone over a grid of the whole square.
 */
async function scalarCell(
  config: ScalarExtrapolationConfig,
  params: { decoder: string },
  ctx: CellContext,
): Promise<CellResult<Metric>> {
  const c = schema.parse(config);
  const decoder = checkParam('decoder', params.decoder, DECODERS);
  const scene = scalarScene(c);
  const support = lShapedSupport({ lo: c.lo, hi: c.hi, mid: c.mid });
  const data = ctx.rng.stream('data');
  const zTrain = support.sample(data.stream('train'), c.nTrain);
  const zTest = support.sample(data.stream('test'), c.nTest);
  const zOos = outOfSupport(support).sample(data.stream('oos'), c.nOos);
  const xTrain = scene.render(zTrain);
  const xTest = scene.render(zTest);
  const xOos = scene.render(zOos);
  const fit = await trainCellModel(
    c,
    decoder === 'additive' ? 'additive-scalar' : 'non-additive',
    {
      train: xTrain,
      validation: scene.render(support.sample(data.stream('validation'), c.nVal)),
      inputDim: scene.outputDim,
      latentDim: 2,
    },
    ctx,
  );
  try {
    throwIfAborted(ctx.signal);
    const m = fit.model;
    const zHatTest = await encodeRows(m, xTest);
    const { lms, assignment } = lmsSpearman(
      { rows: c.nTest, cols: 2, data: zTest },
      { rows: c.nTest, cols: 2, data: zHatTest },
    );
    // The maps z_i ↦ ẑ_π(i) are fitted on the training support only.
    const maps = fitBlockMaps({
      z: zTrain,
      zHat: await encodeRows(m, xTrain),
      truePartition: [[0], [1]],
      assignment,
      bins: c.bins,
    });
    // The figure's lattice: rows y₂ from high to low, columns y₁ from low to high, so the OOS square
    // (y₁ > mid and y₂ > mid) is the upper-right corner, as in the paper's figure.
    const axis = linspace(c.lo, c.hi, c.grid);
    const zGrid = cartesianProduct([[1], [0]], [Float64Array.from(axis).reverse(), axis]);
    const layout = {
      rows: c.grid,
      cols: c.grid,
      size: c.size,
      framed: (r: number, q: number) => axis[c.grid - 1 - r]! > c.mid && axis[q]! > c.mid,
    };
    const side = tiledSide(c.grid, c.size);
    const tiles = (x: Float32Array) => ({ width: side, height: side, images: [tileImages(x, layout)] });
    return {
      metrics: {
        lms,
        rmseIn: reconstructionRmse(xTest, await reconstructRows(m, xTest)),
        rmseOos: reconstructionRmse(xOos, await reconstructRows(m, xOos)),
        rmseCpe: reconstructionRmse(xOos, await extrapolateWithDecoder(m.decoder, maps, zOos)),
        valMse: fit.validationLoss[fit.selected]!,
        selected: fit.selected,
      },
      images: {
        decoded: tiles(await extrapolateWithDecoder(m.decoder, maps, zGrid)),
        truth: tiles(scene.render(zGrid)),
      },
      series: { trainLoss: trainingCurve(fit) },
    };
  } finally {
    fit.dispose();
  }
}

/** The extrapolation figure: true images, then each decoder's, from the first seed. */
function extrapolationFigure(c: ScalarExtrapolationConfig, records: readonly CellRecord[]): PlotSpec {
  const truth = firstSeedImages(records, () => true, 'truth');
  const add = firstSeedImages(records, (r) => r.cell.params.decoder === 'additive', 'decoded');
  const non = firstSeedImages(records, (r) => r.cell.params.decoder === 'non-additive', 'decoded');
  const shown = [
    truth && { im: truth, caption: 'true images' },
    add && { im: add, caption: 'additive decoder' },
    non && { im: non, caption: 'non-additive decoder' },
  ].filter((x) => x !== undefined);
  const seed = shown[0]?.im.seed;
  return {
    kind: 'images',
    id: 'extrapolation',
    title: 'Cartesian-product extrapolation: images decoded over the whole square',
    caption:
      `Each panel is a ${c.grid}×${c.grid} grid over the heights (y₁, y₂) ∈ [${c.lo}, ${c.hi}]²: columns raise ball 1 (left), ` +
      `rows raise ball 2 (right) towards the top. Framed in blue: the square y₁, y₂ > ${c.mid} never seen in training. ` +
      'Each decoder is fed the latents its encoder gives to in-support images with the same heights (per-ball monotone maps ' +
      `fitted on the training support), so the framed tiles are combinations it never decoded during training. Pixel values clipped to [−1, 1]; negative values are blue. Seed ${seed}.`,
    images: shown.map((s) => s.im.images.images[0]!),
    width: shown[0]?.im.images.width ?? 1,
    height: shown[0]?.im.images.height ?? 1,
    captions: shown.map((s) => s.caption),
    columns: 3,
    scale: 'diverging',
  };
}

const RMSE_KINDS = [
  ['rmseIn', 'in support (encoder + decoder)'],
  ['rmseOos', 'unseen square: encoder + decoder'],
  ['rmseCpe', 'unseen square: decoder only'],
] as const;

/** RMSE in and out of support for both decoders, mean over seeds with 95% whiskers. */
function rmseBars(records: readonly CellRecord[]): PlotSpec {
  const seeds = new Set(records.map((r) => r.seed)).size;
  return {
    kind: 'bar',
    id: 'rmse',
    title: 'Reconstruction error in support and on the unseen square',
    caption: `RMSE of pixels in [0, 1]: test images from the L-shaped training support, and images from the unseen square reconstructed by encoder + decoder or rendered by the decoder alone from mapped latents (Cartesian-product extrapolation). ${seeds === 1 ? 'One seed.' : `Mean over ${seeds} seeds; whiskers are the 95% interval of the mean.`}`,
    categories: RMSE_KINDS.map(([, label]) => label),
    groups: DECODERS.map((decoder) => {
      const stats = RMSE_KINDS.map(([metric]) =>
        summarize(
          records.filter((r) => r.cell.params.decoder === decoder).map((r) => r.result.metrics[metric]!),
        ),
      );
      return {
        name: decoder,
        values: stats.map((s) => s.mean),
        ...(seeds > 1 ? { lo: stats.map((s) => s.ci95[0]), hi: stats.map((s) => s.ci95[1]) } : {}),
      };
    }),
    y: { label: 'RMSE', zero: true },
  };
}

/** `additive-decoders/scalar-extrapolation` (headline). */
export const scalarExtrapolation = defineExperiment({
  id: 'additive-decoders/scalar-extrapolation',
  paper: PAPER,
  title:
    'ScalarLatents: additive decoders identify the balls’ heights and render the unseen square (Cartesian-product extrapolation)',
  headline: true,
  schema,
  base: {
    size: 16,
    intensities: [1, 1],
    lo: 1,
    hi: 4,
    mid: 2.5,
    nTrain: 6000,
    nVal: 1500,
    nTest: 2000,
    nOos: 2000,
    bins: 50,
    grid: 7,
    encoderHidden: [128, 32],
    decoderHidden: [32, 128],
    leakySlope: 0.2,
    steps: 6000,
    batchSize: 64,
    lr: 2e-3,
    decaySteps: 2000,
    restarts: 8,
    screenSteps: 250,
    evalEvery: 250,
  },
  presets: {
    quick: QUICK,
    full: {},
    // Ablations of the quick preset (README, Reproduction): no restarts to screen, and a dimmer ball 2.
    'quick-one-restart': { ...QUICK, restarts: 1 },
    'quick-dim-ball': { ...QUICK, intensities: [1, 0.6] },
    // The playground's preset, a fifth of quick's training steps (2 restarts screened for 100 steps,
    // then 500 steps) on half the images. Too short to identify at every seed (seed 0 does: LMS 100;
    // seeds 1–2 keep restarts at LMS 77 and 87 on wasm), so only the non-additive decoder's extrapolation failure holds; the
    // claims quick holds are inconclusive here. Longer budgets tried (6 or 8 restarts, 800 steps)
    // gave the same verdicts at several times the cost; `quick` is one menu choice away.
    browser: {
      nTrain: 1500,
      nVal: 300,
      nTest: 500,
      nOos: 500,
      steps: 500,
      decaySteps: 250,
      restarts: 2,
      screenSteps: 100,
      evalEvery: 100,
    },
  },
  cells: () => DECODERS.map((decoder) => cellOf({ decoder })),
  metrics: {
    lms: { label: 'LMS_Spear (100 × Spearman MCC)', digits: 1, better: 'higher' },
    rmseIn: { label: 'RMSE in support', digits: 4, better: 'lower' },
    rmseOos: { label: 'RMSE on the unseen square, encoder + decoder', digits: 4, better: 'lower' },
    rmseCpe: { label: 'RMSE on the unseen square, decoder only (CPE)', digits: 4, better: 'lower' },
    valMse: { label: 'validation MSE of the kept model' },
    selected: { label: 'restart kept by validation reconstruction', digits: 0 },
  },
  cell: scalarCell,
  claims: () => [
    {
      id: 'lms-additive',
      statement:
        'the additive decoder identifies each ball’s height up to a monotone map: LMS_Spear close to 100',
      metric: value('lms', ADDITIVE),
      expect: { op: 'approx', value: 100, margin: 5 },
      reference: {
        provenance: 'qualitative',
        source: '§5 (Table 1, ScalarLatents): additive decoders reach LMS close to 100',
      },
      digits: 1,
    },
    {
      id: 'lms-gap',
      statement: 'LMS_Spear of the additive decoder exceeds the non-additive one’s by at least 10',
      metric: diff('lms', ADDITIVE, NON_ADDITIVE),
      expect: { op: '>=', value: 10, margin: 0 },
      reference: {
        provenance: 'derived',
        value: '17.6–25.7',
        source:
          'the spec’s preliminary TF.js runs of this setting (12k steps, one run per seed): 91.3 − 65.6, 89.3 − 71.7',
      },
      digits: 1,
    },
    {
      id: 'rmse-in-similar',
      statement:
        'both decoders reconstruct in-support images about equally well (RMSE ratio within [0.5, 2])',
      metric: ratio('rmseIn', ADDITIVE, NON_ADDITIVE),
      expect: { op: 'between', low: 0.5, high: 2 },
      reference: {
        provenance: 'qualitative',
        source: '§5 (Table 1): non-additive decoders have similar in-support RMSE',
      },
      digits: 2,
    },
    {
      id: 'cpe-order',
      statement:
        'on the unseen square, the additive decoder alone renders the images better than the non-additive one',
      metric: diff('rmseCpe', ADDITIVE, NON_ADDITIVE),
      expect: { op: '<', value: 0, margin: 0 },
      reference: {
        provenance: 'derived',
        value: '−0.072, −0.044',
        source:
          'the spec’s preliminary TF.js runs (12k steps): decoder-only RMSE .156 vs .228 and .164 vs .208',
      },
      digits: 4,
    },
    {
      id: 'cpe-close-additive',
      statement:
        'the additive decoder’s error on the unseen square stays close to its in-support error (at most 2×)',
      metric: cpeRatio('additive'),
      expect: { op: '<=', value: 2, margin: 0 },
      reference: {
        provenance: 'qualitative',
        source:
          '§5 and Fig. 4 (Cartesian-product extrapolation): out-of-support RMSE of additive decoders stays close to in-support',
      },
      digits: 2,
    },
    {
      id: 'cpe-far-non-additive',
      statement:
        'the non-additive decoder’s error on the unseen square is several times (≥ 3×) its in-support error',
      metric: cpeRatio('non-additive'),
      expect: { op: '>=', value: 3, margin: 0 },
      reference: {
        provenance: 'qualitative',
        source: '§5 and Fig. 4: the non-additive model’s out-of-support RMSE is several times larger',
      },
      digits: 2,
    },
    {
      id: 'oos-order',
      statement:
        'encoder + decoder: the additive model reconstructs unseen-square images better than the non-additive one',
      metric: diff('rmseOos', ADDITIVE, NON_ADDITIVE),
      expect: { op: '<', value: 0, margin: 0 },
      reference: {
        provenance: 'qualitative',
        source: '§5 (Table 1): out-of-support RMSE, additive below non-additive',
      },
      digits: 4,
    },
  ],
  plots: (c) => [
    { kind: 'custom', id: 'extrapolation', build: (records) => extrapolationFigure(c, records) },
    {
      kind: 'bars',
      id: 'lms',
      title: 'Identifiability: LMS_Spear of the kept model',
      caption:
        '100 × Spearman correlation between each ball’s height and its matched latent (100 = identified up to a monotone map)',
      metric: 'lms',
      by: 'decoder',
      y: { label: 'LMS_Spear', domain: [0, 100] },
    },
    { kind: 'custom', id: 'rmse', build: rmseBars },
    {
      kind: 'lines',
      id: 'train-loss',
      title: 'Training loss',
      caption: `Minibatch MSE: the first ${c.screenSteps} steps are the mean over the ${c.restarts} screened restarts, then the kept restart`,
      series: 'trainLoss',
      by: 'decoder',
      x: { label: 'step' },
      y: { label: 'MSE', log: true },
    },
  ],
  notes: [
    'Differentiable bumps on 16×16 grayscale images and MLPs instead of pygame balls at 64×64, a ResNet-18 encoder and transposed-convolution decoders; Adam steps instead of 6000 epochs.',
    'Each cell screens 8 restarts for 250 steps (trained together) and continues only the one with the lowest validation reconstruction: unsupervised model selection. The reference reports 10 seeds without selection.',
    'Decoder-only error (CPE): per-ball monotone maps from true heights to learned latents, fitted on the training support, then decoded on the unseen square; it isolates the decoder’s extrapolation from the encoder’s.',
  ],
});

function cpeRatio(decoder: (typeof DECODERS)[number]) {
  return computed(['rmseCpe', 'rmseIn'], `rmseCpe[decoder=${decoder}] / rmseIn[decoder=${decoder}]`, (t) => {
    const where = { decoder };
    return t.value('rmseCpe', where) / t.value('rmseIn', where);
  });
}
