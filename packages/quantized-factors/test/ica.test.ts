import { type Matrix, matmul, meanCorrelationCoefficient, Rng, transpose } from '@paperkit/tensor-core';
import { expectAllClose } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import {
  applyLinear,
  fastIca,
  fastIcaStep,
  kurtosisIca2D,
  symmetricDecorrelation,
  whiten,
} from '../src/index.js';
import { m } from './helpers.js';

/** n independent sources: uniform and Laplace (both non-Gaussian), mixed by a fixed A. */
function independentSources(seed: number, n: number): { s: Matrix; x: Matrix; a: Matrix } {
  const rng = Rng.fromSeed(seed);
  const s = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    s[2 * i] = rng.uniform(-1, 1);
    const u = rng.uniform(-0.5, 0.5);
    s[2 * i + 1] = -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  const a = m([
    [1, 0.6],
    [-0.4, 0.9],
  ]);
  const sm = { rows: n, cols: 2, data: s };
  return { s: sm, x: applyLinear(a, sm), a };
}

function covariance(x: Matrix): number[] {
  const n = x.rows;
  const out = [0, 0, 0, 0];
  const mean = [0, 0];
  for (let i = 0; i < n; i++) for (let a = 0; a < 2; a++) mean[a]! += x.data[2 * i + a]! / n;
  for (let i = 0; i < n; i++)
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 2; b++)
        out[2 * a + b]! += ((x.data[2 * i + a]! - mean[a]!) * (x.data[2 * i + b]! - mean[b]!)) / n;
  return out;
}

describe('whitening', () => {
  it('gives identity covariance and rejects data that do not span the space', () => {
    const { x } = independentSources(1, 2000);
    const w = whiten(x);
    expectAllClose(covariance(w.data), [1, 0, 0, 1], { atol: 1e-12 });
    const flat = m([
      [1, 2],
      [2, 4],
      [3, 6],
      [4, 8],
    ]);
    expect(() => whiten(flat)).toThrow(/x must be observations spanning 2 dimensions/);
    expect(() => whiten(m([[1, 2]]))).toThrow(/more rows than columns/);
  });
});

describe('2-D kurtosis ICA', () => {
  it('recovers independent non-Gaussian sources', () => {
    const { s, x } = independentSources(2, 4000);
    const r = kurtosisIca2D(x);
    expect(meanCorrelationCoefficient(s, applyLinear(r.unmixing, x)).mcc).toBeGreaterThan(0.995);
    expect(r.angleDeg).toBeGreaterThanOrEqual(0);
    expect(r.angleDeg).toBeLessThan(90);
    expect(() => kurtosisIca2D(m([[1, 2, 3]]))).toThrow(/2 columns/);
    expect(() => kurtosisIca2D(x, { stepDeg: 60 })).toThrow(/stepDeg/);
  });
});

describe('FastICA', () => {
  it('converges to a fixed point of its update, with orthonormal rows, and recovers the sources', () => {
    const { s, x } = independentSources(3, 4000);
    const r = fastIca(x, Rng.fromSeed(0), { maxIter: 1000, tol: 1e-10 });
    expect(r.converged).toBe(true);
    expectAllClose(matmul(r.rotation, transpose(r.rotation)).data, [1, 0, 0, 1], { atol: 1e-10 });
    // The fixed-point equation W = symdecorr(E[g(Wu)uᵀ] − diag(E[g'(Wu)])·W), up to row signs.
    const white = whiten(x);
    const u = new Float64Array(2 * x.rows);
    for (let i = 0; i < x.rows; i++)
      for (let c = 0; c < 2; c++) u[c * x.rows + i] = white.data.data[2 * i + c]!;
    const next = fastIcaStep(r.rotation, u, x.rows, 'logcosh', 1);
    for (let row = 0; row < 2; row++) {
      const dotp =
        next.data[2 * row]! * r.rotation.data[2 * row]! +
        next.data[2 * row + 1]! * r.rotation.data[2 * row + 1]!;
      expect(Math.abs(Math.abs(dotp) - 1)).toBeLessThan(1e-9);
    }
    expect(meanCorrelationCoefficient(s, applyLinear(r.unmixing, x)).mcc).toBeGreaterThan(0.995);
    // Unit-variance sources, as scikit-learn's whiten='unit-variance'.
    const sources = applyLinear(r.unmixing, x);
    const cov = covariance(sources);
    expect(cov[0]).toBeCloseTo(1, 10);
    expect(cov[3]).toBeCloseTo(1, 10);
  });

  it('is deterministic for a seed, and every contrast converges on independent sources', () => {
    const { s, x } = independentSources(4, 3000);
    const a = fastIca(x, Rng.fromSeed(5));
    const b = fastIca(x, Rng.fromSeed(5));
    expect(Array.from(a.unmixing.data)).toEqual(Array.from(b.unmixing.data));
    for (const fun of ['exp', 'cube'] as const) {
      const r = fastIca(x, Rng.fromSeed(1), { fun, maxIter: 500 });
      expect(meanCorrelationCoefficient(s, applyLinear(r.unmixing, x)).mcc).toBeGreaterThan(0.99);
    }
  });

  it('makes symmetric decorrelation orthonormalise any full-rank matrix', () => {
    const w = symmetricDecorrelation(
      m([
        [2, 1],
        [0.5, 3],
      ]),
    );
    expectAllClose(matmul(w, transpose(w)).data, [1, 0, 0, 1], { atol: 1e-14 });
  });

  it('rejects bad options', () => {
    const { x } = independentSources(6, 100);
    expect(() => fastIca(x, Rng.fromSeed(0), { fun: 'nope' as 'exp' })).toThrow(/fun/);
    expect(() => fastIca(x, Rng.fromSeed(0), { maxIter: 0 })).toThrow(/maxIter/);
    expect(() => fastIca(x, Rng.fromSeed(0), { tol: -1 })).toThrow(/tol/);
    expect(() => fastIca({ rows: 2, cols: 2, data: [1] }, Rng.fromSeed(0))).toThrow(/x\.data/);
  });
});
