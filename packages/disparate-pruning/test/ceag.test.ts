import { ConstrainedOptimizer, GradientAscent, linearViolation } from '@paperkit/nupi';
import { initBackend, Rng, SGD } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ceagProblem,
  ceagSampleWeights,
  equalizedLossProblem,
  excessMatrix,
  type GroupStats,
  MaskedOptimizer,
  ratesFromCounts,
  resolveClassifier,
  trainingForward,
} from '../src/index.js';
import { hostCrossEntropy, makeBatch, mlpClassifier } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/** A linear classifier x·W with W = I₂: row e_k predicts class k. */
function identityModel() {
  const w = tf.variable(tf.tensor2d([1, 0, 0, 1], [2, 2]));
  return { model: resolveClassifier({ params: { w }, forward: (p, x) => tf.matMul(x, p.w!) }), w };
}

// Rows: g0 right, g0 wrong, g1 right, g1 right, g2 wrong.
const rows = [
  [1, 0],
  [0, 1],
  [1, 0],
  [0, 1],
  [1, 0],
];
const labels = [0, 0, 0, 1, 1];
const groupIds = [0, 0, 1, 1, 2];
// Dense statistics (hand-chosen): A^d = .9, A_g^d = (.8, .95, .9); losses only shift the proxy.
const dense: GroupStats = {
  accuracy: { overall: 0.9, groups: Float64Array.of(0.8, 0.95, 0.9), counts: Float64Array.of(50, 30, 20) },
  loss: { overall: 0.3, groups: Float64Array.of(0.5, 0.2, 0.1), counts: Float64Array.of(50, 30, 20) },
};
const priors = Float64Array.of(0.5, 0.3, 0.2);

describe('CEAG strict violations and dual step (k = 2)', () => {
  // Buffers after the batch: g0 = (1, 0) full, Â = .5; g1 = (1, 1) full, Â = 1; g2 = (0) not full.
  const cases = [
    // groupPriorWeighted: Â = (.5·.5 + .3·1)/.8 = .6875 → (.3 − .2125 − .01, −.05 − .2125 − .01).
    ['groupPriorWeighted', [0.0775, -0.2725]],
    // bufferMean (reference): Â = .75 → (.14, −.21).
    ['bufferMean', [0.14, -0.21]],
    // batch: Â = 3/5 → (−.01, −.36).
    ['batch', [-0.01, -0.36]],
  ] as const;
  for (const [mode, expected] of cases)
    it(`${mode}: only full groups are measured; one GA step (η = 1) moves only them`, () => {
      const { model, w } = identityModel();
      const ceag = ceagProblem(model, dense, priors, {
        epsilon: 0.01,
        buffer: 2,
        overallEstimate: mode,
      });
      ceag.multiplier.value[2] = 0.5; // a non-full group's λ must stay untouched
      const opt = new ConstrainedOptimizer({
        problem: ceag.problem,
        params: { w },
        primal: new SGD({ lr: 0 }),
        dual: new GradientAscent({ lr: 1 }),
      });
      const batch = makeBatch(rows, labels, { ids: groupIds, numGroups: 3 });
      opt.roll(batch).dispose();
      expect(Array.from(ceag.last().indices)).toEqual([0, 1]);
      ceag.last().values.forEach((v, k) => {
        expect(v).toBeCloseTo(expected[k]!, 12);
      });
      expect(ceag.multiplier.value[0]).toBeCloseTo(Math.max(0, expected[0]), 12);
      expect(ceag.multiplier.value[1]).toBe(0);
      expect(ceag.multiplier.value[2]).toBe(0.5);
      tf.dispose([batch.x, batch.y, w]);
    });

  it('without a buffer the batch groups are measured (g2 included)', () => {
    const { model, w } = identityModel();
    const ceag = ceagProblem(model, dense, priors, { epsilon: 0, buffer: 0, overallEstimate: 'batch' });
    const batch = makeBatch(rows, labels, { ids: groupIds, numGroups: 3 });
    tf.tidy(() => void ceag.problem.computeState(batch));
    // Â = .6, Â_g = (.5, 1, 0) → ψ̂ − 0 = (.3 − .3, −.05 − .3, .9 − .3).
    expect(Array.from(ceag.last().indices)).toEqual([0, 1, 2]);
    [0, -0.35, 0.6].forEach((v, k) => {
      expect(ceag.last().values[k]).toBeCloseTo(v, 12);
    });
    tf.dispose([batch.x, batch.y, w]);
  });

  it('the proxy is [L̂_g − L_g^d] − [L̂ − L^d] on the batch groups (the hand-computed proxy example on tensors)', () => {
    const { model, w } = identityModel();
    const ceag = ceagProblem(model, dense, priors, { buffer: 2 });
    const batch = makeBatch(rows, labels, { ids: groupIds, numGroups: 3 });
    const ce = rows.map((r, i) => hostCrossEntropy(r, labels[i]!));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const Lhat = mean(ce);
    const Lg = [0, 1, 2].map((g) => mean(ce.filter((_, i) => groupIds[i] === g)));
    const state = ceag.problem.computeState(batch);
    const { matrix, offsets } = state.constraints.excessGap!.linear!;
    const values = state.perExample!.values;
    const violation = linearViolation(values, matrix, offsets);
    const v = violation.dataSync();
    [0, 1, 2].forEach((g) => {
      expect(v[g]).toBeCloseTo(Lg[g]! - dense.loss.groups[g]! - (Lhat - dense.loss.overall), 5);
    });
    // f is the mean of the per-example losses.
    expect(state.perExample!.objective).toBe('mean');
    expect(Array.from(values.dataSync()).reduce((a, b) => a + b, 0) / values.size).toBeCloseTo(Lhat, 5);
    tf.dispose([values, violation, batch.x, batch.y, w]);
  });
});

