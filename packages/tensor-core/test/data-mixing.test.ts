import { describe, expect, it } from 'vitest';
import {
  applyMixing,
  invertibleMlpMixing,
  invertMixing,
  linearMixing,
  type Mixing,
  minJacobianSingularValue,
  mixingJacobian,
  mixObservations,
} from '../src/data/index.js';
import { svd } from '../src/linalg/index.js';
import { Rng } from '../src/random/index.js';
import { expectAllClose, maxAbsDiff } from '../src/testing/index.js';
import { PaperkitInputError } from '../src/validate/index.js';

function normals(rng: Rng, n: number): Float64Array {
  return rng.fillNormal(new Float64Array(n));
}

describe('invertibleMlpMixing', () => {
  it('has four layers d_z→h→h→h→d_x (h = d_x) whose rows are orthonormal up to the He-style gain', () => {
    const m = invertibleMlpMixing(Rng.fromSeed(1), { inputDim: 3, outputDim: 7 });
    expect(m.weights.map((w) => [w.rows, w.cols])).toEqual([
      [3, 7],
      [7, 7],
      [7, 7],
      [7, 7],
    ]);
    const gain = Math.sqrt(2 / (1 + 0.2 ** 2));
    for (const w of m.weights) {
      const c2 = (gain * Math.sqrt(2 / (w.rows + w.cols))) ** 2;
      for (let a = 0; a < w.rows; a++)
        for (let b = 0; b < w.rows; b++) {
          let s = 0;
          for (let j = 0; j < w.cols; j++) s += w.data[a * w.cols + j]! * w.data[b * w.cols + j]!;
          expect(s).toBeCloseTo(a === b ? c2 : 0, 12);
        }
    }
  });

  it('is seeded: same seed, same weights; another seed, other weights', () => {
    const cfg = { inputDim: 2, outputDim: 5, hiddenDim: 4, layers: 3 };
    const a = invertibleMlpMixing(Rng.fromSeed(7), cfg);
    expect(invertibleMlpMixing(Rng.fromSeed(7), cfg)).toEqual(a);
    expect(invertibleMlpMixing(Rng.fromSeed(8), cfg).weights[0]!.data).not.toEqual(a.weights[0]!.data);
    expect(a.weights.map((w) => [w.rows, w.cols])).toEqual([
      [2, 4],
      [4, 4],
      [4, 5],
    ]);
  });

  it('has a full-column-rank Jacobian everywhere, with singular values inside the structural bounds', () => {
    const m = invertibleMlpMixing(Rng.fromSeed(2), { inputDim: 4, outputDim: 8 });
    const gain = Math.sqrt(2 / 1.04);
    const prod = m.weights.reduce((p, w) => p * gain * Math.sqrt(2 / (w.rows + w.cols)), 1);
    const z = normals(Rng.fromSeed(3), 40 * 4);
    for (let r = 0; r < 40; r++) {
      const { s } = svd(mixingJacobian(m, z.subarray(r * 4, r * 4 + 4)));
      expect(s[0]!).toBeLessThanOrEqual(prod * (1 + 1e-12));
      expect(s[3]!).toBeGreaterThanOrEqual(prod * 0.2 ** 3 * (1 - 1e-12));
    }
    expect(minJacobianSingularValue(m, z)).toBeGreaterThan(1e-6);
  });

  it('Jacobian equals central finite differences of applyMixing', () => {
    const m = invertibleMlpMixing(Rng.fromSeed(4), { inputDim: 3, outputDim: 5 });
    const z = Float64Array.of(0.3, -1.2, 0.7);
    const j = mixingJacobian(m, z);
    const h = 1e-6;
    for (let i = 0; i < 3; i++) {
      const up = Float64Array.from(z);
      const dn = Float64Array.from(z);
      up[i]! += h;
      dn[i]! -= h;
      const fu = applyMixing(m, up);
      const fd = applyMixing(m, dn);
      for (let k = 0; k < 5; k++) expect(j.data[k * 3 + i]!).toBeCloseTo((fu[k]! - fd[k]!) / (2 * h), 7);
    }
  });

  it('is inverted exactly on its image', () => {
    const m = invertibleMlpMixing(Rng.fromSeed(5), { inputDim: 4, outputDim: 6, hiddenDim: 5 });
    const z = normals(Rng.fromSeed(6), 100 * 4);
    expect(maxAbsDiff(invertMixing(m, applyMixing(m, z)), z)).toBeLessThan(1e-10);
  });

  it('rejects non-injective shapes and bad settings, naming the parameter', () => {
    const rng = Rng.fromSeed(0);
    const bad = (cfg: object, param: string) => {
      try {
        invertibleMlpMixing(rng, cfg as never);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(PaperkitInputError);
        expect((e as PaperkitInputError).parameter).toBe(param);
      }
    };
    bad({ inputDim: 5, outputDim: 4 }, 'inputDim');
    expect(() => invertibleMlpMixing(rng, { inputDim: 5, outputDim: 4 })).toThrow(/d_z <= d_x/);
    bad({ inputDim: 2, outputDim: 6, hiddenDim: 1 }, 'hiddenDim');
    bad({ inputDim: 2, outputDim: 6, hiddenDim: 7 }, 'hiddenDim');
    bad({ inputDim: 2, outputDim: 6, layers: 0 }, 'layers');
    bad({ inputDim: 2, outputDim: 6, slope: 0 }, 'slope');
    bad({ inputDim: 0, outputDim: 6 }, 'inputDim');
    bad({ inputDim: 2.5, outputDim: 6 }, 'inputDim');
  });
});

