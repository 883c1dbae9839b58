import { Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectBitIdentical } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import {
  DualAdam,
  type DualOptimizer,
  GradientAscent,
  Nesterov,
  NuPI,
  PIDLagrangian,
  PolyakMomentum,
} from '../src/index.js';

/** Runs a dual optimizer from θ₀ on a fixed error sequence and returns θ after each step. */
function run(opt: DualOptimizer, theta0: number[], errors: number[][], nonNegative: boolean): number[][] {
  const theta = Float64Array.from(theta0);
  return errors.map((e) => {
    opt.step(theta, e, { nonNegative });
    return Array.from(theta);
  });
}

function randomErrors(rng: Rng, steps: number, m: number, scale = 1): number[][] {
  return Array.from({ length: steps }, () => Array.from({ length: m }, () => rng.normal(0, scale)));
}

describe('νPI hand-computed sequences', () => {
  it('zeros init, κ_i = 1, κ_p = 2, ν = 0.5: errors (1, .5, −.25) give θ = (2, 2.5, 1.5), ξ = (.5, .5, .125)', () => {
    const opt = new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'zeros' });
    const theta = new Float64Array(1);
    const thetas: number[] = [];
    const xis: number[] = [];
    for (const e of [1, 0.5, -0.25]) {
      opt.step(theta, [e], { nonNegative: true });
      thetas.push(theta[0]!);
      xis.push(opt.getState().buffers.xi![0]!);
    }
    expect(thetas).toEqual([2, 2.5, 1.5]);
    expect(xis).toEqual([0.5, 0.5, 0.125]);
  });

  it('errors (1, −3): inequality θ = (2, 0), equality θ = (2, −4.5)', () => {
    const ineq = run(new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'zeros' }), [0], [[1], [-3]], true);
    const eq = run(new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'zeros' }), [0], [[1], [-3]], false);
    expect(ineq.map((t) => t[0])).toEqual([2, 0]);
    expect(eq.map((t) => t[0])).toEqual([2, -4.5]);
  });

  it('sgd init (first step pure GA, then ξ₀ = (1−ν)e₀, Cooper sparse path) on (1, .5, −.25) gives θ = (1, 1.5, .5)', () => {
    // Hand computation: θ₁ = 1·1, ξ₀ = .5; ξ₁ = .25 + .25 = .5, θ₂ = 1 + .5 + 2(.5 − .5) = 1.5;
    // ξ₂ = .25 − .125 = .125, θ₃ = 1.5 − .25 + 2(.125 − .5) = .5. An earlier hand oracle listed (1, 1, 0) here,
    // which is what ξ₀ = e₀ (Cooper's docstring, "ξ₋₁ = e₀") gives; its own decision text and Cooper's
    // test_sparse_nupi_update_sgd_init pin ξ₀ = (1−ν)e₀, which we follow (README, Fidelity).
    const opt = new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'sgd' });
    const theta = new Float64Array(1);
    const thetas: number[] = [];
    const xis: number[] = [];
    for (const e of [1, 0.5, -0.25]) {
      opt.step(theta, [e], { nonNegative: true });
      thetas.push(theta[0]!);
      xis.push(opt.getState().buffers.xi![0]!);
    }
    expect(thetas).toEqual([1, 1.5, 0.5]);
    expect(xis).toEqual([0.5, 0.5, 0.125]);
    // With a negative third error the same recursion crosses zero: inequality clamps, equality does not.
    const errs = [[1], [0.5], [-1.25]];
    const ineq = run(new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'sgd' }), [0], errs, true);
    const eq = run(new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'sgd' }), [0], errs, false);
    // ξ₂ = .25 − .625 = −.375, θ₃ = 1.5 − 1.25 + 2(−.375 − .5) = −1.5.
    expect(ineq.map((t) => t[0])).toEqual([1, 1.5, 0]);
    expect(eq.map((t) => t[0])).toEqual([1, 1.5, -1.5]);
  });

  it('Cooper units: κ = η·K, and weight decay θ −= η·wd·θ enters after the PI terms, outside ξ', () => {
    const a = run(
      new NuPI({ lr: 0.5, ki: 2, kp: 4, nu: 0.5, init: 'zeros' }),
      [0],
      [[1], [0.5], [-0.25]],
      false,
    );
    expect(a.map((t) => t[0])).toEqual([2, 2.5, 1.5]);
    const opt = new NuPI({ lr: 1, ki: 1, kp: 2, nu: 0.5, init: 'zeros', weightDecay: 0.1 });
    const theta = Float64Array.of(1);
    opt.step(theta, [1]);
    // 1 + (1 + 2·0.5)·1 − 0.1·1 = 2.9; ξ unaffected by the decay.
    expect(theta[0]).toBeCloseTo(2.9, 15);
    expect(opt.getState().buffers.xi).toEqual([0.5]);
  });
});

