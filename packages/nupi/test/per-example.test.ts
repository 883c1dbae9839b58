import { initBackend, SGD, valueAndGrads } from '@paperkit/tensor-core';
import { expectAllClose, expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PerExampleState, ProblemState } from '../src/constraints/problem.js';
import {
  ConstrainedOptimizer,
  defineConstraint,
  defineProblem,
  denseMultiplier,
  GradientAscent,
  indexedMultiplier,
  linearViolation,
  penaltyCoefficient,
} from '../src/index.js';
import { fusedLagrangian, primalContribution } from '../src/optim/lagrangian.js';
import { observe } from '../src/optim/observe.js';
import { variable } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

// Five examples with values v_i = (A_i·x)², linear in nothing: the gradients are those of a model.
const A = [
  [0.5, -1, 0.25],
  [1.5, 0.5, -0.75],
  [-0.25, 2, 1],
  [1, 1, 1],
  [0.75, -0.5, 2],
];
const n = A.length;
// `gap`: two dense constraints; `idx`: three entries of a 4-multiplier family, index 3 twice.
const M1 = Float32Array.of(0.8, -0.2, -0.2, 0.8, -0.2, -0.2, 0.3, 0.1, -0.7, -0.2);
const b1 = Float32Array.of(0.125, -0.5);
const M2 = Float32Array.of(1, 0, 0.5, 0, -1, 0.25, 0.5, 0.5, 0, -0.5, 1, 0, 0, 0, -0.75);
const idx = Int32Array.of(3, 0, 3);
const lambdaGap = [0.7, 1.9];
const lambdaIdx = [0.4, 0, 0, 1.1];
const lambdaCube = 0.6;
const x0 = [0.3, -0.8, 0.45];

function family() {
  const gap = denseMultiplier(2);
  gap.value.set(lambdaGap);
  const ix = indexedMultiplier(4);
  ix.value.set(lambdaIdx);
  const cube = denseMultiplier(1);
  cube.value.set([lambdaCube]);
  return {
    gap: defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: gap }),
    idx: defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: ix }),
    cube: defineConstraint({ kind: 'equality', formulation: 'lagrangian', multiplier: cube }),
  };
}

function values(x: tf.Tensor): tf.Tensor1D {
  return tf.square(tf.reshape(tf.matMul(tf.tensor2d(A), tf.reshape(x, [3, 1])), [n])) as tf.Tensor1D;
}

/** The plain-op gap tensor vᵀM − b (what autodiff of the composition differentiates). */
function plainGaps(v: tf.Tensor1D, M: Float32Array, b?: Float32Array): tf.Tensor1D {
  const k = M.length / v.size;
  const g = tf.reshape(tf.matMul(tf.reshape(v, [1, v.size]), tf.tensor2d(M, [v.size, k])), [k]);
  return (b ? tf.sub(g, tf.tensor1d(b)) : g) as tf.Tensor1D;
}

type Objective = 'mean' | 'weights' | 'loss';
const objectiveWeights = Float32Array.of(0.5, -0.25, 1, 0.125, 0.75);

/** The per-example state (`linear` families) or the same problem as tensors (`violation`, `loss`). */
function state(x: tf.Tensor, objective: Objective, linear: boolean): ProblemState {
  const v = values(x);
  const cube = { violation: tf.sum(tf.pow(x, 3)) };
  const f =
    objective === 'loss' || !linear
      ? {
          loss: objective === 'weights' ? tf.sum(tf.mul(tf.tensor1d(objectiveWeights), v)) : tf.mean(v),
        }
      : {};
  if (!linear)
    return {
      ...f,
      constraints: {
        gap: { violation: plainGaps(v, M1, b1) },
        idx: { violation: plainGaps(v, M2), indices: idx },
        cube,
      },
    };
  const per: PerExampleState =
    objective === 'loss'
      ? { values: v }
      : { values: v, objective: objective === 'mean' ? 'mean' : objectiveWeights };
  return {
    ...f,
    perExample: per,
    constraints: {
      gap: { linear: { matrix: M1, offsets: b1 } },
      idx: { linear: { matrix: M2 }, indices: idx },
      cube,
    },
  };
}

