import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Optimizer } from '../optim/optimizer.js';
import { expectBitIdentical } from './numeric.js';
import { quadraticProblem, rosenbrockProblem, type ToyProblem } from './problems.js';

/** Budget for one toy problem: the optimizer must reach `tol` distance to the minimiser within `steps`. */
export interface ProblemBudget {
  /** Builds a fresh optimizer tuned for this problem. */
  readonly create: () => Optimizer;
  /** Step budget. */
  readonly steps: number;
  /** Required final Euclidean distance to the minimiser. */
  readonly tol: number;
}

/** Options of {@link optimizerConformance}. */
export interface ConformanceOptions {
  /** Convergence on the 10-d quadratic (condition number 10). */
  readonly quadratic: ProblemBudget;
  /** Convergence on 2-d Rosenbrock from (−1.5, 2). */
  readonly rosenbrock: ProblemBudget;
  /** Hyperparameter sets that must be rejected, with the message they must produce. */
  readonly invalid: readonly { readonly create: () => unknown; readonly message: RegExp }[];
  /** Runs before the suite (e.g. `initBackend`). */
  readonly setup?: () => Promise<unknown>;
  /**
   * Whether the class is built from one config object, so `new (opt.constructor)(opt.config)` must
   * rebuild it (checked). Default true; false for wrappers built from other optimizers.
   */
  readonly configurable?: boolean;
}

async function runProblem(
  opt: Optimizer,
  p: ToyProblem,
  steps: number,
  x?: tf.Variable,
): Promise<tf.Variable> {
  const v = x ?? tf.tidy(() => tf.variable(tf.tensor1d(p.start), true));
  for (let i = 0; i < steps; i++) opt.minimize(() => p.loss(v), { x: v }).dispose();
  return v;
}

async function distance(x: tf.Tensor, solution: number[]): Promise<number> {
  const d = tf.tidy(() => tf.norm(tf.sub(x, tf.tensor1d(solution))));
  const out = (await d.data())[0]!;
  d.dispose();
  return out;
}

/**
 * The shared optimizer conformance suite: every optimizer in every package calls it in one line.
 * It checks convergence on a quadratic and on Rosenbrock within a budget, no tensor leak per step or
 * after dispose, bit-identical resume from `getState`/`setState`, determinism, and clear errors for
 * invalid hyperparameters, and that `config` rebuilds an equivalent optimizer.
 */
export function optimizerConformance(label: string, o: ConformanceOptions): void {
  describe(`${label} conformance`, () => {
    if (o.setup) it('sets up', async () => void (await o.setup!()));

    for (const p of [quadraticProblem(), rosenbrockProblem()]) {
      it(`converges on ${p.name} within ${o[p.name].steps} steps`, async () => {
        const opt = o[p.name].create();
        const x = await runProblem(opt, p, o[p.name].steps);
        expect(await distance(x, p.solution)).toBeLessThan(o[p.name].tol);
        opt.dispose();
        x.dispose();
      });
    }

    it('leaks no tensor per step and frees its state on dispose', async () => {
      const p = quadraticProblem();
      const opt = o.quadratic.create();
      const base = tf.memory().numTensors;
      const x = await runProblem(opt, p, 2);
      const afterWarm = tf.memory().numTensors;
      await runProblem(opt, p, 5, x);
      expect(tf.memory().numTensors).toBe(afterWarm);
      opt.dispose();
      x.dispose();
      expect(tf.memory().numTensors).toBe(base);
    });

    it('resumes bit-identically from getState/setState', async () => {
      const p = quadraticProblem();
      const a = o.quadratic.create();
      const x = await runProblem(a, p, 5);
      const state = JSON.parse(JSON.stringify(await a.getState()));
      const x5 = tf.tidy(() => tf.variable(tf.clone(x), true));
      await runProblem(a, p, 5, x);
      const b = o.quadratic.create();
      b.setState(state);
      await runProblem(b, p, 5, x5);
      expect(b.iterations).toBe(a.iterations);
      expectBitIdentical(await x5.data(), await x.data());
      tf.dispose([x, x5]);
      a.dispose();
      b.dispose();
    });

    if (o.configurable ?? true)
      it('rebuilds from its config: new (opt.constructor)(opt.config) takes the same steps', async () => {
        const p = rosenbrockProblem();
        const a = o.rosenbrock.create();
        const Same = a.constructor as new (config: unknown) => Optimizer;
        const b = new Same(a.config);
        expect(b.name).toBe(a.name);
        const xa = await runProblem(a, p, 10);
        const xb = await runProblem(b, p, 10);
        expectBitIdentical(await xb.data(), await xa.data());
        tf.dispose([xa, xb]);
        a.dispose();
        b.dispose();
      });

    it('is deterministic', async () => {
      const p = rosenbrockProblem();
      const runs: Float32Array[] = [];
      for (let r = 0; r < 2; r++) {
        const opt = o.rosenbrock.create();
        const x = await runProblem(opt, p, 20);
        runs.push((await x.data()) as Float32Array);
        opt.dispose();
        x.dispose();
      }
      expectBitIdentical(runs[0]!, runs[1]!);
    });

    it('rejects invalid hyperparameters with a clear error', () => {
      expect(o.invalid.length).toBeGreaterThan(0);
      for (const bad of o.invalid) expect(bad.create).toThrow(bad.message);
    });
  });
}