describe('weighted-CE identity (the primal gradient as a per-sample weighted cross-entropy)', () => {
  const sizes = [5, 7, 3];
  let clf: ReturnType<typeof mlpClassifier>;
  beforeAll(() => {
    clf = mlpClassifier(sizes, 11);
  });
  afterAll(() => clf.params.dispose());

  for (const [label, lam] of [
    ['Σλ < 1', [0.1, 0.3, 0, 0.2]],
    ['Σλ > 1 (negative weights)', [0.9, 1.7, 0.4, 2.5]],
  ] as const)
    it(`${label}: one primal step of the CEAG roll equals a step on Σ w_i ℓ_i, and Σ w_i = 1`, () => {
      const rng = Rng.fromSeed(5);
      const B = 24;
      const feats = Array.from({ length: B }, () => Array.from({ length: 5 }, () => rng.normal()));
      const ys = Array.from({ length: B }, () => rng.int(3));
      // Group 3 is absent from the batch: its λ must not enter the weights.
      const gs = Array.from({ length: B }, () => rng.int(3));
      const batch = makeBatch(feats, ys, { ids: gs, numGroups: 4 });
      const model = resolveClassifier(clf);
      // A pruned model: the masked primal zeroes the gradients of pruned weights.
      const primal = new MaskedOptimizer(new SGD({ lr: 1 }), { prunable: ['fc0.weight', 'fc1.weight'] });
      primal.prune(model.params, 0.3);
      const keep = primal.masks();
      const denseStats: GroupStats = {
        accuracy: ratesFromCounts([5, 5, 5, 5], [5, 4, 3, 5]),
        loss: {
          overall: 0.7,
          groups: Float64Array.of(0.5, 0.9, 0.6, 0.8),
          counts: Float64Array.of(5, 5, 5, 5),
        },
      };
      const ceag = ceagProblem(model, denseStats, Float64Array.of(0.25, 0.25, 0.25, 0.25), {
        buffer: 40,
      });
      ceag.multiplier.value.set(lam);
      const w = ceagSampleWeights(batch.groups, lam);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      if (label.startsWith('Σλ >')) expect(Math.min(...w)).toBeLessThan(0);
      const before = Object.fromEntries(
        Object.entries(model.params).map(([n, v]) => [n, v.dataSync().slice()]),
      );
      // Reference gradient of Σ w_i ℓ_i at the pruned weights, masked like the optimizer's.
      const wt = tf.tensor1d(Float32Array.from(w));
      const { grads, value } = tf.variableGrads(
        () => tf.sum(tf.mul(wt, trainingForward(model, batch).losses)) as tf.Scalar,
        Object.values(model.params),
      );
      // One roll with a frozen dual (GA step 0) and SGD step 1: θ ← θ − m ⊙ ∇(L̂ + Σ_{g∈O} λ_g ψ̃_g).
      const opt = new ConstrainedOptimizer({
        problem: ceag.problem,
        params: model.params,
        primal,
        dual: new GradientAscent({ lr: 0 }),
      });
      opt.roll(batch).dispose();
      for (const [n, v] of Object.entries(model.params)) {
        const g = grads[v.name]!.dataSync();
        const after = v.dataSync();
        const m = keep[n];
        for (let i = 0; i < g.length; i++)
          if (m?.[i] === 0)
            expect(after[i] === 0).toBe(true); // ±0
          else expect(before[n]![i]! - after[i]!).toBeCloseTo(g[i]!, 5);
      }
      expect(Object.keys(keep)).toEqual(['fc0.weight', 'fc1.weight']);
      tf.dispose([wt, value, ...Object.values(grads), batch.x, batch.y]);
      opt.dispose();
    });

  it('the excess matrix averages groups: ℓᵀM = L̂_g − L̂', () => {
    const em = excessMatrix(
      makeBatch([[0], [0], [0], [0]], [0, 0, 0, 0], { ids: [2, 0, 2, 2], numGroups: 3 }).groups,
    );
    expect(Array.from(em.observed)).toEqual([0, 2]);
    expect(Array.from(em.counts)).toEqual([1, 3]);
    const l = [1, 2, 3, 6];
    const gap = (j: number) => l.reduce((s, v, i) => s + v * em.matrix[i * 2 + j]!, 0);
    expect(gap(0)).toBeCloseTo(2 - 3, 6);
    expect(gap(1)).toBeCloseTo((1 + 3 + 6) / 3 - 3, 6);
  });
});