describe('applyMixing', () => {
  it('matches a hand computation: leaky ReLU between layers, none after the last', () => {
    const m: Mixing = {
      kind: 'mlp',
      inputDim: 1,
      outputDim: 2,
      slope: 0.5,
      weights: [
        { rows: 1, cols: 2, data: Float64Array.of(1, -1) },
        { rows: 2, cols: 2, data: Float64Array.of(2, 0, 1, -3) },
      ],
    };
    // z = 2: h = leaky(2, −2) = (2, −1); x = (2·2 + (−1)·1, 2·0 + (−1)·(−3)) = (3, 3).
    // z = −1: h = leaky(−1, 1) = (−0.5, 1); x = (−1 + 1, 0 − 3) = (0, −3).
    expectAllClose(applyMixing(m, [2, -1]), [3, 3, 0, -3], { atol: 1e-15 });
  });

  it('linear mixing is z·W + b, with b = 0 when asked, and inverts by least squares', () => {
    const lin = linearMixing(Rng.fromSeed(9), { inputDim: 2, outputDim: 3 });
    const z = [0.5, -2];
    const x = applyMixing(lin, z);
    for (let j = 0; j < 3; j++)
      expect(x[j]!).toBeCloseTo(0.5 * lin.weight.data[j]! - 2 * lin.weight.data[3 + j]! + lin.bias[j]!, 14);
    expect(
      Array.from(linearMixing(Rng.fromSeed(9), { inputDim: 2, outputDim: 3, bias: false }).bias),
    ).toEqual([0, 0, 0]);
    expectAllClose(invertMixing(lin, x), z, { atol: 1e-12 });
    expect(() => linearMixing(Rng.fromSeed(9), { inputDim: 4, outputDim: 3 })).toThrow(PaperkitInputError);
  });

  it('rejects batches of the wrong width, non-finite entries and malformed mixings', () => {
    const m = invertibleMlpMixing(Rng.fromSeed(1), { inputDim: 2, outputDim: 3 });
    expect(() => applyMixing(m, [1, 2, 3])).toThrow(/z must be a row-major array \[count, 2\]/);
    expect(() => applyMixing(m, [1, Number.NaN])).toThrow(PaperkitInputError);
    expect(() => mixingJacobian(m, [1, 2, 3, 4])).toThrow(/one point/);
    expect(() => applyMixing({ ...m, outputDim: 4 }, [1, 2])).toThrow(/outputDim/);
    expect(() => applyMixing({ ...m, kind: 'tanh' } as unknown as Mixing, [1, 2])).toThrow(/kind/);
  });
});

describe('mixObservations', () => {
  it('standardises every dimension over the batch before adding the noise', () => {
    const m = invertibleMlpMixing(Rng.fromSeed(10), { inputDim: 3, outputDim: 6 });
    const n = 2000;
    const z = normals(Rng.fromSeed(11), n * 3);
    const clean = mixObservations(m, z, Rng.fromSeed(12), { noiseStd: 0 });
    for (let j = 0; j < 6; j++) {
      let s = 0;
      let ss = 0;
      for (let r = 0; r < n; r++) s += clean.x[r * 6 + j]!;
      for (let r = 0; r < n; r++) ss += (clean.x[r * 6 + j]! - s / n) ** 2;
      expect(Math.abs(s / n)).toBeLessThan(1e-12);
      expect(Math.sqrt(ss / n)).toBeCloseTo(1, 12);
    }
    // With noise: x − clean is N(0, 0.01²) (default noiseStd), drawn from the given stream.
    const noisy = mixObservations(m, z, Rng.fromSeed(12));
    let ss = 0;
    for (let i = 0; i < noisy.x.length; i++) ss += (noisy.x[i]! - clean.x[i]!) ** 2;
    const std = Math.sqrt(ss / noisy.x.length);
    expect(Math.abs(std - 0.01)).toBeLessThan(3 * (0.01 / Math.sqrt(2 * noisy.x.length)));
    expect(mixObservations(m, z, Rng.fromSeed(12)).x).toEqual(noisy.x);
    // Without standardisation x is exactly f(z).
    const raw = mixObservations(m, z, Rng.fromSeed(12), { standardize: false, noiseStd: 0 });
    expect(raw.x).toEqual(applyMixing(m, z));
    expect(() => mixObservations(m, z, Rng.fromSeed(12), { noiseStd: -1 })).toThrow(/noiseStd/);
  });
});
