import { type Experiment, initBackend, resolveConfig } from '@paperkit/tensor-core';
import { expectNoLeak, experimentPackageConformance, fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { experiments, fairness, rateConstraint, sparsity, svm } from '../src/experiments/index.js';
import { runExperiment } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

experimentPackageConformance(experiments as unknown as readonly Experiment[], { prefix: 'nupi' });

it('the package registers its experiments, the oscillator as the headline', () => {
  expect(experiments.map((e) => e.id)).toEqual([
    'nupi/oscillator',
    'nupi/rate-constraint',
    'nupi/svm',
    'nupi/fairness',
    'nupi/sparsity',
  ]);
});

// The runner's results table puts cell parameters and metrics side by side: their names must differ.
it('cell parameter names are neither metric names nor seed/cell', () => {
  for (const e of experiments as unknown as readonly Experiment[])
    for (const preset of Object.keys(e.presets))
      for (const cell of e.cells(resolveConfig(e, preset)))
        for (const name of Object.keys(cell.params))
          expect([...Object.keys(e.metrics), 'seed', 'cell'], `${e.id} ${preset} ${name}`).not.toContain(
            name,
          );
});

it('schemas reject sizes beyond this machine and learning rates outside a sane range, naming the field', () => {
  const bad: [Experiment, Record<string, unknown>, RegExp][] = [
    [rateConstraint as unknown as Experiment, { n: 1e7 }, /rate-constraint: config field 'n'.*Too big/],
    [rateConstraint as unknown as Experiment, { lr: 1e30 }, /rate-constraint: config field 'lr'.*Too big/],
    [
      rateConstraint as unknown as Experiment,
      { kps: Array(100).fill(1) },
      /rate-constraint: config field 'kps'.*Too big/,
    ],
    [svm as unknown as Experiment, { primalLr: 5 }, /svm: config field 'primalLr'.*Too big/],
    [svm as unknown as Experiment, { steps: 1e9 }, /svm: config field 'steps'.*Too big/],
    [fairness as unknown as Experiment, { lr: 1 }, /fairness: config field 'lr'.*Too big/],
    [fairness as unknown as Experiment, { hidden: [100_000] }, /fairness: config field 'hidden\.0'.*Too big/],
    [fairness as unknown as Experiment, { ki: 1e6 }, /fairness: config field 'ki'.*Too big/],
    [sparsity as unknown as Experiment, { gateLr: 10 }, /sparsity: config field 'gateLr'.*Too big/],
    [sparsity as unknown as Experiment, { nTrain: 60_000 }, /sparsity: config field 'nTrain'.*Too big/],
    [
      sparsity as unknown as Experiment,
      { channels: [8, 16, 32, 64] },
      /sparsity: config field 'channels'.*Too big/,
    ],
  ];
  for (const [e, over, field] of bad) expect(() => resolveConfig(e, 'quick', over), e.id).toThrow(field);
});

describe('nupi/rate-constraint reproduces its effects over seeds 0–2 (float64)', () => {
  it('GA rings (≥ 20 raw sign changes, overshoot 0.4 ± 0.1); νPI κp = 5 has fewer sign changes and less overshoot', async () => {
    const c = resolveConfig(rateConstraint, 'quick');
    for (const seed of [0, 1, 2]) {
      const cell = async (kp: number) =>
        (await rateConstraint.cell(c, { constraint: 'smooth', kp, nu: 0 }, fakeCellContext(seed))).metrics;
      const ga = await cell(0);
      const pi = await cell(5);
      // The prototype's "about 30 sign changes" are raw counts; beyond a ±1e-4 dead band only a few remain.
      expect(ga.signChanges).toBeGreaterThanOrEqual(20);
      expect(ga.crossings).toBeLessThan(ga.signChanges);
      expect(Math.abs(ga.overshoot - 0.4)).toBeLessThan(0.1);
      expect(pi.signChanges).toBeLessThan(ga.signChanges);
      expect(pi.overshoot).toBeLessThan(ga.overshoot);
      // Both end at the same multiplier and rate (the constraint is active: rate = target).
      expect(Math.abs(pi.finalLambda - ga.finalLambda)).toBeLessThan(1e-6);
      expect(Math.abs(ga.hardRate - c.target)).toBeLessThan(0.02);
    }
  });
});

describe('nupi/svm (Iris splits of seeds 0–2, six κp rows of the grid)', () => {
  // Per seed, since counts of converged κi values are small integers: a 95% t-interval over 3 seeds
  // straddles the bounds even when every seed satisfies them (the runner then says "inconclusive").
  it('each split: GA converges for at most 2 κi values, the best κp > 0 row for ≥ 3 more, no κp < 0 row for more; the analytic set reaches λ*', async () => {
    const kps = [-20, -5, 0, 5, 30, 60];
    const { records } = await runExperiment(svm as unknown as Experiment, [0, 1, 2], {
      ablations: false,
      kps,
    });
    for (const seed of [0, 1, 2]) {
      const rows = records.filter((r) => r.seed === seed);
      const converged = (kp: number) =>
        rows.find((r) => r.cell.params.kp === kp)!.result.metrics.convergedKi!;
      const ga = converged(0);
      expect(ga).toBeLessThanOrEqual(2);
      expect(Math.max(converged(5), converged(30), converged(60)) - ga).toBeGreaterThanOrEqual(3);
      expect(Math.max(converged(-20), converged(-5)) - ga).toBeLessThanOrEqual(0);
      expect(rows.find((r) => r.cell.params.kp === 5)!.result.metrics.analyticDistance).toBeLessThan(1e-3);
    }
  });
});

describe('nupi/fairness (generated Adult stand-in)', () => {
  it('trains every kind of cell without leaking tensors (tiny sizes)', async () => {
    const c = resolveConfig(fairness, 'quick', {
      nTrain: 500,
      nTest: 200,
      hidden: [8],
      epochs: 3,
      batch: 250,
    });
    for (const p of fairness.cells(c)) {
      const r = await expectNoLeak(() => fairness.cell(c, p.params, fakeCellContext(4)));
      expect(r.series!.maxViolation!.y).toHaveLength(3);
      for (const v of Object.values(r.metrics)) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('over seeds 0–2: νPI enforces parity (< 0.05) with fewer flips beyond the dead band and smaller multipliers than GA', async () => {
    const c = resolveConfig(fairness, 'quick');
    const [kp, nu] = c.pis.at(-1)!;
    for (const seed of [0, 1, 2]) {
      const run = async (dual: string, k: number, p: number, n: number) =>
        (await fairness.cell(c, { dual, ki: k, kp: p, nu: n }, fakeCellContext(seed))).metrics;
      const ga = await run('PI', c.ki, 0, 0);
      const pi = await run('PI', c.ki, kp, nu);
      expect(pi.maxViolation).toBeLessThan(0.05);
      expect(pi.crossings).toBeLessThan(ga.crossings);
      expect(pi.maxLambda).toBeLessThan(ga.maxLambda);
    }
  }, 300_000);
});
