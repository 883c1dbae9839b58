import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Optimizer } from '../optim/optimizer.js';
import type { OptimizerState } from '../optim/optimizer-state.js';
import { toTfjsOptimizer } from '../optim/tfjs-adapter.js';
import { valueAndGrads } from '../params/grads.js';
import { PaperkitInputError } from '../validate/errors.js';
import { expectBitIdentical } from './numeric.js';
import { quadraticProblem, rosenbrockProblem, type ToyProblem } from './problems.js';
import { badStates } from './state-cases.js';

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
}

function start(p: ToyProblem): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor1d(p.start), true));
}

function runProblem(opt: Optimizer, p: ToyProblem, steps: number, x?: tf.Variable): tf.Variable {
  const v = x ?? start(p);
  for (let i = 0; i < steps; i++) opt.minimize(() => p.loss(v), { x: v }).dispose();
  return v;
}

function distance(x: tf.Tensor, solution: number[]): number {
  const d = tf.tidy(() => tf.norm(tf.sub(x, tf.tensor1d(solution))));
  const out = d.dataSync()[0]!;
  d.dispose();
  return out;
}

/**
 * The shared optimizer conformance suite: every optimizer in every package calls it in one line. It
 * checks convergence on a quadratic and on Rosenbrock within a budget; no tensor leak per step or
 * after dispose; that `getState()` is synchronous plain data and that resuming from it equals the
 * uninterrupted run bit for bit; that `setState` rejects bad states (another optimizer or chain,
 * other parameter names, wrong shapes, non-finite values, negative or non-integer steps) with a
 * `PaperkitInputError` naming the field and without changing anything; determinism; the same numbers
 * when tfjs drives it through `toTfjsOptimizer` (the `model.fit` path); and clear errors for invalid
 * hyperparameters.
 */
export function optimizerConformance(label: string, o: ConformanceOptions): void {
  describe(`${label} conformance`, () => {
    if (o.setup) it('sets up', async () => void (await o.setup!()));

    for (const p of [quadraticProblem(), rosenbrockProblem()]) {
      it(`converges on ${p.name} within ${o[p.name].steps} steps`, () => {
        const opt = o[p.name].create();
        const x = runProblem(opt, p, o[p.name].steps);
        expect(distance(x, p.solution)).toBeLessThan(o[p.name].tol);
        opt.dispose();
        x.dispose();
      });
    }

    it('leaks no tensor per step and frees its state on dispose', () => {
      const p = quadraticProblem();
      const opt = o.quadratic.create();
      const base = tf.memory().numTensors;
      const x = runProblem(opt, p, 2);
      const afterWarm = tf.memory().numTensors;
      runProblem(opt, p, 5, x);
      expect(tf.memory().numTensors).toBe(afterWarm);
      opt.dispose();
      x.dispose();
      expect(tf.memory().numTensors).toBe(base);
    });

    it('resume equals uninterrupted: getState() is plain data, setState continues bit for bit', () => {
      const p = quadraticProblem();
      const a = o.quadratic.create();
      const x = runProblem(a, p, 5);
      const raw = a.getState();
      expect(raw).not.toBeInstanceOf(Promise);
      const state = JSON.parse(JSON.stringify(raw)) as OptimizerState;
      expect(state).toEqual(raw);
      const x5 = tf.tidy(() => tf.variable(tf.clone(x), true));
      runProblem(a, p, 5, x);
      // Into a fresh optimizer (names checked at the next step) and into one that has stepped
      // elsewhere (names checked now): both continue exactly like the uninterrupted run.
      const b = o.quadratic.create();
      b.setState(state);
      const used = o.quadratic.create();
      const other = runProblem(used, p, 3);
      const x5b = tf.tidy(() => tf.variable(tf.clone(x5), true));
      used.setState(state, { x: x5b });
      runProblem(b, p, 5, x5);
      runProblem(used, p, 5, x5b);
      expect(b.iterations).toBe(a.iterations);
      expectBitIdentical(x5.dataSync(), x.dataSync());
      expectBitIdentical(x5b.dataSync(), x.dataSync());
      expect(JSON.parse(JSON.stringify(b.getState()))).toEqual(JSON.parse(JSON.stringify(a.getState())));
      tf.dispose([x, x5, x5b, other]);
      a.dispose();
      b.dispose();
      used.dispose();
    });

    it('setState rejects bad states naming the field, and changes nothing', () => {
      const p = quadraticProblem();
      const a = o.quadratic.create();
      const xa = runProblem(a, p, 5);
      const state = JSON.parse(JSON.stringify(a.getState())) as OptimizerState;
      const b = o.quadratic.create();
      const xb = runProblem(b, p, 5);
      const before = JSON.stringify(b.getState());
      const cases = badStates(state, 'x');
      expect(cases.length).toBeGreaterThan(8);
      for (const c of cases) {
        let error: unknown;
        try {
          b.setState(
            c.state as OptimizerState,
            c.params === 'x' ? { x: xb } : c.params === 'other' ? { y: xb } : undefined,
          );
          if (c.atStep) runProblem(b, p, 1, xb);
        } catch (err) {
          error = err;
        }
        expect(error, `${c.label}: no error`).toBeInstanceOf(PaperkitInputError);
        expect((error as Error).message, c.label).toMatch(c.message);
        if (!c.atStep) expect(JSON.stringify(b.getState()), `${c.label} changed the state`).toBe(before);
        else b.setState(JSON.parse(before) as OptimizerState);
      }
      runProblem(a, p, 3, xa);
      runProblem(b, p, 3, xb);
      expectBitIdentical(xb.dataSync(), xa.dataSync());
      tf.dispose([xa, xb]);
      a.dispose();
      b.dispose();
    });

    it('is deterministic', () => {
      const p = rosenbrockProblem();
      const runs: Float32Array[] = [];
      for (let r = 0; r < 2; r++) {
        const opt = o.rosenbrock.create();
        const x = runProblem(opt, p, 20);
        runs.push(x.dataSync() as Float32Array);
        opt.dispose();
        x.dispose();
      }
      expectBitIdentical(runs[0]!, runs[1]!);
    });

    it('takes the same steps inside tfjs (toTfjsOptimizer, the model.fit path)', () => {
      const p = rosenbrockProblem();
      const direct = o.rosenbrock.create();
      const xd = start(p);
      // The toy problems name their one parameter `x`; tfjs hands the adapter the variable's own name.
      const adapter = toTfjsOptimizer(o.rosenbrock.create(), { paramName: () => 'x' });
      const xt = start(p);
      for (let i = 0; i < 10; i++) {
        const { value, grads } = valueAndGrads(() => p.loss(xd), { x: xd });
        direct.step({ x: xd }, grads);
        tf.dispose([value, ...Object.values(grads)]);
        adapter.minimize(() => p.loss(xt), false, [xt]);
      }
      expect(adapter.iterations).toBe(10);
      expectBitIdentical(xt.dataSync(), xd.dataSync());
      direct.dispose();
      adapter.dispose();
      tf.dispose([xd, xt]);
    });

    it('rejects invalid hyperparameters with a clear error', () => {
      expect(o.invalid.length).toBeGreaterThan(0);
      for (const bad of o.invalid) expect(bad.create).toThrow(bad.message);
    });
  });
}
