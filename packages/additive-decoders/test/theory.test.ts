import { initBackend, Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdditiveDecoder,
  type AdditiveMap,
  BumpScene,
  bumpSceneMap,
  cartesianProduct,
  decodeRows,
  decoderMap,
  example38,
  example38DetW,
  extrapolateWithDecoder,
  fitBlockMaps,
  linspace,
  MonotoneMap,
  mapLatents,
  RegressionTree,
  sufficientNonlinearity,
  sufficientNonlinearityColumns,
  sufficientNonlinearityMatrix,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

/** Example 3.8 without its exact derivatives, so W comes from central differences. */
const example38Numeric: AdditiveMap = {
  partition: example38.partition,
  outputDim: 4,
  evaluateBlock: example38.evaluateBlock,
};

describe('sufficient nonlinearity', () => {
  it('det W of Example 3.8 equals 24·(z₂ + 1 − z₁)⁴ (exact derivatives and central differences)', () => {
    // Hand-computed values of the closed form: 384 at (−0.5, 0.5), 24 at (0, 0), 1944 at (−1, 1).
    expect(example38DetW(-0.5, 0.5)).toBe(384);
    expect(example38DetW(0, 0)).toBe(24);
    expect(example38DetW(-1, 1)).toBe(1944);
    const rng = Rng.fromSeed(20);
    const points = [
      [-0.5, 0.5],
      [0, 0],
      [-1, 1],
      ...Array.from({ length: 20 }, () => [rng.uniform(-1, 0), rng.uniform(0, 1)]),
    ];
    for (const [z1, z2] of points as [number, number][]) {
      const exact = sufficientNonlinearity(example38, [z1, z2]);
      const numeric = sufficientNonlinearity(example38Numeric, [z1, z2]);
      const want = example38DetW(z1, z2);
      expect(Math.abs(exact.det! - want) / want).toBeLessThan(1e-12);
      expect(Math.abs(numeric.det! - want) / want).toBeLessThan(1e-5);
      expect(exact.rank).toBe(4);
      expect(exact.fullColumnRank).toBe(true);
    }
  });

  it('lays W out as [∂f¹, ∂²f¹, ∂f², ∂²f²] with the notebook typo corrected (row 4, column 1 is 4z₁³)', () => {
    const { matrix, labels } = sufficientNonlinearityMatrix(example38, [-0.5, 0.25]);
    expect(labels).toEqual(['d0 f[0]', 'd00 f[0]', 'd1 f[1]', 'd11 f[1]']);
    const t = 1.25;
    expectAllClose(
      matrix.data,
      [1, 0, 1, 0, -1, 2, 2 * t, 2, 0.75, -3, 3 * t * t, 6 * t, -0.5, 3, 4 * t ** 3, 12 * t * t],
      { atol: 1e-12 },
    );
  });

  it('counts Σ_B (|B| + |B|(|B|+1)/2) columns and needs that many independent ones', () => {
    expect(sufficientNonlinearityColumns([[0], [1]])).toBe(4);
    expect(
      sufficientNonlinearityColumns([
        [0, 1],
        [2, 3],
      ]),
    ).toBe(10);
    // A linear additive map has no second derivatives: W is rank deficient.
    const linear: AdditiveMap = {
      partition: [[0], [1]],
      outputDim: 6,
      evaluateBlock: (b, z, m) =>
        Float64Array.from({ length: m * 6 }, (_, i) => z[Math.floor(i / 6)]! * (i % 6 === b ? 1 : 2)),
    };
    const rep = sufficientNonlinearity(linear, [0.3, 0.4]);
    expect(rep.rank).toBe(2);
    expect(rep.fullColumnRank).toBe(false);
    expect(rep.normalizedVolume).toBeLessThan(1e-6);
    expect(rep.det).toBeNull();
  });

  it('holds for the bump renderer of Example 4.9: √|det(ŴᵀŴ)| near 1 (notebook: ≥ 0.9716 over the grid)', () => {
    const scene = new BumpScene({ latents: 'scalar', size: 64, channels: 'rgb', background: 'white' });
    const map = bumpSceneMap(scene);
    for (const [y1, y2] of [
      [2.5, 2.5],
      [0.6, 0.65],
      [4.8, 1.1],
    ] as const) {
      const rep = sufficientNonlinearity(map, [5 - y1, 5 - y2]);
      expect(rep.fullColumnRank).toBe(true);
      expect(rep.normalizedVolume).toBeGreaterThan(0.9716 - 1e-4);
      expect(rep.normalizedVolume).toBeLessThanOrEqual(1 + 1e-9);
    }
    // 2-D blocks: 10 columns, still full rank.
    const block = bumpSceneMap(new BumpScene({ latents: 'block', size: 16 }));
    const rep = sufficientNonlinearity(block, [0.3, 0.6, 0.7, 0.4]);
    expect(rep.matrix.cols).toBe(10);
    expect(rep.fullColumnRank).toBe(true);
  });

  it('evaluates a smooth learned decoder by central differences of its block images', () => {
    const dec = AdditiveDecoder.init(Rng.fromSeed(21), {
      partition: [[0], [1]],
      outputDim: 40,
      hidden: [16, 32],
      activation: 'tanh',
    });
    const rep = sufficientNonlinearity(decoderMap(dec), [0.2, -0.3]);
    expect(rep.matrix.cols).toBe(4);
    expect(rep.rank).toBe(4);
    // The first column is ∂f¹/∂z₁; compare with a wide central difference of renderBlock in float32.
    const h = 1e-2;
    const r = (z: number) => tf.tidy(() => dec.renderBlock(tf.tensor2d([[z, 0]]), 0)).dataSync();
    const fd = Array.from(r(0.2 + h)).map((v, i) => (v - r(0.2 - h)[i]!) / (2 * h));
    const col = Array.from({ length: 40 }, (_, i) => rep.matrix.data[i * 4]!);
    expectAllClose(col, fd, { atol: 1e-4 });
    dec.dispose();
  });

  it('rejects bad points and maps', () => {
    expect(() => sufficientNonlinearity(example38, [0])).toThrow(/z must be a latent vector of length 2/);
    expect(() => sufficientNonlinearity(example38, [0, Number.NaN])).toThrow(
      /z\[1\] must be a finite number/,
    );
    expect(() => sufficientNonlinearity({} as AdditiveMap, [0, 0])).toThrow(/f must be an AdditiveMap/);
    expect(() => sufficientNonlinearity(example38, [0, 0], { step: 0 })).toThrow(
      /step must be a finite number > 0/,
    );
  });
});

describe('Cartesian products', () => {
  it('combines per-block values, the last block varying fastest', () => {
    const z = cartesianProduct([[1], [0]], [Float64Array.of(10, 20), Float64Array.of(1, 2, 3)]);
    expect(Array.from(z)).toEqual([1, 10, 2, 10, 3, 10, 1, 20, 2, 20, 3, 20]);
    const blocks = cartesianProduct(
      [
        [0, 1],
        [2, 3],
      ],
      [Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6)],
    );
    expect(Array.from(blocks)).toEqual([1, 2, 5, 6, 3, 4, 5, 6]);
    expect(Array.from(linspace(1, 4, 4))).toEqual([1, 2, 3, 4]);
    expect(() => cartesianProduct([[0], [1]], [Float64Array.of(1), new Float64Array(0)])).toThrow(
      /blockValues\[1\] must be a non-empty row-major array of 1-vectors \(a block's projection cannot be empty\)/,
    );
  });
});

describe('decoder-only extrapolation', () => {
  it('fits monotone maps that recover increasing and decreasing functions, monotone even under noise', () => {
    const rng = Rng.fromSeed(22);
    const x = rng.fillUniform(new Float64Array(4000), -1, 1);
    const up = MonotoneMap.fit(
      x,
      Float64Array.from(x, (v) => v ** 3),
      50,
    );
    const down = MonotoneMap.fit(
      x,
      Float64Array.from(x, (v) => -Math.exp(v) + rng.normal(0, 0.3)),
      20,
    );
    expect(up.increasing).toBe(true);
    expect(down.increasing).toBe(false);
    for (const v of [-0.9, -0.3, 0, 0.4, 0.95]) expect(Math.abs(up.evaluate(v) - v ** 3)).toBeLessThan(0.01);
    for (let i = 1; i < down.values.length; i++)
      expect(down.values[i]!).toBeLessThanOrEqual(down.values[i - 1]!);
    expect(Math.abs(down.evaluate(0) + 1)).toBeLessThan(0.1);
    // Constant beyond the knots.
    expect(up.evaluate(5)).toBe(up.values[up.values.length - 1]);
  });

  it('fitBlockMaps + mapLatents invert a known block-wise reparametrisation, and the decoder decodes it', async () => {
    const rng = Rng.fromSeed(23);
    const n = 3000;
    const z = rng.fillUniform(new Float64Array(n * 2), 1, 4);
    // ẑ₀ = 2·z₁ − 1, ẑ₁ = −z₀³: learned latent 0 holds true latent 1 and vice versa.
    const zHat = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      zHat[2 * i] = 2 * z[2 * i + 1]! - 1;
      zHat[2 * i + 1] = -(z[2 * i]! ** 3);
    }
    const maps = fitBlockMaps({ z, zHat, truePartition: [[0], [1]], assignment: [1, 0] });
    const probe = Float64Array.of(2, 3, 3.5, 1.5);
    const mapped = mapLatents(maps, probe);
    expectAllClose(mapped, [5, -8, 2, -42.875], { rtol: 0.02 });
    const dec = AdditiveDecoder.init(rng, { partition: [[0], [1]], outputDim: 8 });
    const direct = await decodeRows(dec, Float32Array.from(mapped));
    expectAllClose(await extrapolateWithDecoder(dec, maps, probe), direct, { atol: 1e-6 });
    dec.dispose();
    // Multi-dimensional blocks get trees.
    const blocks = fitBlockMaps({
      z: rng.fillUniform(new Float64Array(400 * 4)),
      zHat: rng.fillUniform(new Float64Array(400 * 4)),
      truePartition: [
        [0, 1],
        [2, 3],
      ],
      assignment: [0, 1],
    });
    expect(blocks.maps[0]).toBeInstanceOf(RegressionTree);
  });

  it('leaks nothing and validates its inputs', async () => {
    const dec = AdditiveDecoder.init(Rng.fromSeed(24), { partition: [[0], [1]], outputDim: 4 });
    const z = Float64Array.of(1, 2, 2, 3, 3, 1, 4, 4);
    const maps = fitBlockMaps({ z, zHat: z, truePartition: [[0], [1]], assignment: [0, 1], bins: 4 });
    await expectNoLeak(() => extrapolateWithDecoder(dec, maps, z));
    expect(() => fitBlockMaps({ z, zHat: z, truePartition: [[0], [1]], assignment: [0, 0] })).toThrow(
      /assignment\[1\] must be a distinct learned block index; got 0/,
    );
    expect(() =>
      fitBlockMaps({ z, zHat: z.subarray(0, 6), truePartition: [[0], [1]], assignment: [0, 1] }),
    ).toThrow(/zHat must be row-major learned latents \(4 × 2\)/);
    expect(() => MonotoneMap.fit([1, 2], [1])).toThrow(/y must be an array of 2 values/);
    dec.dispose();
  });
});
