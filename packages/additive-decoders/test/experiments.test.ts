import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import {
  expectNoLeak,
  experimentPackageConformance,
  fakeCellContext,
  runExperimentCells,
} from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blockLatents,
  example38Experiment,
  experiments,
  scalarExtrapolation,
} from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

experimentPackageConformance(experiments, { prefix: 'additive-decoders' });

describe('example-3-8 (exact)', () => {
  it('polynomial: det W matches 24·(z₂ + 1 − z₁)⁴ to rounding; never singular (min |det W| = 24 at (0, 0))', async () => {
    const config = resolveConfig(example38Experiment, 'quick', { polynomialGrid: 41 });
    const r = await example38Experiment.cell(config, { example: 'polynomial' }, fakeCellContext(0));
    expect(r.metrics.maxDetRelError).toBeLessThan(1e-12);
    expect(r.metrics.minAbsDet).toBeCloseTo(24, 9);
    expect(r.metrics.fullRankFraction).toBe(1);
    // The heat map is the 41² grid itself (≤ 41 points per axis), top row = largest z₂.
    expect(r.matrices!.volume!.values).toHaveLength(41 * 41);
    expect(r.matrices!.volume!.rowLabels![0]).toBe('1.00');
  });

  it('bumps: the normalised volume stays in [0.9716, 1] over the grid (Example_4_9.ipynb: 0.97156–1.0)', async () => {
    const config = resolveConfig(example38Experiment, 'quick', { bumpStep: 0.25, bumpSize: 32 });
    const r = await example38Experiment.cell(config, { example: 'bumps' }, fakeCellContext(0));
    expect(r.metrics.minVolume).toBeGreaterThan(0.9716 - 1e-3);
    expect(r.metrics.maxVolume).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.metrics.fullRankFraction).toBe(1);
    expect(Number.isNaN(r.metrics.minAbsDet)).toBe(true);
  });

  it('judges the notebook value only on the notebook’s grid (full preset)', () => {
    const claim = (preset: string) =>
      example38Experiment.claims!(resolveConfig(example38Experiment, preset)).find(
        (c) => c.id === 'bumps-volume',
      )!;
    expect(claim('full').expect).toEqual({ op: 'approx', value: 0.9715633, margin: 1e-6 });
    expect(claim('quick').expect).toEqual({ op: '>=', value: 0.97, margin: 0 });
  });
});

/** Tiny training configs: wiring, shapes, determinism and leaks, not the science (see reproduction.test.ts). */
const TINY_SCALAR = {
  size: 8,
  nTrain: 200,
  nVal: 50,
  nTest: 100,
  nOos: 100,
  bins: 10,
  grid: 3,
  encoderHidden: [16],
  decoderHidden: [8, 16],
  steps: 30,
  decaySteps: 10,
  restarts: 2,
  screenSteps: 10,
  evalEvery: 10,
};

