import { initBackend, Rng, randomUniform } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { irisData } from '../src/datasets/iris.js';
import {
  hardConcreteDeterministic,
  hardConcreteInitLogAlpha,
  hardConcreteProbNonzero,
  hardConcreteSample,
} from '../src/gates/hard-concrete.js';
import { GradientAscent, NuPI } from '../src/index.js';
import { analyticSvmPoints, irisSvmPoints } from '../src/svm/datasets.js';
import { simulateSvmDynamics } from '../src/svm/dynamics.js';
import { labelledPoints, solveHardMarginSvm } from '../src/svm/hard-margin.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe("Fisher's Iris data as shipped", () => {
  const d = irisData();
  it('has 150 rows, 50 per species', () => {
    expect(d.rows).toBe(150);
    expect(d.features.length).toBe(600);
    for (const s of [0, 1, 2]) expect(d.labels.filter((l) => l === s).length).toBe(50);
  });

  it('matches the known column means (5.843, 3.057, 3.758, 1.199), per-species sums and standard deviations', () => {
    const col = (k: number, s?: number) => {
      const v: number[] = [];
      for (let i = 0; i < 150; i++) if (s === undefined || d.labels[i] === s) v.push(d.features[i * 4 + k]!);
      return v;
    };
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect([0, 1, 2, 3].map((k) => mean(col(k)).toFixed(3))).toEqual(['5.843', '3.057', '3.758', '1.199']);
    // Per-species sums (R's datasets::iris / Fisher 1936): setosa, versicolor, virginica.
    const sums = [0, 1, 2].map((s) =>
      [0, 1, 2, 3].map((k) =>
        col(k, s)
          .reduce((a, b) => a + b, 0)
          .toFixed(1),
      ),
    );
    expect(sums).toEqual([
      ['250.3', '171.4', '73.1', '12.3'],
      ['296.8', '138.5', '213.0', '66.3'],
      ['329.4', '148.7', '277.6', '101.3'],
    ]);
    const sd = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1));
    expect([0, 1, 2, 3].map((k) => sd(col(k)).toFixed(7))).toEqual([
      '0.8280661',
      '0.4358663',
      '1.7652982',
      '0.7622377',
    ]);
  });
});

describe('hard-margin SVM solver', () => {
  it('the analytic set: w* = (1, 0), b* = 0, λ* = (½, ½, 0, 0)', () => {
    const s = solveHardMarginSvm(analyticSvmPoints());
    expect(Array.from(s.lambda)).toEqual([0.5, 0.5, 0, 0]);
    expect(Array.from(s.w)).toEqual([1, 0]);
    expect(s.b).toBe(0);
    expect(s.unique).toBe(true);
  });

  it('Iris setosa vs versicolor: KKT holds to 1e-12 and λ* is unique (LICQ on the support set)', () => {
    for (const pts of [irisSvmPoints(), irisSvmPoints(Rng.fromSeed(1).stream('split'))]) {
      const s = solveHardMarginSvm(pts);
      expect(s.kktResidual).toBeLessThan(1e-12);
      expect(s.unique).toBe(true);
      expect(s.support.length).toBeGreaterThanOrEqual(2);
      expect(s.support.length).toBeLessThanOrEqual(5);
    }
    expect(irisSvmPoints(Rng.fromSeed(1).stream('split')).n).toBe(70);
  });

  it('rejects non-separable or malformed input', () => {
    expect(() => solveHardMarginSvm(labelledPoints([0, 1, 0, -1], [1, -1, -1, 1], 1))).toThrow(
      /linearly separable classes/,
    );
    expect(() => labelledPoints([0, 1], [1, 0], 1)).toThrow(/y\[1\] must be -1 or \+1; got 0/);
    expect(() => labelledPoints([0, 1], [1, 1], 1)).toThrow(/labels of both signs/);
    expect(() => labelledPoints([0, 1, 2], [1, -1], 2)).toThrow(/multiple of d = 2/);
  });
});

describe('SVM multiplier dynamics', () => {
  it('νPI reaches ‖λ − λ*‖ < 1e-3 on the analytic set where GA with the same κi keeps oscillating', () => {
    const pts = analyticSvmPoints();
    const star = solveHardMarginSvm(pts).lambda;
    const pi = simulateSvmDynamics({
      points: pts,
      dual: new NuPI({ lr: 1, ki: 0.1, kp: 5 }),
      steps: 5000,
      lambdaStar: star,
    });
    const ga = simulateSvmDynamics({
      points: pts,
      dual: new GradientAscent({ lr: 0.1 }),
      steps: 5000,
      lambdaStar: star,
    });
    expect(pi.distance.at(-1)!).toBeLessThan(1e-3);
    expect(ga.distance.at(-1)!).toBeGreaterThan(0.1);
    expect(pi.maxViolation.at(-1)!).toBeLessThan(1e-6);
  });
});

describe('hard-concrete gates', () => {
  it('P(z ≠ 0) = sigmoid(log α − β log(−γ/ζ)) matches the sampled frequency; test-time gate and init', () => {
    const la = tf.tensor1d([-2, 0, 1.5]);
    const n = 20000;
    const u = randomUniform(Rng.fromSeed(4).stream('u'), [n, 3]);
    const z = hardConcreteSample(tf.tile(la.reshape([1, 3]), [n, 1]), u);
    const freq = Array.from(tf.tidy(() => tf.mean(tf.cast(tf.greater(z, 0), 'float32'), 0)).dataSync());
    const p = Array.from(hardConcreteProbNonzero(la).dataSync());
    const expected = [-2, 0, 1.5].map((a) => 1 / (1 + Math.exp(-(a - (2 / 3) * Math.log(0.1 / 1.1)))));
    for (let i = 0; i < 3; i++) {
      expect(p[i]).toBeCloseTo(expected[i]!, 5);
      expect(Math.abs(freq[i]! - p[i]!)).toBeLessThan(0.015);
    }
    expect(Array.from(z.dataSync()).every((v) => v >= 0 && v <= 1)).toBe(true);
    const det = Array.from(hardConcreteDeterministic(tf.tensor1d([-10, 0, 10])).dataSync());
    expect(det[0]).toBe(0);
    expect(det[1]).toBeCloseTo(0.5, 6);
    expect(det[2]).toBe(1);
    expect(hardConcreteInitLogAlpha(0.01)).toBeCloseTo(Math.log(99), 12);
    expect(() => hardConcreteProbNonzero(la, { zeta: 0.9 })).toThrow(/zeta must be a number > 1/);
  });
});
