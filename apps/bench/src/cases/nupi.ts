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

type Vars = Record<string, tf.Variable>;

/**
 * Times `ConstrainedOptimizer.roll` (dual→primal, one rate constraint, νPI) against `SGD.minimize` of
 * the same Lagrangian with the multiplier held fixed: both run the same forward/backward graph, so the
 * ratio isolates what the constrained machinery adds (multiplier bookkeeping, one host read of the
 * violation, the dual step). The target is < 10% on a realistic model.
 */
function rollFigure(
  label: string,
  make: () => Vars,
  scores: (v: Vars) => tf.Tensor1D,
  loss: (v: Vars) => tf.Scalar,
  budget: number,
): BenchFigure {
  const rate = (v: Vars) => tf.sub(tf.mean(tf.sigmoid(scores(v))), 0.3) as tf.Scalar;
  const plainVars = make();
  const sgd = new SGD({ lr: 0.01 });
  const plain = timeMs(() => {
    sgd
      .minimize(
        () => tf.tidy(() => tf.add(loss(plainVars), tf.mul(0.5, rate(plainVars))) as tf.Scalar),
        plainVars,
      )
      .dispose();
  }, budget);
  const vars = make();
  const constraint = defineConstraint({
    kind: 'inequality',
    formulation: 'lagrangian',
    multiplier: denseMultiplier(1),
  });
  const problem = defineProblem({
    constraints: { rate: constraint },
    computeState: () => ({ loss: loss(vars), constraints: { rate: { violation: rate(vars) } } }),
  });
  const opt = new ConstrainedOptimizer({
    problem,
    params: vars,
    primal: new SGD({ lr: 0.01 }),
    dual: new NuPI({ lr: 1, ki: 1, kp: 5 }),
  });
  const roll = timeMs(() => opt.roll().dispose(), budget);
  tf.dispose([...Object.values(plainVars), ...Object.values(vars)]);
  sgd.dispose();
  opt.dispose();
  return {
    name: `nupi ConstrainedOptimizer.roll, ${label} (${tf.getBackend()})`,
    value: roll,
    unit: 'ms/step',
    baseline: plain,
    ratio: roll / plain,
    note: 'baseline: SGD.minimize of the same Lagrangian with λ fixed; target overhead < 10% (issue #4)',
  };
}

function rollFigures(quick: boolean, budget: number): BenchFigure[] {
  const rng = Rng.fromSeed(2);
  // Logistic regression: a tiny model, where the fixed costs of the roll dominate.
  const n = quick ? 256 : 2000;
  const d = 16;
  const X = tf.tensor2d(rng.stream('x').fillNormal(new Float32Array(n * d)), [n, d]);
  const Y = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i % 2));
  const logistic = (v: Vars) => tf.add(tf.reshape(tf.matMul(X, v.w!), [-1]), v.b!) as tf.Tensor1D;
  const small = rollFigure(
    `logistic regression n=${n} d=${d}`,
    () => ({
      w: tf.tidy(() => tf.variable(tf.zeros([d, 1]), true)),
      b: tf.tidy(() => tf.variable(tf.zeros([1]), true)),
    }),
    logistic,
    (v) => tf.losses.sigmoidCrossEntropy(Y, logistic(v)) as tf.Scalar,
    budget,
  );
  // An MNIST-sized MLP 784-256-10 at batch 128: the rate constraint bounds the share of class 0.
  const batch = quick ? 16 : 128;
  const hidden = quick ? 16 : 256;
  const Xm = tf.tensor2d(rng.stream('xm').fillNormal(new Float32Array(batch * 784)), [batch, 784]);
  const Ym = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const logitsOf = (v: Vars) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(Xm, v.w1!), v.b1!)), v.w2!), v.b2!);
  const init = (shape: number[], s: string) =>
    tf.tidy(() =>
      tf.variable(
        tf.mul(
          tf.tensor(rng.stream(s).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape),
          0.05,
        ),
        true,
      ),
    );
  const mlp = rollFigure(
    `MLP 784-${hidden}-10 batch ${batch}`,
    () => ({
      w1: init([784, hidden], 'w1'),
      b1: init([hidden], 'b1'),
      w2: init([hidden, 10], 'w2'),
      b2: init([10], 'b2'),
    }),
    (v) => tf.reshape(tf.slice(logitsOf(v), [0, 0], [-1, 1]), [-1]) as tf.Tensor1D,
    (v) => tf.losses.softmaxCrossEntropy(Ym, logitsOf(v)) as tf.Scalar,
    budget,
  );
  tf.dispose([X, Y, Xm, Ym]);
  return [small, mlp];
}

/** Runs every nupi figure on the current tfjs backend. */
export async function benchNupi(options: NupiBenchOptions = {}): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  const budget = quick ? 30 : 1500;
  await tf.ready();
  return [...dualFigures(1e3, budget), ...dualFigures(1e5, budget), ...rollFigures(quick, budget)];
}
