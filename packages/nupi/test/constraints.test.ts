import { initBackend, SGD } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdditivePenaltyUpdater,
  augmentedLagrangianTerm,
  defineConstraint,
  defineProblem,
  denseMultiplier,
  implicitMultiplier,
  indexedMultiplier,
  MultiplicativePenaltyUpdater,
  penaltyCoefficient,
  quadraticPenaltyTerm,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

async function value(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

describe('formulation checks', () => {
  it('quadratic penalty ½Σc·relu(g)² for g = (−1, 2), c = 1 is 2.0; equality ½Σc·h² is 2.5', async () => {
    const g = tf.tensor1d([-1, 2]);
    const c = tf.tensor1d([1, 1]);
    expect(await value(quadraticPenaltyTerm('inequality', g, c))).toBe(2);
    expect(await value(quadraticPenaltyTerm('equality', g, c))).toBe(2.5);
    tf.dispose([g, c]);
  });

  it('augmented Lagrangian (inequality) equals (1/2c)[relu(λ + cg)² − λ²] and stays finite as c → 0⁺ and at c = 0', async () => {
    const lam = [0, 0.5, 2, 1, 0];
    const gs = [0.3, -0.2, 1.5, -4, -1];
    for (const cv of [1, 0.1, 1e-3, 1e-8, 0]) {
      const got = await value(
        augmentedLagrangianTerm('inequality', tf.tensor1d(gs), tf.tensor1d(lam), tf.fill([5], cv)),
      );
      expect(Number.isFinite(got)).toBe(true);
      // Reference in float64: the formula for c > 0, its limit Σλg for c = 0 (Cooper #106 gave NaN).
      const ref =
        cv === 0
          ? lam.reduce((s, l, i) => s + l * gs[i]!, 0)
          : lam.reduce((s, l, i) => s + (Math.max(0, l + cv * gs[i]!) ** 2 - l * l) / (2 * cv), 0);
      expect(got).toBeCloseTo(ref, 4);
    }
  });

  it('augmented Lagrangian gradient w.r.t. g is relu(λ + cg) (inequality) and λ + ch (equality), finite at c = 0', () => {
    const lam = tf.tensor1d([0, 0.5, 2]);
    const c = tf.tensor1d([0, 0.5, 2]);
    const g = tf.tensor1d([0.4, -3, -0.5]);
    const [dIneq] = tf.grads((x: tf.Tensor) => augmentedLagrangianTerm('inequality', x, lam, c))([g]);
    const [dEq] = tf.grads((x: tf.Tensor) => augmentedLagrangianTerm('equality', x, lam, c))([g]);
    expect(Array.from(dIneq!.dataSync())).toEqual([0, 0, 1]);
    const eq = Array.from(dEq!.dataSync());
    expect(eq[0]).toBeCloseTo(0, 6);
    expect(eq[1]).toBeCloseTo(-1, 6);
    expect(eq[2]).toBeCloseTo(1, 6);
    tf.dispose([lam, c, g, dIneq!, dEq!]);
  });
});

describe('penalty updaters', () => {
  it('multiplicative: violation 2e-4 > 1e-4 grows c by 1.01; 5e-5 keeps it; a feasible inequality resets to init', () => {
    const u = new MultiplicativePenaltyUpdater();
    const p = penaltyCoefficient([2, 2, 2]);
    u.update(p, 'inequality', [2e-4, 5e-5, 0.5]);
    expect(Array.from(p.value)).toEqual([2 * 1.01, 2, 2 * 1.01]);
    u.update(p, 'inequality', [-1, 1, 0]);
    expect(Array.from(p.value)).toEqual([2, 2 * 1.01, 2]);
  });

  it('equalities use |h| and never restart; a shared coefficient reacts to the norm of the violation vector', () => {
    const u = new AdditivePenaltyUpdater({ increment: 0.5 });
    const p = penaltyCoefficient([1, 1]);
    u.update(p, 'equality', [-2e-4, 0]);
    expect(Array.from(p.value)).toEqual([1.5, 1]);
    const shared = penaltyCoefficient(1);
    // ‖relu(−1, 6e-5, 8e-5)‖ = 1e-4, not above the tolerance; ‖(·, 3e-4)‖ is.
    u.update(shared, 'inequality', [-1, 6e-5, 8e-5]);
    expect(shared.value[0]).toBe(1);
    u.update(shared, 'inequality', [-1, 3e-4]);
    expect(shared.value[0]).toBe(1.5);
  });

  it('indexed coefficients update only the observed entries, once per repeated index', () => {
    const u = new MultiplicativePenaltyUpdater({ growthFactor: 2 });
    const p = penaltyCoefficient([1, 1, 1, 1], { indexed: true });
    u.update(p, 'inequality', [1, 1, 1], Int32Array.of(2, 0, 2));
    expect(Array.from(p.value)).toEqual([2, 1, 2, 1]);
  });

  it('rejects bad options', () => {
    expect(() => new MultiplicativePenaltyUpdater({ violationTolerance: -1 })).toThrow(
      /violationTolerance must be a finite number >= 0/,
    );
    expect(() => new MultiplicativePenaltyUpdater({ growthFactor: 0 })).toThrow(
      /growthFactor must be a finite number > 0/,
    );
    expect(() => penaltyCoefficient(-1)).toThrow(/init\[0\] must be a finite number >= 0; got -1/);
    expect(() => penaltyCoefficient(2, { indexed: true })).toThrow(
      /one coefficient per constraint \(indexed\)/,
    );
  });
});

describe('defineConstraint', () => {
  const implicitIneq = () => {
    const w = tf.variable(tf.zeros([2, 1]));
    return implicitMultiplier({
      kind: 'inequality',
      params: { w },
      forward: (p, f) => tf.matMul(f, p.w!).reshape([-1]),
      optimizer: new SGD({ lr: 0.1 }),
      project: (p) => p.w!.assign(tf.relu(p.w!)),
    });
  };

  it('invalid combinations are compile-time errors (checked by tsc on this file) and run-time errors', () => {
    const pen = penaltyCoefficient(1);
    expect(() =>
      // @ts-expect-error a quadratic penalty takes no multiplier
      defineConstraint({
        kind: 'inequality',
        formulation: 'quadraticPenalty',
        penalty: pen,
        multiplier: denseMultiplier(2),
      }),
    ).toThrow(/multiplier must be absent: the quadratic penalty has no multiplier/);
    expect(() =>
      // @ts-expect-error the Lagrangian takes no penalty
      defineConstraint({
        kind: 'equality',
        formulation: 'lagrangian',
        multiplier: denseMultiplier(2),
        penalty: penaltyCoefficient(1),
      }),
    ).toThrow(/penalty must be absent for the Lagrangian formulation/);
    expect(() =>
      // @ts-expect-error the augmented Lagrangian needs a penalty
      defineConstraint({
        kind: 'equality',
        formulation: 'augmentedLagrangian',
        multiplier: denseMultiplier(2),
      }),
    ).toThrow(/penalty must be a penalty coefficient \(augmented Lagrangian\)/);
    const imp = implicitIneq();
    expect(() =>
      // @ts-expect-error an inequality (projected) implicit multiplier cannot serve an equality constraint
      defineConstraint({ kind: 'equality', formulation: 'lagrangian', multiplier: imp }),
    ).toThrow(/multiplier.kind must be "equality"/);
    expect(() =>
      // @ts-expect-error the augmented Lagrangian takes explicit multipliers only
      defineConstraint({
        kind: 'inequality',
        formulation: 'augmentedLagrangian',
        multiplier: implicitIneq(),
        penalty: penaltyCoefficient(1),
      }),
    ).toThrow(/multiplier must be a dense or indexed multiplier/);
    expect(() =>
      // @ts-expect-error equality multipliers are never projected
      implicitMultiplier({
        kind: 'equality',
        params: { w: tf.variable(tf.zeros([1])) },
        forward: (p) => p.w!,
        optimizer: new SGD({ lr: 0.1 }),
        project: () => {},
      }),
    ).toThrow(/project must be absent: equality multipliers are never projected/);
    expect(() =>
      // @ts-expect-error an inequality implicit multiplier needs a projection
      implicitMultiplier({
        kind: 'inequality',
        params: { w: tf.variable(tf.zeros([1])) },
        forward: (p) => p.w!,
        optimizer: new SGD({ lr: 0.1 }),
      }),
    ).toThrow(/project must be a function restoring λ >= 0/);
  });

  it('value rules: λ₀ ≥ 0 for inequalities, indexed penalty size, one owner per multiplier', () => {
    expect(() =>
      defineConstraint({
        kind: 'inequality',
        formulation: 'lagrangian',
        multiplier: denseMultiplier(2, { init: [1, -1] }),
      }),
    ).toThrow(/multiplier.init\[1\] must be a number >= 0 \(inequality multiplier\); got -1/);
    expect(
      defineConstraint({
        kind: 'equality',
        formulation: 'lagrangian',
        multiplier: denseMultiplier(2, { init: [1, -1] }),
      }).kind,
    ).toBe('equality');
    expect(() =>
      defineConstraint({
        kind: 'inequality',
        formulation: 'augmentedLagrangian',
        multiplier: indexedMultiplier(3),
        penalty: penaltyCoefficient([1, 1], { indexed: true }),
      }),
    ).toThrow(/penalty must be 3 \(one per multiplier\)/);
    const m = denseMultiplier(1);
    defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: m });
    expect(() => defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: m })).toThrow(
      /multiplier must be a fresh object per constraint/,
    );
    expect(() => denseMultiplier(0)).toThrow(/size must be an integer >= 1/);
    expect(() => denseMultiplier(2, { init: [1] })).toThrow(/init must be a number or an array of 2 numbers/);
  });

  it('defineProblem checks names and constraints', () => {
    const c = defineConstraint({
      kind: 'inequality',
      formulation: 'lagrangian',
      multiplier: denseMultiplier(1),
    });
    expect(() =>
      defineProblem({ constraints: { 'bad name': c }, computeState: () => ({ constraints: {} }) }),
    ).toThrow(/constraints must be names made of letters/);
    expect(() =>
      defineProblem({
        constraints: { c: { kind: 'inequality' } as never },
        computeState: () => ({ constraints: {} }),
      }),
    ).toThrow(/constraints.c must be a constraint from defineConstraint\(\)/);
    const p = defineProblem({
      constraints: { c },
      // @ts-expect-error state keys are the constraint names
      computeState: () => ({ constraints: { other: { violation: tf.scalar(0) } } }),
    });
    expect(Object.keys(p.constraints)).toEqual(['c']);
  });
});