describe('scalar-extrapolation cells (tiny)', () => {
  it('return their metrics, figure and curve, leak-free; claims and plots build from the records', async () => {
    const { records, summary } = await expectNoLeak(() =>
      runExperimentCells(scalarExtrapolation, [1, 2], TINY_SCALAR),
    );
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r.result.metrics.lms).toBeGreaterThanOrEqual(0);
      expect(r.result.metrics.lms).toBeLessThanOrEqual(100);
      // The 3×3 grid of 8×8 tiles, zoomed ×2 with 2-pixel gaps: one 60×60 image.
      expect(r.result.images!.decoded!.width).toBe(60);
      expect(r.result.images!.decoded!.images[0]).toHaveLength(60 * 60);
      expect(r.result.series!.trainLoss!.x.at(-1)).toBe(30);
    }
    // Both decoders see the same data: the true images of the figure are identical.
    for (const seed of [1, 2]) {
      const [a, b] = records.filter((r) => r.seed === seed).map((r) => r.result.images!.truth!.images[0]);
      expect(a).toEqual(b);
    }
    expect(summary.plotErrors).toEqual([]);
    expect(summary.plots.map((p) => p.id)).toEqual(['extrapolation', 'lms', 'rmse', 'train-loss']);
    const figure = summary.plots[0]!;
    expect(figure.kind === 'images' && figure.captions).toEqual([
      'true images',
      'additive decoder',
      'non-additive decoder',
    ]);
    expect(summary.verdicts.map((v) => v.claim)).toEqual([
      'lms-additive',
      'lms-gap',
      'rmse-in-similar',
      'cpe-order',
      'cpe-close-additive',
      'cpe-far-non-additive',
      'oos-order',
    ]);
    for (const v of summary.verdicts) expect(v.values).toHaveLength(2);
  });

  it('frames exactly the out-of-support tiles of the figure', async () => {
    const config = resolveConfig(scalarExtrapolation, 'quick', TINY_SCALAR);
    const r = await scalarExtrapolation.cell(config, { decoder: 'additive' }, fakeCellContext(3));
    const img = r.images!.truth!.images[0]!;
    const framed = (row: number, col: number) => img[row * 20 * 60 + col * 20] ?? 0; // top-left frame pixel
    // Heights 1, 2.5, 4 on each axis: only (y₁, y₂) = (4, 4), the top-right tile, lies in y₁, y₂ > 2.5.
    expect(framed(0, 2)).toBe(-1);
    for (const [row, col] of [
      [0, 0],
      [0, 1],
      [1, 2],
      [2, 2],
      [1, 1],
    ] as const)
      expect(framed(row, col)).toBe(0);
  });

  it('is deterministic at a seed', async () => {
    const config = resolveConfig(scalarExtrapolation, 'quick', TINY_SCALAR);
    const a = await scalarExtrapolation.cell(config, { decoder: 'non-additive' }, fakeCellContext(4));
    const b = await scalarExtrapolation.cell(config, { decoder: 'non-additive' }, fakeCellContext(4));
    expect(a.metrics).toEqual(b.metrics);
  });

  it('stops on abort; rejects bad configs and cell parameters naming them', async () => {
    const config = resolveConfig(scalarExtrapolation, 'quick', TINY_SCALAR);
    const ctl = new AbortController();
    ctl.abort();
    await expect(
      scalarExtrapolation.cell(config, { decoder: 'additive' }, fakeCellContext(0, { signal: ctl.signal })),
    ).rejects.toThrow(/abort/);
    expect(() => resolveConfig(scalarExtrapolation, 'quick', { steps: 0 })).toThrow(/steps/);
    expect(() => resolveConfig(scalarExtrapolation, 'quick', { intensities: [1] })).toThrow(/intensities/);
    expect(() => resolveConfig(scalarExtrapolation, 'quick', { stpes: 10 })).toThrow(/stpes/);
    await expect(
      scalarExtrapolation.cell(config, { decoder: 'additiv' as never }, fakeCellContext(0)),
    ).rejects.toThrow(/params.decoder must be one of "additive", "non-additive"; got "additiv"/);
  });
});

describe('block-latents cells (tiny)', () => {
  it('return LMS_Tree, the R² matrix and reconstructions for both decoders, leak-free (transposed-convolution heads)', async () => {
    const { records, summary } = await expectNoLeak(() =>
      runExperimentCells(blockLatents, [1], {
        size: 8,
        nTrain: 200,
        nVal: 50,
        nTest: 100,
        encoderHidden: [16],
        decoderHidden: [8],
        deconvChannels: [4],
        show: 3,
        steps: 20,
        decaySteps: 0,
        evalEvery: 10,
      }),
    );
    expect(records.map((r) => r.cell.key)).toEqual([
      'support=iid,decoder=additive',
      'support=iid,decoder=non-additive',
    ]);
    for (const r of records) {
      expect(r.result.metrics.lmsTree).toBeGreaterThanOrEqual(0);
      expect(r.result.matrices!.r2!.values).toHaveLength(4);
      expect(r.result.images!.reconstructions!.images).toHaveLength(6);
    }
    expect(summary.plotErrors).toEqual([]);
    expect(summary.verdicts.map((v) => v.claim)).toEqual(['lms-additive-iid', 'lms-gap-iid']);
  });

  it('rejects an unknown support', async () => {
    const config = resolveConfig(blockLatents, 'quick');
    await expect(
      blockLatents.cell(config, { support: 'iid-occ' as never, decoder: 'additive' }, fakeCellContext(0)),
    ).rejects.toThrow(/params.support must be one of "iid", "scm-linear"/);
  });
});
