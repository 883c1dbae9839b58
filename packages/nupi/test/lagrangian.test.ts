import { initBackend, valueAndGrads } from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProblemState } from '../src/constraints/problem.js';
import { defineConstraint, denseMultiplier, indexedMultiplier, penaltyCoefficient } from '../src/index.js';
import { fusable, fusedLagrangian, primalContribution } from '../src/optim/lagrangian.js';
import { observe } from '../src/optim/observe.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

const dense = denseMultiplier(3);
dense.value.set([0.7, 0, 2.5]);
const scalar = denseMultiplier(1);
scalar.value.set([1.25]);
const indexed = indexedMultiplier(5);
indexed.value.set([0.1, 0.2, 0.3, 0.4, 0.5]);
const constraints = {
  vec: defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: dense }),
  one: defineConstraint({ kind: 'equality', formulation: 'lagrangian', multiplier: scalar }),
  idx: defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: indexed }),
};

/** Nonlinear losses and violations of x (three of them share x², so gradients accumulate). */
function state(x: tf.Variable, withLoss: 'scalar' | 'vector' | 'none'): ProblemState {
  const sq = tf.square(x);
  const loss = tf.sum(tf.mul(sq, tf.tensor1d([1, -2, 0.5, 3])));
  return {
    ...(withLoss === 'none' ? {} : { loss: withLoss === 'scalar' ? loss : loss.reshape([1]) }),
    constraints: {
      vec: { violation: tf.sub(tf.slice(tf.exp(x), 0, 3), 1.5) },
      one: { violation: tf.sum(tf.mul(sq, x)) },
      // Index 3 twice: its λ enters twice, as the unfused gather does.
      idx: { violation: tf.tanh(tf.slice(sq, 0, 3)), indices: Int32Array.of(3, 0, 3) },
    },
  };
}

/** Value and gradient of the primal Lagrangian, fused or through `primalContribution` + addN. */
function lagrangian(x: tf.Variable, withLoss: 'scalar' | 'vector' | 'none', fused: boolean) {
  const { value, grads } = valueAndGrads(
    () => {
      const s = state(x, withLoss);
      const obs = observe(constraints, s, 'test');
      expect(obs.every(fusable)).toBe(true);
      if (fused) return fusedLagrangian(s.loss, obs);
      const terms = obs.map(primalContribution);
      if (s.loss) terms.unshift(s.loss.reshape([]) as tf.Scalar);
      return tf.addN(terms) as tf.Scalar;
    },
    { x },
  );
  const out = { value: value.dataSync()[0]!, grad: Float64Array.from(grads.x!.dataSync()) };
  tf.dispose([value, grads.x!]);
  return out;
}

describe('fusedLagrangian: the same primal Lagrangian as the per-family terms, in one taped op', () => {
  for (const withLoss of ['scalar', 'vector', 'none'] as const)
    it(`value and gradient are bit-identical (dense, scalar and indexed families; loss ${withLoss})`, async () => {
      const x = tf.variable(tf.tensor1d([0.3, -1.1, 0.8, 0.05]));
      const fused = await expectNoLeak(() => lagrangian(x, withLoss, true));
      const reference = lagrangian(x, withLoss, false);
      expect(fused.value).toBe(reference.value);
      expectBitIdentical(fused.grad, reference.grad);
      // A hand-checkable entry: x₃ enters the loss (3x₃²) and `one` (λ·Σx³) only: 6x₃·[loss] + 1.25·3x₃².
      const x3 = 0.05;
      expect(fused.grad[3]).toBeCloseTo((withLoss === 'none' ? 0 : 6 * x3) + 1.25 * 3 * x3 * x3, 6);
      x.dispose();
    });

  it('penalty and augmented-Lagrangian families are not fusable', () => {
    const pen = defineConstraint({
      kind: 'inequality',
      formulation: 'quadraticPenalty',
      penalty: penaltyCoefficient(2),
    });
    const al = defineConstraint({
      kind: 'equality',
      formulation: 'augmentedLagrangian',
      multiplier: denseMultiplier(1),
      penalty: penaltyCoefficient(2),
    });
    const flags = tf.tidy(() =>
      observe(
        { pen, al },
        { constraints: { pen: { violation: tf.scalar(1) }, al: { violation: tf.scalar(1) } } },
        'test',
      ).map(fusable),
    );
    expect(flags).toEqual([false, false]);
  });
});
