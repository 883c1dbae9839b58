import { initBackend, PaperkitInputError } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { demographicParityGap } from '../src/constraints/demographic-parity.js';

describe('demographicParityGap', () => {
  beforeAll(() => initBackend({ prefer: 'cpu' }));

  // Rows 0–1 in group 0, row 2 in group 1, none in group 2: P(ŷ = 1) = (0.2 + 0.4 + 0.9)/3 = 0.5.
  const prob = [0.2, 0.4, 0.9];
  const groupOf = [0, 0, 1];

  it('P(ŷ = 1 | g) − P(ŷ = 1) by hand, an empty group at rate 0, only the listed groups, no leak', async () => {
    const p = tf.tensor1d(prob);
    const onehot = tf.oneHot(tf.tensor1d(groupOf, 'int32'), 3).toFloat();
    await expectNoLeak(() => {
      const gap = demographicParityGap(p, onehot, Int32Array.of(2, 0, 1));
      expectAllClose(gap.dataSync(), [0 - 0.5, 0.3 - 0.5, 0.9 - 0.5], { atol: 1e-6 });
      gap.dispose();
    });
    tf.dispose([p, onehot]);
  });

  it('is differentiable in the probabilities: d gap_g / d p_i = [i ∈ g]/n_g − 1/n', () => {
    const onehot = tf.oneHot(tf.tensor1d(groupOf, 'int32'), 3).toFloat();
    const grad = tf.grad((p: tf.Tensor) => tf.sum(demographicParityGap(p, onehot, Int32Array.of(0))));
    const g = grad(tf.tensor1d(prob));
    expectAllClose(g.dataSync(), [0.5 - 1 / 3, 0.5 - 1 / 3, -1 / 3], { atol: 1e-6 });
    tf.dispose([onehot, g]);
  });

  it('bad input names the parameter: probabilities not of rank 1, a one-hot of the wrong row count, a group index out of range', () => {
    const p = tf.tensor1d(prob);
    const onehot = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 3).toFloat();
    expect(() => demographicParityGap(p, onehot, Int32Array.of(0))).toThrow(PaperkitInputError);
    expect(() => demographicParityGap(p, onehot, Int32Array.of(0))).toThrow(/groupOneHot/);
    const ok = tf.oneHot(tf.tensor1d(groupOf, 'int32'), 3).toFloat();
    const matrix = tf.zeros([3, 1]);
    expect(() => demographicParityGap(matrix, ok, Int32Array.of(0))).toThrow(/prob/);
    expect(() => demographicParityGap(p, ok, Int32Array.of(3))).toThrow(
      /groups must be group indices in \[0, 3\); got 3/,
    );
    tf.dispose([p, onehot, ok, matrix]);
  });
});
