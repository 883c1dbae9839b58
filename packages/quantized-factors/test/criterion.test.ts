import { type Matrix, matmul, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALPHA_MODES,
  alphaFromNorms,
  alphaWeights,
  applyLinear,
  axisAlignmentLoss,
  CRITERION_TERMS,
  type CriterionOptions,
  criterion,
  gridDataset,
  linearMapLosses,
} from '../src/index.js';
import { m, rotation, setupBackend } from './helpers.js';

beforeAll(setupBackend);

const t2 = (p: Matrix) => tf.tensor2d(Float32Array.from(p.data), [p.rows, p.cols]);

/** Every term at once (λ = 1), with the weighting options that exercise each code path. */
const ALL_TERMS: CriterionOptions = {
  sigma: 0.15,
  weights: { gradAxisAlign: 1, gradLocalAlign: 1, ptsAxisAlign: 1, ptsGradOrtho: 1 },
};

async function terms(points: Matrix, options: CriterionOptions): Promise<Record<string, number>> {
  const z = t2(points);
  const r = criterion(z, options);
  const out: Record<string, number> = { loss: (await r.loss.data())[0]! };
  for (const name of CRITERION_TERMS) out[name] = (await r.terms[name].data())[0]!;
  tf.dispose([z, r.loss, ...Object.values(r.terms)]);
  return out;
}

describe('alpha', () => {
  it('implements the reference modes on hand-computed magnitudes', () => {
    const norms = [1, 3, 0, 4];
    expectAllClose(alphaFromNorms(norms), [0.125, 0.375, 0, 0.5], { atol: 1e-15 });
    expectAllClose(alphaFromNorms(norms, { mode: 'power', gamma: 2 }), [1 / 26, 9 / 26, 0, 16 / 26], {
      atol: 1e-15,
    });
    const e = [1, 3, 0, 4].map((v) => Math.exp(v));
    const se = e.reduce((a, b) => a + b);
    expectAllClose(
      alphaFromNorms(norms, { mode: 'softmax' }),
      e.map((v) => v / se),
      { atol: 1e-15 },
    );
    // cdf: ranks 0..n−1 over n, normalised (ranks 1, 2, 0, 3).
    expectAllClose(alphaFromNorms(norms, { mode: 'cdf' }), [1 / 6, 2 / 6, 0, 3 / 6], { atol: 1e-15 });
    // The top half (2 of 4) get 1/2 each.
    expectAllClose(alphaFromNorms(norms, { mode: 'quantile_threshold', gamma: 0.5 }), [0, 0.5, 0, 0.5], {
      atol: 0,
    });
    expect(() => alphaFromNorms(norms, { mode: 'quantile_threshold', gamma: 0.1 })).toThrow(/gamma/);
    expect(() => alphaFromNorms([0, 0])).toThrow(/positive finite sum/);
    expect(() => alphaFromNorms([1, -1])).toThrow(/norms\[1\]/);
    expect(() => alphaFromNorms(norms, { mode: 'nope' as 'cdf' })).toThrow(/mode/);
  });

  it('weights points near the discontinuities most, computed once on the standardised data', async () => {
    const data = gridDataset(Rng.fromSeed(1), { kind: 'factorized', n: 1500 });
    const { alpha, norms } = await expectNoLeak(() => alphaWeights(data.x, { sigma: 0.1, chunkSize: 200 }));
    expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // Points within 0.05 (latent units) of a separator get more weight on average than the others.
    let near = 0;
    let nearCount = 0;
    let far = 0;
    for (let i = 0; i < 1500; i++) {
      const dist = Math.min(
        ...data.grid.separators.flatMap((axis, k) => axis.map((c) => Math.abs(data.z.data[2 * i + k]! - c))),
      );
      if (dist < 0.05) {
        near += norms[i]!;
        nearCount++;
      } else far += norms[i]!;
    }
    expect(near / nearCount).toBeGreaterThan(1.5 * (far / (1500 - nearCount)));
    await expect(alphaWeights(data.x, { densityGradient: 'nope' as 'log' })).rejects.toThrow(
      /densityGradient/,
    );
    await expect(alphaWeights(data.x, { sigma: 0 })).rejects.toThrow(/sigma/);
  });
});

