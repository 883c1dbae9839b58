import { initBackend, ParamMap, Rng, SGD } from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { R, sharingPenalty, weightSharingPenalty, withSharingPenalty } from '../src/index.js';
import { tiedGaussian } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

/** The O(d²) definition (1/(d−1)) Σ_{i<j} |w_i − w_j| in float64. */
function pairwiseR(w: ArrayLike<number>): number {
  const d = w.length;
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) s += Math.abs(w[i]! - w[j]!);
  return d < 2 ? 0 : s / (d - 1);
}

/**
 * The float32 rank weight the penalty uses for signed rank offset k = 2·rank − d − 1: the integer k times
 * the float32 scale c/(d − 1), as computed on the device.
 */
const rankWeight = (k: number, d: number, c: number): number => Math.fround(k * Math.fround(c / (d - 1)));

/** Float32 weights (so the tensor holds exactly the values the float64 oracles see). */
function gaussian32(seed: number, d: number): Float32Array {
  return Float32Array.from(Rng.fromSeed(seed).fillNormal(new Float64Array(d)));
}

function penaltyAndGrad(w: Float32Array, shape: number[], c: number): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor(w, shape, 'float32');
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => weightSharingPenalty(t, c))(x);
    expect(grad.shape).toEqual(shape);
    return { value: value.dataSync()[0]!, grad: grad.dataSync() as Float32Array };
  });
}

