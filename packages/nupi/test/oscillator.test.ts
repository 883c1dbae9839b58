import { type Experiment, initBackend } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { oscillator } from '../src/experiments/index.js';
import {
  criticalKp,
  dampingRatio,
  GradientAscent,
  iterationsToTolerance,
  maxValue,
  NuPI,
  PolyakMomentum,
  signChanges,
  simulateToyKkt,
} from '../src/index.js';
import { runExperiment } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const run = (
  dual: GradientAscent | NuPI | PolyakMomentum,
  order: 'dualPrimal' | 'simultaneous' = 'dualPrimal',
) => {
  const t = simulateToyKkt({ dual, steps: 2000, order });
  return {
    t,
    iterations: iterationsToTolerance(t.distance, 1e-3),
    reach4: iterationsToTolerance(t.distance, 1e-4),
    signChanges: signChanges(t.g),
    maxX: maxValue(t.x),
    maxLambda: maxValue(t.lambda),
  };
};

describe('headline reproduction: the 1-D KKT oscillator', () => {
  it('GA and νPI(κp = 5) both reach 1e-4 within 2000 steps; νPI(5) has 0 sign changes, GA ≥ 50 (spec margins)', () => {
    const ga = run(new GradientAscent({ lr: 0.5 }));
    const pi = run(new NuPI({ lr: 1, ki: 0.5, kp: 5 }));
    expect(ga.reach4).not.toBeNull();
    expect(pi.reach4).not.toBeNull();
    expect(pi.signChanges).toBe(0);
    expect(ga.signChanges).toBeGreaterThanOrEqual(50);
  });

  it("matches every row of our numpy prototype's table exactly (both init conventions agree here)", () => {
    const table: [() => GradientAscent | NuPI | PolyakMomentum, number | null, number, number, number][] = [
      [() => new GradientAscent({ lr: 0.5 }), 241, 70, 1.254, 1.601],
      [() => new NuPI({ lr: 1, ki: 0.5, kp: 2 }), 86, 19, 1.128, 1.169],
      [() => new NuPI({ lr: 1, ki: 0.5, kp: 5 }), 57, 0, 1.0, 1.0],
      [() => new NuPI({ lr: 1, ki: 0.5, kp: 10 }), 139, 0, 1.0, 1.029],
      [() => new NuPI({ lr: 1, ki: 0.5, kp: 5, nu: 0.9 }), 102, 37, 1.078, 1.478],
      [() => new NuPI({ lr: 1, ki: 0.5, kp: 5, nu: 0.9, init: 'zeros' }), 102, 37, 1.078, 1.478],
      [() => new PolyakMomentum({ lr: 0.5, momentum: 0.5 }), null, 139, 1.226, 1.974],
      [() => new PolyakMomentum({ lr: 0.5, momentum: -0.5 }), 223, 53, 1.29, 1.496],
    ];
    for (const [make, its, sc, mx, ml] of table) {
      const r = run(make());
      expect(r.iterations).toBe(its);
      expect(r.signChanges).toBe(sc);
      expect(r.maxX).toBeCloseTo(mx, 3);
      expect(r.maxLambda).toBeCloseTo(ml, 3);
    }
    const simGA = run(new GradientAscent({ lr: 0.5 }), 'simultaneous');
    const simPI = run(new NuPI({ lr: 1, ki: 0.5, kp: 5 }), 'simultaneous');
    expect([simGA.iterations, simGA.signChanges]).toEqual([477, 101]);
    expect([simPI.iterations, simPI.signChanges]).toEqual([59, 1]);
  });

  it('damping analysis: ζ(GA) ≈ 0.16 and κp* ≈ 5.3, and κp = 10 (overdamped) converges slower than κp = 5', () => {
    expect(dampingRatio(0.05, 0.5, 0)).toBeCloseTo(0.158, 3);
    expect(criticalKp(0.05, 0.5)).toBeCloseTo(5.32, 2);
    expect(dampingRatio(0.05, 0.5, criticalKp(0.05, 0.5))).toBeCloseTo(1, 12);
    expect(run(new NuPI({ lr: 1, ki: 0.5, kp: 10 })).iterations!).toBeGreaterThan(
      run(new NuPI({ lr: 1, ki: 0.5, kp: 5 })).iterations!,
    );
  });

  it('the experiment (quick preset): every claim holds and the plots build', async () => {
    const { summary, verdict, records } = await runExperiment(oscillator as unknown as Experiment, [0]);
    for (const id of [
      'ga-oscillates',
      'nupi-damps',
      'both-converge',
      'matches-prototype',
      'critical-gain',
      'momentum-does-not-fix',
      'nesterov-does-not-fix',
    ])
      expect({ id, status: verdict(id).status }).toEqual({ id, status: 'holds' });
    expect(summary.plots.map((p) => p.id)).toEqual(['lambda-pi', 'x-pi', 'lambda-momentum', 'kp-sweep']);
    expect(summary.plotErrors).toEqual([]);
    const ga = records.find((r) => r.cell.label === 'GA')!.result.metrics;
    const pi5 = records.find((r) => r.cell.label === 'νPI κp=5')!.result.metrics;
    expect([ga.iterations, pi5.iterations]).toEqual([241, 57]);
  });
});