/**
 * Host oracle in float64: L = Σ w_i v_i − λᵀb + λ_c Σx³ and its gradient, w = a + M1λ_gap + M2λ_idx,
 * with the magnitudes of the terms summed (float32 rounding is relative to them, not to the sums).
 */
function oracle(objective: Objective): { value: number; grad: number[]; size: number; gradSize: number } {
  const a = objective === 'weights' ? Array.from(objectiveWeights) : Array.from({ length: n }, () => 1 / n);
  const lam2 = Array.from(idx, (i) => lambdaIdx[i]!);
  const w = a.map(
    (ai, i) =>
      ai +
      lambdaGap.reduce((s, l, j) => s + M1[i * 2 + j]! * l, 0) +
      lam2.reduce((s, l, j) => s + M2[i * 3 + j]! * l, 0),
  );
  const z = A.map((r) => r.reduce((s, ar, j) => s + ar * x0[j]!, 0));
  const c = -lambdaGap[0]! * b1[0]! - lambdaGap[1]! * b1[1]!;
  const cube = lambdaCube * x0.reduce((s, t) => s + t ** 3, 0);
  let value = c + cube;
  let size = Math.abs(c) + Math.abs(cube);
  const grad = x0.map((t) => lambdaCube * 3 * t * t);
  const gradSizes = grad.map(Math.abs);
  z.forEach((zi, i) => {
    value += w[i]! * zi * zi;
    size += Math.abs(w[i]! * zi * zi);
    for (let j = 0; j < 3; j++) {
      grad[j]! += w[i]! * 2 * zi * A[i]![j]!;
      gradSizes[j]! += Math.abs(w[i]! * 2 * zi * A[i]![j]!);
    }
  });
  return { value, grad, size, gradSize: Math.max(...gradSizes) };
}

/** Value and gradient of the primal Lagrangian, fused (per-example) or per family + addN. */
function lagrangian(objective: Objective, fused: boolean) {
  const x = variable(x0);
  const constraints = family();
  const { value, grads } = valueAndGrads(
    () => {
      const s = state(x, objective, fused);
      const obs = observe(constraints, s, 'test');
      if (fused) return fusedLagrangian(s.loss, obs, s.perExample);
      const terms = obs.map(primalContribution);
      terms.unshift(s.loss!.reshape([]) as tf.Scalar);
      return tf.addN(terms) as tf.Scalar;
    },
    { x },
  );
  const out = { value: value.dataSync()[0]!, grad: Float64Array.from(grads.x!.dataSync()) };
  tf.dispose([value, grads.x!, x]);
  return out;
}