describe('equalized loss', () => {
  it('EL: equality multipliers take both signs; their n_g-weighted errors sum to 0', () => {
    const { model, w } = identityModel();
    const el = equalizedLossProblem(model, 3, priors);
    const opt = new ConstrainedOptimizer({
      problem: el.problem,
      params: { w },
      primal: new SGD({ lr: 0 }),
      dual: new GradientAscent({ lr: 1 }),
    });
    const batch = makeBatch(rows, labels, { ids: groupIds, numGroups: 3 });
    opt.roll(batch).dispose();
    const mu = el.multiplier.value;
    expect(Math.min(...mu)).toBeLessThan(0);
    expect(Math.max(...mu)).toBeGreaterThan(0);
    expect(2 * mu[0]! + 2 * mu[1]! + mu[2]!).toBeCloseTo(0, 6);
    tf.dispose([batch.x, batch.y, w]);
  });

  it('EL+RB: the dual reads buffered losses of full groups only; abs makes every error ≥ 0', () => {
    const { model, w } = identityModel();
    const ce = rows.map((r, i) => hostCrossEntropy(r, labels[i]!));
    for (const abs of [false, true]) {
      const el = equalizedLossProblem(model, 3, priors, {
        buffer: 2,
        abs,
        overallEstimate: 'bufferMean',
      });
      const opt = new ConstrainedOptimizer({
        problem: el.problem,
        params: { w },
        primal: new SGD({ lr: 0 }),
        dual: new GradientAscent({ lr: 1 }),
      });
      const batch = makeBatch(rows, labels, { ids: groupIds, numGroups: 3 });
      const out = opt.roll(batch);
      const l0 = (ce[0]! + ce[1]!) / 2;
      const l1 = (ce[2]! + ce[3]!) / 2;
      const avg = (l0 + l1) / 2;
      const f = abs ? Math.abs : (v: number) => v;
      expect(Array.from(out.violations.lossGap!.indices!)).toEqual([0, 1]);
      expect(el.multiplier.value[0]).toBeCloseTo(f(l0 - avg), 5);
      expect(el.multiplier.value[1]).toBeCloseTo(f(l1 - avg), 5);
      expect(el.multiplier.value[2]).toBe(0);
      out.dispose();
      tf.dispose([batch.x, batch.y]);
    }
    w.dispose();
  });
});

describe('bad input', () => {
  it('ε < 0, buffer, overall estimate', () => {
    const { model, w } = identityModel();
    expect(() => ceagProblem(model, dense, priors, { epsilon: -0.01 })).toThrow(
      /epsilon must be a finite number >= 0; got -0.01/,
    );
    expect(() => ceagProblem(model, dense, priors, { buffer: -1 })).toThrow(/buffer must be an integer >= 0/);
    expect(() => ceagProblem(model, dense, priors, { overallEstimate: 'mean' as never })).toThrow(
      /overallEstimate must be one of/,
    );
    expect(() => equalizedLossProblem(model, 3, priors, { abs: 1 as never })).toThrow(
      /abs must be a boolean/,
    );
    w.dispose();
  });
});