describe('weightSharingPenalty (ws_alg = "subgradient")', () => {
  it('equals c·R(w): hand value R(0, 1, 5) = 5, the pairwise O(d²) sum and the package R', () => {
    expect(penaltyAndGrad(new Float32Array([0, 1, 5]), [3], 2).value).toBe(10);
    expect(penaltyAndGrad(new Float32Array([5, 0, 1]), [3], 1).value).toBe(5);
    for (const [seed, d, shape] of [
      [1, 2, [2]],
      [2, 3, [3]],
      [3, 17, [17]],
      [4, 64, [8, 8]],
      [5, 60, [3, 4, 5]],
    ] as const) {
      const w = gaussian32(seed, d);
      const c = 0.37;
      const brute = c * pairwiseR(w);
      expect(Math.abs(c * R(w) - brute)).toBeLessThan(1e-12 * Math.max(1, brute));
      const { value } = penaltyAndGrad(w, [...shape], c);
      // float32 accumulation of d terms of size O(|w|).
      expect(Math.abs(value - brute)).toBeLessThan(1e-6 * d);
    }
  });

  it('gradient = c·(2·rank − d − 1)/(d − 1) = central finite differences of the float64 R (distinct entries)', () => {
    for (const [seed, d, shape] of [
      [11, 2, [2]],
      [12, 9, [9]],
      [13, 40, [5, 8]],
    ] as const) {
      const w = gaussian32(seed, d);
      const c = 1.7;
      const { grad } = penaltyAndGrad(w, [...shape], c);
      const sorted = Array.from(w).sort((a, b) => a - b);
      let gap = Number.POSITIVE_INFINITY;
      for (let k = 1; k < d; k++) gap = Math.min(gap, sorted[k]! - sorted[k - 1]!);
      expect(gap).toBeGreaterThan(0);
      const h = gap / 4;
      const x = Float64Array.from(w);
      for (let i = 0; i < d; i++) {
        const rank = sorted.indexOf(w[i]!) + 1;
        const exact = (c * (2 * rank - d - 1)) / (d - 1);
        x[i] = w[i]! + h;
        const up = R(x);
        x[i] = w[i]! - h;
        const down = R(x);
        x[i] = w[i]!;
        const fd = (c * (up - down)) / (2 * h);
        // R is linear between ties, so the difference quotient is the derivative up to rounding.
        expect(Math.abs(fd - exact)).toBeLessThan(1e-6);
        expect(grad[i]).toBe(rankWeight(2 * rank - d - 1, d, c));
      }
    }
  });

  it('at ties the gradient is a subgradient: R(v) ≥ R(w) + g·(v − w) for random v, and Σg = 0', () => {
    const rng = Rng.fromSeed(21);
    for (let trial = 0; trial < 5; trial++) {
      const d = 12 + trial;
      const w = Float32Array.from(tiedGaussian(rng, d, 0.6));
      const { grad } = penaltyAndGrad(w, [d], 1);
      let sum = 0;
      for (const g of grad) sum += g;
      expect(Math.abs(sum)).toBeLessThan(1e-5);
      const rw = R(w);
      for (let k = 0; k < 20; k++) {
        const v = new Float64Array(d);
        let lin = 0;
        for (let i = 0; i < d; i++) {
          v[i] = w[i]! + rng.normal();
          lin += grad[i]! * (v[i]! - w[i]!);
        }
        expect(R(v)).toBeGreaterThanOrEqual(rw + lin - 1e-5);
      }
      // The sorted gradient is exactly the rank-weight vector (some tie order was chosen).
      const expected = Array.from({ length: d }, (_, k) => rankWeight(2 * (k + 1) - d - 1, d, 1));
      expect(Array.from(grad).sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('d ≤ 1 and c = 0 give 0 with a zero gradient; no O(d²) tensor at d = 200,000', () => {
    for (const [w, c] of [
      [[3], 1],
      [[1, 2, 4], 0],
    ] as const) {
      const { value, grad } = penaltyAndGrad(Float32Array.from(w), [w.length], c);
      expect(value).toBe(0);
      expect(Array.from(grad)).toEqual(new Array(w.length).fill(0));
    }
    const d = 200_000;
    const w = gaussian32(31, d);
    const { value, grad } = penaltyAndGrad(w, [400, 500], 1e-3);
    // Two-level float32 summation: measured 4e-7 relative to the float64 R (a running sum: 2e-5).
    expect(Math.abs(value - 1e-3 * R(w))).toBeLessThan(2e-6 * 1e-3 * R(w));
    let min = 0;
    let max = 0;
    for (const g of grad) {
      min = Math.min(min, g);
      max = Math.max(max, g);
    }
    expect(min).toBe(rankWeight(1 - d, d, 1e-3));
    expect(max).toBe(rankWeight(d - 1, d, 1e-3));
  });

  it('leaks no tensor, inside or outside a gradient', async () => {
    const x = tf.variable(tf.tensor1d(gaussian32(41, 30)));
    await expectNoLeak(() => {
      weightSharingPenalty(x, 0.5).dispose();
      const { value, grads } = tf.variableGrads(() => weightSharingPenalty(x, 0.5), [x]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
  });

  it('rejects a negative or non-finite coefficient, non-tensors and non-float tensors', () => {
    const x = tf.tensor1d([1, 2]);
    expect(() => weightSharingPenalty(x, -1)).toThrow(/coefficient must be a finite number >= 0; got -1/);
    expect(() => weightSharingPenalty(x, Number.NaN)).toThrow(
      /coefficient must be a finite number >= 0; got NaN/,
    );
    expect(() => weightSharingPenalty([1, 2] as never)).toThrow(/w must be a tf\.Tensor; got \[1,2\]/);
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(() => weightSharingPenalty(ints)).toThrow(/w\.dtype must be "float32"; got "int32"/);
    tf.dispose([x, ints]);
  });
});

describe('sharingPenalty / withSharingPenalty (layers as in WeightSharingProx)', () => {
  const make = () =>
    ParamMap.fromTensors({
      'fc.weight': { value: tf.tensor2d(gaussian32(51, 12), [3, 4]), role: 'weight', group: 'fc' },
      'fc.bias': { value: tf.tensor1d(gaussian32(52, 4)), role: 'bias', group: 'fc' },
      'out.weight': { value: tf.tensor2d(gaussian32(53, 8), [4, 2]), role: 'weight', group: 'out' },
    });

  it('sums wsLr·(R(weight) + R(bias)) per layer, weight flattened and bias separate', async () => {
    const params = make();
    const layers = [
      { weight: 'fc.weight', bias: 'fc.bias', wsLr: 0.3 },
      { weight: 'out.weight', wsLr: 2 },
    ];
    const v = sharingPenalty(params, layers);
    const host = async (n: string) => (await params.get(n).data()) as Float32Array;
    const expected =
      0.3 * (pairwiseR(await host('fc.weight')) + pairwiseR(await host('fc.bias'))) +
      2 * pairwiseR(await host('out.weight'));
    expect(Math.abs((await v.data())[0]! - expected)).toBeLessThan(1e-5);
    v.dispose();
    expect(() => sharingPenalty(params, [{ weight: 'fc1.weight', wsLr: 1 }])).toThrow(
      /layers\[0\]\.weight must be one of the parameter names \(fc\.weight, fc\.bias, out\.weight\); got "fc1\.weight"/,
    );
    expect(() => sharingPenalty(params, [])).toThrow(/layers must be a non-empty array/);
    expect(() => sharingPenalty(params, [{ weight: 'fc.weight', wsLr: -1 }])).toThrow(
      /layers\[0\]\.wsLr must be a finite number >= 0; got -1/,
    );
    params.dispose();
  });

  it('an SGD step on loss + penalty moves w by −η(∇loss + wsLr·∂R), without leaks', async () => {
    const a = make();
    const b = make();
    const lr = 0.1;
    const wsLr = 0.25;
    const layers = [{ weight: 'fc.weight', bias: 'fc.bias', wsLr }];
    const loss = (p: ParamMap) => () =>
      tf.tidy(() => tf.sum(tf.square(tf.matMul(p.get('fc.weight'), p.get('out.weight')))) as tf.Scalar);
    const opt = new SGD({ lr });
    const regularized = withSharingPenalty(loss(a), a, layers);
    // Oracle: the gradient of the loss alone plus the closed-form rank weights, applied by hand.
    const w = (await b.get('fc.weight').data()) as Float32Array;
    const bias = (await b.get('fc.bias').data()) as Float32Array;
    const { grads } = tf.variableGrads(loss(b), [b.get('fc.weight')]);
    const gw = (await grads[b.get('fc.weight').name]!.data()) as Float32Array;
    tf.dispose(Object.values(grads));
    const weightOf = (v: Float32Array, i: number) => {
      const rank =
        Array.from(v)
          .sort((x, y) => x - y)
          .indexOf(v[i]!) + 1;
      return rankWeight(2 * rank - v.length - 1, v.length, wsLr);
    };
    opt.minimize(regularized, a).dispose();
    const newW = (await a.get('fc.weight').data()) as Float32Array;
    const newB = (await a.get('fc.bias').data()) as Float32Array;
    for (let i = 0; i < w.length; i++) {
      const g = Math.fround(gw[i]! + weightOf(w, i));
      // SGD computes u = g·lr with lr as a float32 scalar, then p − u.
      expect(newW[i]).toBe(Math.fround(w[i]! - Math.fround(g * Math.fround(lr))));
    }
    for (let i = 0; i < bias.length; i++)
      expect(newB[i]).toBe(Math.fround(bias[i]! - Math.fround(weightOf(bias, i) * Math.fround(lr))));
    await expectNoLeak(() => {
      for (let s = 0; s < 3; s++) opt.minimize(regularized, a).dispose();
    });
    // Plain subgradient descent on R alone pulls the weights together: R falls.
    const before = R((await b.get('fc.bias').data()) as Float32Array);
    const sgd = new SGD({ lr: 0.05 });
    for (let s = 0; s < 5; s++)
      sgd.minimize(() => sharingPenalty(b, [{ weight: 'fc.bias', wsLr: 1 }]), b).dispose();
    expect(R((await b.get('fc.bias').data()) as Float32Array)).toBeLessThan(before);
    expectBitIdentical(await b.get('fc.weight').data(), w);
    opt.dispose();
    sgd.dispose();
    a.dispose();
    b.dispose();
  });

  it('withSharingPenalty validates the loss and the layers once, up front', () => {
    const params = make();
    expect(() => withSharingPenalty(42 as never, params, [{ weight: 'fc.weight', wsLr: 1 }])).toThrow(
      /loss must be a function returning a scalar; got 42/,
    );
    expect(() => withSharingPenalty(() => tf.scalar(0), params, [{ weight: '', wsLr: 1 }])).toThrow(
      /layers\[0\]\.weight must be a parameter name/,
    );
    params.dispose();
  });
});