describe('linearViolation: vᵀM − b as one taped op', () => {
  it('value and gradient equal the plain-op composition bit for bit; a hand value', async () => {
    const w = tf.tensor1d([0.3, -1.7]);
    const v = tf.tensor1d([0.1, 2.3, 0.7, 1.9, 0.05]);
    const run = (f: (t: tf.Tensor1D) => tf.Tensor) => {
      const { value, grad } = tf.valueAndGrad((t: tf.Tensor1D) => tf.sum(tf.mul(w, f(t))) as tf.Scalar)(v);
      const g = tf.tidy(() => f(v));
      const out = { g: g.dataSync().slice(), value: value.dataSync()[0]!, grad: grad.dataSync().slice() };
      tf.dispose([g, value, grad]);
      return out;
    };
    const fused = await expectNoLeak(() => run((t) => linearViolation(t, M1, b1)));
    const plain = run((t) => plainGaps(t, M1, b1));
    expectBitIdentical(fused.g, plain.g);
    expect(fused.value).toBe(plain.value);
    expectBitIdentical(fused.grad, plain.grad);
    // Column 0: .8·.1 − .2·2.3 − .2·.7 + .3·1.9 − .7·.05 − .125.
    expect(fused.g[0]).toBeCloseTo(0.08 - 0.46 - 0.14 + 0.57 - 0.035 - 0.125, 6);
    tf.dispose([w, v]);
  });

  it('rejects bad values, matrices and offsets, naming them', () => {
    const v = tf.tensor1d([1, 2, 3, 4, 5]);
    const bad: [() => unknown, RegExp][] = [
      [
        () => linearViolation(tf.tensor2d([[1, 2]]) as never, M1),
        /values must be a non-empty float32 vector/,
      ],
      [() => linearViolation(tf.tensor1d([1, 2], 'int32'), M1), /values must be a non-empty float32 vector/],
      [
        () => linearViolation(v, Float32Array.of(1, 2, 3)),
        /linear.matrix must be a Float32Array of n×k entries \(n = 5/,
      ],
      [() => linearViolation(v, [1, 2, 3, 4, 5] as never), /linear.matrix must be a Float32Array/],
      [
        () => linearViolation(v, M1, Float32Array.of(1)),
        /linear.offsets must be a Float32Array of 2 entries/,
      ],
    ];
    for (const [f, msg] of bad) expect(() => tf.tidy(() => void f())).toThrow(msg);
    v.dispose();
  });
});

describe('per-example primal Lagrangian: wᵀv − c with w = a + Σ Mλ̄', () => {
  for (const objective of ['mean', 'weights', 'loss'] as const)
    it(`equals the per-family composition to float32 rounding and the float64 oracle (objective: ${objective})`, async () => {
      const fused = await expectNoLeak(() => lagrangian(objective, true));
      const plain = lagrangian(objective, false);
      const want = oracle(objective);
      // A few float32 roundings (2⁻²⁴ each) of terms of size `size`, associated differently.
      expect(Math.abs(fused.value - plain.value)).toBeLessThan(1e-6 * want.size);
      expectAllClose(fused.grad, plain.grad, { atol: 1e-6 * want.gradSize });
      expect(Math.abs(fused.value - want.value)).toBeLessThan(1e-6 * want.size);
      expectAllClose(fused.grad, want.grad, { atol: 1e-6 * want.gradSize });
    });

  it('a roll: f reported as given by the objective, the step follows the weighted gradient, no leak', async () => {
    const roll = (linear: boolean) => {
      const x = variable(x0);
      const problem = defineProblem({
        constraints: family(),
        computeState: () => state(x, 'mean', linear),
      });
      // A frozen dual (step 0) and SGD step 1: x ← x − ∇L at the multipliers above.
      const opt = new ConstrainedOptimizer({
        problem,
        params: { x },
        primal: new SGD({ lr: 1 }),
        dual: () => new GradientAscent({ lr: 0 }),
      });
      const out = opt.roll();
      const r = {
        loss: out.loss!.dataSync()[0]!,
        lagrangian: out.primalLagrangian.dataSync()[0]!,
        x: Float64Array.from(x.dataSync()),
      };
      out.dispose();
      opt.dispose();
      x.dispose();
      return r;
    };
    const fused = await expectNoLeak(() => roll(true));
    const plain = roll(false);
    // The objective is tf.mean of the same values: the same number.
    expect(fused.loss).toBe(plain.loss);
    const want = oracle('mean');
    expect(fused.lagrangian).toBeCloseTo(want.value, 5);
    expectAllClose(
      fused.x,
      x0.map((t, j) => t - want.grad[j]!),
      { atol: 1e-5 },
    );
  });

  it('non-fusable formulations and strict readings use the violation built from the linear form', async () => {
    // An augmented-Lagrangian linear family forces the per-family path; its strict violation (none
    // given) is read from the same tensor: every number equals the tensor-violation problem's.
    // Offsets chosen so that the first constraint is violated at x0 (≈ .46) and the second not.
    const b3 = Float32Array.of(-1.5, -0.5);
    const roll = (linear: boolean) => {
      const x = variable(x0);
      const al = defineConstraint({
        kind: 'inequality',
        formulation: 'augmentedLagrangian',
        multiplier: denseMultiplier(2),
        penalty: penaltyCoefficient([0.5, 2]),
      });
      const problem = defineProblem({
        constraints: { al },
        computeState: () => {
          const v = values(x);
          return linear
            ? {
                perExample: { values: v, objective: 'mean' },
                constraints: { al: { linear: { matrix: M1, offsets: b3 } } },
              }
            : { loss: tf.mean(v), constraints: { al: { violation: plainGaps(v, M1, b3) } } };
        },
      });
      const opt = new ConstrainedOptimizer({
        problem,
        params: { x },
        primal: new SGD({ lr: 0.1 }),
        dual: new GradientAscent({ lr: 0.5 }),
      });
      const out = [0, 1].map(() => {
        const o = opt.roll();
        const r = {
          lagrangian: o.primalLagrangian.dataSync()[0]!,
          loss: o.loss!.dataSync()[0]!,
          strict: o.violations.al!.values,
          lambda: o.multipliers.al!,
        };
        o.dispose();
        return r;
      });
      const xs = Float64Array.from(x.dataSync());
      opt.dispose();
      x.dispose();
      return { out, xs };
    };
    const a = await expectNoLeak(() => roll(true));
    const b = roll(false);
    a.out.forEach((r, t) => {
      expect(r.lagrangian).toBe(b.out[t]!.lagrangian);
      expect(r.loss).toBe(b.out[t]!.loss);
      expectBitIdentical(r.strict, b.out[t]!.strict);
      expectBitIdentical(r.lambda, b.out[t]!.lambda);
    });
    expect(a.out[1]!.lambda[0]).toBeGreaterThan(0);
    expect(a.out[0]!.strict[0]).toBeCloseTo(0.46, 1);
    expectBitIdentical(a.xs, b.xs);
  });

  it('bad per-example states name the field, the value and what is allowed', () => {
    const x = variable(x0);
    let make: () => ProblemState = () => ({ constraints: {} });
    const problem = defineProblem({
      constraints: family(),
      computeState: () => make() as never,
      computeViolations: () => make() as never,
    });
    const opt = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.1 }),
      dual: () => new GradientAscent({ lr: 1 }),
    });
    const v = () => values(x);
    const cases: [() => ProblemState, RegExp][] = [
      [
        () => ({ constraints: { gap: { linear: { matrix: M1 } } } }),
        /computeState\(ctx\).perExample must be the per-example values that computeState\(ctx\).constraints.gap.linear maps/,
      ],
      [
        () => ({ perExample: { values: tf.zeros([5, 1]) as never }, constraints: {} }),
        /perExample.values must be a non-empty float32 vector tensor/,
      ],
      [
        () => ({ perExample: { values: v(), objective: Float32Array.of(1, 2) }, constraints: {} }),
        /perExample.objective must be 'mean', a Float32Array of 5 weights, or absent/,
      ],
      [
        () => ({ loss: tf.scalar(1), perExample: { values: v(), objective: 'mean' }, constraints: {} }),
        /computeState\(ctx\).loss must be absent when perExample.objective gives the objective/,
      ],
      [
        () => ({
          perExample: { values: v() },
          constraints: { gap: { violation: tf.zeros([2]), linear: { matrix: M1 } } },
        }),
        /constraints.gap.violation must be absent when linear is given/,
      ],
      [
        () => ({
          perExample: { values: v() },
          constraints: { gap: { linear: { matrix: Float32Array.of(1, 2, 3) } } },
        }),
        /constraints.gap.linear.matrix must be a Float32Array of n×k entries \(n = 5 per-example values/,
      ],
      [
        () => ({ perExample: { values: v() }, constraints: { gap: { linear: { matrix: M2 } } } }),
        /constraints.gap.linear.matrix must be 2 entries \(one per constraint\)/,
      ],
      [
        () => ({
          perExample: { values: v() },
          constraints: { gap: { linear: { matrix: M1, offsets: Float32Array.of(1, 2, 3) } } },
        }),
        /constraints.gap.linear.offsets must be a Float32Array of 2 entries/,
      ],
      [
        () => ({
          perExample: { values: v() },
          constraints: { idx: { linear: { matrix: M2 }, indices: Int32Array.of(0, 1) } },
        }),
        /constraints.idx.indices must be 3 indices/,
      ],
    ];
    for (const [s, msg] of cases) {
      make = s;
      expect(() => tf.tidy(() => opt.roll().dispose())).toThrow(msg);
    }
    // The primalDual order measures at x_{t+1} without a loss.
    const pd = new ConstrainedOptimizer({
      problem,
      params: { x },
      primal: new SGD({ lr: 0.1 }),
      dual: () => new GradientAscent({ lr: 1 }),
      order: 'primalDual',
    });
    make = () => ({ perExample: { values: v(), objective: 'mean' }, constraints: {} });
    expect(() => tf.tidy(() => pd.roll().dispose())).toThrow(
      /computeViolations\(ctx\).perExample.objective must be absent \(put the loss in computeState\)/,
    );
    opt.dispose();
    pd.dispose();
    x.dispose();
  });
});