describe('reductions and equivalences on random error sequences', () => {
  it('κ_p = 0 is projected GA bit for bit, for any ν and either init', () => {
    const rng = Rng.fromSeed(1).stream('ga');
    for (const init of ['zeros', 'sgd'] as const)
      for (const nu of [0, 0.5, -0.7, 0.99])
        for (const nonNegative of [true, false]) {
          const errors = randomErrors(rng, 60, 5);
          const ref = run(new GradientAscent({ lr: 0.37 }), [0.2, 0, 1, 3, 0.5], errors, nonNegative);
          const got = run(
            new NuPI({ lr: 1, ki: 0.37, kp: 0, nu, init }),
            [0.2, 0, 1, 3, 0.5],
            errors,
            nonNegative,
          );
          for (let t = 0; t < ref.length; t++) expectBitIdentical(got[t]!, ref[t]!);
        }
  });

  it('Stooke PID Lagrangian (K_D = 0, α_p = ν, clamps inactive) = νPI position form, zeros init', () => {
    const rng = Rng.fromSeed(2).stream('pid');
    const nu = 0.8;
    const errors = randomErrors(rng, 50, 4, 0.3);
    const theta0 = [50, 60, 70, 80];
    const pid = run(
      new PIDLagrangian({ kp: 1.5, ki: 0.7, kd: 0, alphaP: nu, penaltyMax: Infinity }),
      theta0,
      errors,
      true,
    );
    const pi = run(new NuPI({ lr: 1, kp: 1.5, ki: 0.7, nu, init: 'zeros' }), theta0, errors, true);
    // Position form by hand: θ_{t+1} = θ₀ + κ_p ξ_t + κ_i Σ e.
    const xi = [0, 0, 0, 0];
    const sum = [0, 0, 0, 0];
    const position = errors.map((e) =>
      e.map((v, i) => {
        xi[i] = nu * xi[i]! + (1 - nu) * v;
        sum[i]! += v;
        return theta0[i]! + 1.5 * xi[i]! + 0.7 * sum[i]!;
      }),
    );
    for (let t = 0; t < errors.length; t++) {
      expect(Math.min(...pi[t]!)).toBeGreaterThan(0); // clamps inactive, as the oracle requires
      expectAllClose(pid[t]!, position[t]!, { atol: 1e-12 });
      expectAllClose(pi[t]!, position[t]!, { atol: 1e-12 });
    }
  });

  it('PID Lagrangian clamps its integral and output (anti-windup) and caps at penaltyMax', () => {
    const pid = new PIDLagrangian({ kp: 0, ki: 1, penaltyMax: 2.5 });
    const theta = new Float64Array(1);
    const out: number[] = [];
    for (const e of [-1, -1, 1, 1, 1, 1]) {
      pid.step(theta, [e], { nonNegative: true });
      out.push(theta[0]!);
    }
    // The integral never goes below 0, so two −1s do not delay the rise; the output is capped.
    expect(out).toEqual([0, 0, 1, 2, 2.5, 2.5]);
    expect(() => pid.step(theta, [1], { nonNegative: false })).toThrow(
      /nonNegative must be true: PIDLagrangian/,
    );
  });
});

describe('projection semantics', () => {
  const makers: [string, () => DualOptimizer][] = [
    ['NuPI κ_p > 0', () => new NuPI({ lr: 1, ki: 0.5, kp: 3, nu: 0.3 })],
    ['NuPI κ_p < 0', () => new NuPI({ lr: 1, ki: 0.5, kp: -2, nu: 0.6, init: 'zeros' })],
    ['NuPI ν < 0', () => new NuPI({ lr: 1, ki: 0.5, kp: 4, nu: -0.5 })],
    ['GA', () => new GradientAscent({ lr: 0.5 })],
    ['Polyak', () => new PolyakMomentum({ lr: 0.5, momentum: 0.7 })],
    ['Nesterov', () => new Nesterov({ lr: 0.5, momentum: -0.4 })],
    ['Adam', () => new DualAdam({ lr: 0.1 })],
  ];
  for (const [label, make] of makers) {
    it(`${label}: inequality θ ≥ 0 after every step; equality never clamped; buffers never projected`, () => {
      const rng = Rng.fromSeed(3).stream(label);
      const errors = randomErrors(rng, 200, 6);
      const ineq = run(make(), [0, 0, 0, 1, 2, 3], errors, true);
      for (const th of ineq) for (const v of th) expect(v).toBeGreaterThanOrEqual(0);
      const eq = run(make(), [0, 0, 0, 1, 2, 3], errors, false);
      expect(eq.flat().some((v) => v < 0)).toBe(true);
    });
  }

  it('νPI ξ keeps negative values under projection (not projected, not reset)', () => {
    const opt = new NuPI({ lr: 1, ki: 1, kp: 1, nu: 0.5 });
    const theta = new Float64Array(1);
    for (const e of [-1, -2, -3]) opt.step(theta, [e], { nonNegative: true });
    expect(theta[0]).toBe(0);
    expect(opt.getState().buffers.xi![0]).toBeLessThan(0);
  });
});