describe('criterion', () => {
  it('gives −1 when the score is axis aligned and −1/√2 at 45° (hand-computed)', async () => {
    // Two points: ∇log p̂ at each points at the other, along the line joining them.
    const pair = m([
      [0, 0],
      [1, 0],
    ]);
    // With σ = 1: P₁₂ = e^(−1/2)/(1 + e^(−1/2)), V₁ = (P₁₂, 0), and v̂ = V/(‖V‖ + 1e-6) (the reference's guard).
    const opts = { standardize: false, sigma: 1, alpha: [0.5, 0.5] };
    const p12 = Math.exp(-0.5) / (1 + Math.exp(-0.5));
    const unit = p12 / (p12 + 1e-6);
    expect((await terms(pair, opts)).gradAxisAlign).toBeCloseTo(-unit, 6);
    expect((await terms(applyLinear(rotation(45), pair), opts)).gradAxisAlign).toBeCloseTo(
      -Math.SQRT1_2 * unit,
      6,
    );
  });

  it('is invariant to W → cW, DW (any signs) and PW, for every term', async () => {
    const data = gridDataset(Rng.fromSeed(2), { kind: 'non-factorized', n: 600 });
    const w = m([
      [0.8, -0.3],
      [0.4, 1.1],
    ]);
    const base = await terms(applyLinear(w, data.x), ALL_TERMS);
    const variants: Matrix[] = [
      m([
        [3, 0],
        [0, 3],
      ]),
      m([
        [-0.2, 0],
        [0, 5],
      ]),
      m([
        [0, 1],
        [1, 0],
      ]),
      m([
        [0, -2],
        [0.5, 0],
      ]),
    ];
    for (const v of variants) {
      const other = await terms(applyLinear(matmul(v, w), data.x), ALL_TERMS);
      for (const name of ['loss', ...CRITERION_TERMS])
        expect(Math.abs(other[name]! - base[name]!)).toBeLessThan(1e-4);
    }
    expect(base.gradAxisAlign).toBeLessThan(0);
    expect(base.reconstruction).toBe(0);
  });

  it('scores the true axes of grid data better than a 45° rotation: L(I) < L(R45°)', async () => {
    for (const kind of ['non-factorized', 'factorized'] as const) {
      const data = gridDataset(Rng.fromSeed(3), { kind, n: 1500 });
      const [atI, at45] = await linearMapLosses(
        data.z,
        [
          m([
            [1, 0],
            [0, 1],
          ]),
          rotation(45),
        ],
        { sigma: 0.1 },
      );
      expect(atI!).toBeLessThan(at45! - 0.03);
    }
  });

  it('adds the weighted terms, skips λ < 0 and monitors λ = 0', async () => {
    const data = gridDataset(Rng.fromSeed(4), { kind: 'factorized', n: 300 });
    const all = await terms(data.x, ALL_TERMS);
    const sum = all.gradAxisAlign! + all.gradLocalAlign! + all.ptsAxisAlign! + all.ptsGradOrtho!;
    expect(all.loss).toBeCloseTo(sum, 5);
    const mixed = await terms(data.x, {
      sigma: 0.15,
      weights: { gradAxisAlign: 2, gradLocalAlign: 0, ptsAxisAlign: -1, ptsGradOrtho: 0.5 },
    });
    expect(mixed.gradLocalAlign).toBeCloseTo(all.gradLocalAlign!, 6);
    expect(mixed.ptsAxisAlign).toBe(0);
    expect(mixed.loss).toBeCloseTo(2 * all.gradAxisAlign! + 0.5 * all.ptsGradOrtho!, 5);
    // The batch's own α (no α passed) in each mode gives a finite loss; robust reweighting too.
    for (const alphaMode of ALPHA_MODES) {
      const r = await terms(data.x, { alphaMode, gamma: 0.5, gammaRobust: 2 });
      expect(Number.isFinite(r.loss)).toBe(true);
    }
    const quirk = await terms(data.x, { ...ALL_TERMS, squaredDifferencesInOrtho: true, useAbsCosine: true });
    expect(quirk.ptsGradOrtho).not.toBeCloseTo(all.ptsGradOrtho!, 4);
    expect(quirk.gradLocalAlign).toBeLessThanOrEqual(all.gradLocalAlign! + 1e-6);
  });

  it('has a finite gradient for every term and leaks nothing', async () => {
    const data = gridDataset(Rng.fromSeed(5), { kind: 'non-factorized', n: 200 });
    const x = t2(data.x);
    const w = tf.variable(tf.tensor2d([1, 0.2, -0.3, 1], [2, 2]));
    await expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => {
        const r = criterion(tf.matMul(x, w, false, true) as tf.Tensor2D, {
          ...ALL_TERMS,
          reconstruction: { x, xHat: tf.mul(x, 0.9) },
          weights: { ...ALL_TERMS.weights, reconstruction: 0.5 },
        });
        tf.dispose(Object.values(r.terms));
        return r.loss;
      }, [w]);
      const g = grads[w.name]!.dataSync();
      expect(Array.from(g).every(Number.isFinite)).toBe(true);
      expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    });
    tf.dispose([x, w]);
  });

  it('rejects bad weights, α, batch sizes and missing reconstructions', () => {
    const z = tf.zeros([5, 2]) as tf.Tensor2D;
    expect(() => criterion(z, { weights: { nope: 1 } as never })).toThrow(/weights must be one of/);
    expect(() => criterion(z, { weights: { gradAxisAlign: Number.NaN } })).toThrow(/weights\.gradAxisAlign/);
    expect(() => criterion(z, { alpha: [1, 2] })).toThrow(/alpha must be an array of 5 weights/);
    expect(() => criterion(z, { alpha: [1, 1, 1, 1, -1] })).toThrow(/alpha\[4\]/);
    expect(() => criterion(z, { sigma: 0 })).toThrow(/sigma/);
    expect(() => criterion(z, { weights: { ptsAxisAlign: 1 }, maxPairwisePoints: 4 })).toThrow(
      /maxPairwisePoints = 4/,
    );
    expect(() => criterion(z, { weights: { reconstruction: 1 } })).toThrow(/reconstruction/);
    expect(() => criterion(tf.zeros([1, 2]) as tf.Tensor2D)).toThrow(PaperkitInputError);
    expect(() => axisAlignmentLoss(z, { alphaMode: 'nope' as 'cdf' })).toThrow(/alphaMode/);
    z.dispose();
  });
});
