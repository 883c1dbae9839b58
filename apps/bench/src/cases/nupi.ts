/**
 * Benchmarks of @paperkit/nupi's hot paths, timed against baselines in the same process:
 * - the dual update (νPI, GA, indexed νPI) per step for m = 1e3 and 1e5 multipliers against a plain
 *   Float64Array axpy θ += η·e (the cheapest possible dual step);
 * - `ConstrainedOptimizer.roll` (dual→primal, one rate constraint) against a plain primal step of the
 *   same model and loss (tensor-core `SGD.minimize`), on the current tfjs backend.
 * Lower is better for every figure. Register with
 *   { name: 'nupi', run: (quick) => benchNupi({ quick }) }
 */

import {
  ConstrainedOptimizer,
  type DualOptimizer,
  defineConstraint,
  defineProblem,
  denseMultiplier,
  GradientAscent,
  NuPI,
} from '@paperkit/nupi';
import { Rng, SGD } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';

/** Options of {@link benchNupi}. */
export interface NupiBenchOptions {
  /** Tiny budgets (CI smoke run). */
  readonly quick?: boolean;
}

/** Median time in ms of `fn` over repetitions filling about `budgetMs`, after one warm-up call. */
function timeMs(fn: () => void, budgetMs: number): number {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 5 || (performance.now() - start < budgetMs && samples.length < 10_000)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function dualFigures(m: number, budget: number): BenchFigure[] {
  const rng = Rng.fromSeed(1).stream(`dual-${m}`);
  const error = rng.fillNormal(new Float64Array(m));
  const theta = new Float64Array(m);
  // Repeat inner steps so one sample lasts well above the timer resolution.
  const inner = Math.max(1, Math.round(2e5 / m));
  const axpy =
    timeMs(() => {
      for (let r = 0; r < inner; r++) for (let i = 0; i < m; i++) theta[i]! += 0.01 * error[i]!;
    }, budget) / inner;
  const observed = Int32Array.from(rng.sampleWithoutReplacement(m, Math.max(1, m / 10)));
  const observedErr = error.subarray(0, observed.length);
  const run = (name: string, opt: DualOptimizer, indexed = false): BenchFigure => {
    const th = new Float64Array(m);
    const ms =
      timeMs(() => {
        for (let r = 0; r < inner; r++)
          opt.step(
            th,
            indexed ? observedErr : error,
            indexed ? { observed, nonNegative: true } : { nonNegative: true },
          );
      }, budget) / inner;
    const base = indexed ? (axpy * observed.length) / m : axpy;
    return {
      name: `nupi dual step ${name}, m=${m}`,
      value: ms * 1000,
      unit: 'µs/step',
      baseline: base * 1000,
      ratio: ms / base,
      note: indexed
        ? 'baseline: axpy over the same number of entries'
        : 'baseline: Float64Array axpy θ += η·e',
    };
  };
  return [
    run('GradientAscent', new GradientAscent({ lr: 0.01 })),
    run('NuPI (κp, ν, sgd init)', new NuPI({ lr: 1, ki: 0.01, kp: 0.1, nu: 0.5 })),
    run('NuPI indexed 10%', new NuPI({ lr: 1, ki: 0.01, kp: 0.1, nu: 0.5 }), true),
  ];
}

function rollFigures(quick: boolean, budget: number): BenchFigure[] {
  const n = quick ? 256 : 2000;
  const d = 16;
  const rng = Rng.fromSeed(2);
  const X = tf.tensor2d(rng.stream('x').fillNormal(new Float32Array(n * d)), [n, d]);
  const Y = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i % 2));
  const make = () => ({
    w: tf.tidy(() => tf.variable(tf.zeros([d, 1]), true)),
    b: tf.tidy(() => tf.variable(tf.zeros([1]), true)),
  });
  const logits = (v: { w: tf.Variable; b: tf.Variable }) => tf.add(tf.matMul(X, v.w).reshape([-1]), v.b);
  const plainVars = make();
  const sgd = new SGD({ lr: 0.1 });
  const plain = timeMs(() => {
    sgd.minimize(() => tf.losses.sigmoidCrossEntropy(Y, logits(plainVars)) as tf.Scalar, plainVars).dispose();
  }, budget);
  const vars = make();
  const rate = defineConstraint({
    kind: 'inequality',
    formulation: 'lagrangian',
    multiplier: denseMultiplier(1),
  });
  const problem = defineProblem({
    constraints: { rate },
    computeState: () => {
      const z = logits(vars);
      return {
        loss: tf.losses.sigmoidCrossEntropy(Y, z),
        constraints: { rate: { violation: tf.sub(tf.mean(tf.sigmoid(z)), 0.3) } },
      };
    },
  });
  const opt = new ConstrainedOptimizer({
    problem,
    params: vars,
    primal: new SGD({ lr: 0.1 }),
    dual: new NuPI({ lr: 1, ki: 1, kp: 5 }),
  });
  const roll = timeMs(() => opt.roll().dispose(), budget);
  tf.dispose([X, Y, plainVars.w, plainVars.b, vars.w, vars.b]);
  sgd.dispose();
  opt.dispose();
  return [
    {
      name: `nupi ConstrainedOptimizer.roll, logistic regression n=${n} d=${d} (${tf.getBackend()})`,
      value: roll,
      unit: 'ms/step',
      baseline: plain,
      ratio: roll / plain,
      note: 'baseline: SGD.minimize of the loss alone; the roll adds the rate constraint, its host read and a νPI step',
    },
  ];
}

/** Runs every nupi figure on the current tfjs backend. */
export async function benchNupi(options: NupiBenchOptions = {}): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  const budget = quick ? 30 : 1500;
  await tf.ready();
  return [...dualFigures(1e3, budget), ...dualFigures(1e5, budget), ...rollFigures(quick, budget)];
}