describe('indexed updates', () => {
  const makers: [string, () => DualOptimizer][] = [
    ['NuPI sgd', () => new NuPI({ lr: 1, ki: 0.5, kp: 2, nu: 0.5, init: 'sgd' })],
    ['NuPI zeros', () => new NuPI({ lr: 1, ki: 0.5, kp: 2, nu: 0.5, init: 'zeros' })],
    ['Polyak', () => new PolyakMomentum({ lr: 0.3, momentum: 0.6 })],
    ['Adam', () => new DualAdam({ lr: 0.1 })],
    ['PID', () => new PIDLagrangian({ kp: 1, ki: 0.5, kd: 0.3, delay: 3 })],
  ];
  for (const [label, make] of makers) {
    it(`${label}: unobserved coordinates keep θ and every buffer bit for bit; each coordinate follows its own dense run`, () => {
      const rng = Rng.fromSeed(4).stream(label);
      const m = 8;
      const opt = make();
      const theta = Float64Array.from({ length: m }, () => rng.uniform(0, 1));
      const start = Float64Array.from(theta);
      const seqs: number[][] = Array.from({ length: m }, () => []);
      for (let t = 0; t < 40; t++) {
        const obs = Int32Array.from(rng.sampleWithoutReplacement(m, 1 + rng.int(m - 1)));
        const err = Array.from(obs, () => rng.normal());
        const before = opt.getState();
        const thetaBefore = Float64Array.from(theta);
        opt.step(theta, err, { observed: obs, nonNegative: true });
        const after = opt.getState();
        const touched = new Set(obs);
        for (let i = 0; i < m; i++) {
          if (touched.has(i)) continue;
          expect(Object.is(theta[i], thetaBefore[i])).toBe(true);
          // Buffers are allocated zero-filled at the first step.
          for (const [b, vals] of Object.entries(after.buffers))
            if (vals.length === m) expect(Object.is(vals[i], before.buffers[b]?.[i] ?? 0)).toBe(true);
        }
        obs.forEach((i, k) => {
          seqs[i]!.push(err[k]!);
        });
      }
      // Coordinate i, run densely on its own subsequence, ends at the same value.
      for (let i = 0; i < m; i++) {
        const solo = make();
        const th = Float64Array.of(start[i]!);
        for (const e of seqs[i]!) solo.step(th, [e], { nonNegative: true });
        expect(th[0]).toBe(theta[i]);
      }
    });
  }

  it('sgd init: a coordinate first observed late takes a pure GA step while the others are warm (Cooper test_sparse_nupi_update_sgd_init)', () => {
    const opt = new NuPI({ lr: 1, ki: 0.5, kp: 2, nu: 0, init: 'sgd' });
    const theta = new Float64Array(3);
    opt.step(theta, [1, 1], { observed: Int32Array.of(0, 1) });
    opt.step(theta, [2, 2], { observed: Int32Array.of(1, 2) });
    // Coordinate 1 is warm: 0.5 + 0.5·2 + 2·(2 − 1) = 3.5; coordinate 2 is new: pure GA 0.5·2 = 1.
    expect(Array.from(theta)).toEqual([0.5, 3.5, 1]);
    expect(opt.getState().buffers.xi).toEqual([1, 2, 2]);
  });
});

describe('state round trips', () => {
  const makers: [string, () => DualOptimizer][] = [
    ['NuPI', () => new NuPI({ lr: 0.5, ki: [1, 2, 3, 4], kp: 2, nu: 0.4, weightDecay: 0.01 })],
    ['GA', () => new GradientAscent({ lr: 0.2 })],
    ['Polyak', () => new PolyakMomentum({ lr: 0.3, momentum: -0.5 })],
    ['Nesterov', () => new Nesterov({ lr: 0.3, momentum: 0.5 })],
    ['Adam', () => new DualAdam({ lr: 0.05 })],
    ['PID', () => new PIDLagrangian({ kp: 0.5, ki: 0.2, kd: 0.1, delay: 4 })],
  ];
  for (const [label, make] of makers) {
    it(`${label}: save after N steps, restore into a fresh instance through JSON, continue: bit-identical`, () => {
      const rng = Rng.fromSeed(5).stream(label);
      const errors = randomErrors(rng, 30, 4);
      const observed = errors.map(() => Int32Array.from(rng.sampleWithoutReplacement(4, 3)));
      const a = make();
      const theta = Float64Array.of(0.1, 0.2, 0.3, 0.4);
      for (let t = 0; t < 15; t++)
        a.step(theta, errors[t]!.slice(0, 3), { observed: observed[t]!, nonNegative: true });
      const saved = JSON.parse(JSON.stringify(a.getState()));
      const thetaB = Float64Array.from(theta);
      for (let t = 15; t < 30; t++)
        a.step(theta, errors[t]!.slice(0, 3), { observed: observed[t]!, nonNegative: true });
      const b = make();
      b.setState(saved);
      for (let t = 15; t < 30; t++)
        b.step(thetaB, errors[t]!.slice(0, 3), { observed: observed[t]!, nonNegative: true });
      expectBitIdentical(thetaB, theta);
      expect(b.steps).toBe(30);
      expect(b.getState()).toEqual(a.getState());
    });
  }

  it('reset forgets the buffers; setState rejects another class or size', () => {
    const opt = new NuPI({ lr: 1, kp: 1 });
    const theta = new Float64Array(2);
    opt.step(theta, [1, 1]);
    opt.reset();
    expect(opt.size).toBeUndefined();
    expect(opt.steps).toBe(0);
    expect(() => opt.setState(new GradientAscent({ lr: 1 }).getState())).toThrow(
      /state.optimizer must be "NuPI"/,
    );
    const fixed = new NuPI({ lr: 1, kp: [1, 2] });
    expect(() => fixed.setState({ optimizer: 'NuPI', size: 3, steps: 0, buffers: {} })).toThrow(
      /state.size must be 2/,
    );
  });
});

describe('bad input', () => {
  it('rejects invalid hyperparameters with the parameter, value and allowed range', () => {
    expect(() => new NuPI({ lr: -1 })).toThrow(/lr must be a finite number >= 0; got -1/);
    expect(() => new NuPI({ lr: 1, nu: 1 })).toThrow(/nu must be a number in \(-1, 1\); got 1/);
    expect(() => new NuPI({ lr: 1, nu: -1 })).toThrow(/nu must be a number in \(-1, 1\)/);
    expect(() => new NuPI({ lr: 1, init: 'ones' as 'sgd' })).toThrow(
      /init must be one of "zeros", "sgd"; got "ones"/,
    );
    expect(() => new NuPI({ lr: 1, kp: [1, Number.NaN] })).toThrow(
      /kp\[1\] must be a finite number; got NaN/,
    );
    expect(() => new NuPI({ lr: 1, kp: [1, 2], ki: [1, 2, 3] })).toThrow(/kp must be the same length as ki/);
    expect(() => new NuPI({ lr: 1, weightDecay: -0.1 })).toThrow(/weightDecay must be a finite number >= 0/);
    expect(() => new GradientAscent({ lr: -0.1 })).toThrow(/lr must be a finite number >= 0; got -0.1/);
    expect(() => new PolyakMomentum({ lr: 0.1, momentum: 1 })).toThrow(
      /momentum must be a number in \(-1, 1\)/,
    );
    expect(() => new Nesterov({ lr: 0.1, momentum: 0.5, dampening: 0.1 })).toThrow(
      /dampening must be 0 for Nesterov/,
    );
    expect(() => new DualAdam({ lr: 0.1, beta2: 1 })).toThrow(/beta2 must be a number in \[0, 1\)/);
    expect(() => new PIDLagrangian({ delay: 0 })).toThrow(/delay must be an integer >= 1/);
  });

  it('rejects wrong vector lengths, out-of-range or repeated observed indices, non-finite errors', () => {
    const opt = new NuPI({ lr: 1, kp: [1, 2, 3] });
    expect(() => opt.step(new Float64Array(2), [1, 1])).toThrow(
      /theta must be a Float64Array of length 3 \(fixed by the per-coordinate hyperparameters\); got "length 2"/,
    );
    const theta = new Float64Array(3);
    expect(() => opt.step(theta, [1, 1])).toThrow(/error must be one violation per multiplier \(length 3\)/);
    expect(() => opt.step(theta, [1], { observed: Int32Array.of(3) })).toThrow(
      /observed\[0\] must be an index in \[0, 3\); got 3/,
    );
    expect(() => opt.step(theta, [1, 2], { observed: Int32Array.of(1, 1) })).toThrow(
      /observed\[1\] must be a unique index/,
    );
    expect(() => opt.step(theta, [1, 2], { observed: Int32Array.of(0) })).toThrow(
      /one violation per observed index \(length 1\)/,
    );
    expect(() => opt.step(theta, [1, Number.NaN, 0])).toThrow(/error\[1\] must be a finite number/);
    expect(() => opt.step(Array.from(theta) as unknown as Float64Array, [1, 2, 3])).toThrow(
      /theta must be a Float64Array/,
    );
    // A failed step changed nothing.
    expect(Array.from(theta)).toEqual([0, 0, 0]);
    expect(opt.steps).toBe(0);
  });
});
