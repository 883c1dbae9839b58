import { Adam, initBackend } from '@paperkit/tensor-core';
import { expectAllClose } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamCG, AdamCG64, type Aggregator } from '../src/index.js';
import { halfSquare64, halfSquareTensor } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/** Adam on a scalar with a given sequence of aggregated gradients: returns θ after each step. */
function scalarAdam(
  theta: number,
  aggs: (theta: number, t: number) => number,
  steps: number,
  lr: number,
): number[] {
  let m = 0;
  let v = 0;
  const out: number[] = [];
  for (let t = 1; t <= steps; t++) {
    const g = aggs(theta, t);
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    theta -= ((lr / (1 - 0.9 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
    out.push(theta);
  }
  return out;
}

describe('oracle 10: Adam+CG baseline', () => {
  it('clean mode with C = 0 is Adam (coupled weight decay included), bit for bit', () => {
    const adam = halfSquareTensor(new Adam({ lr: 0.1, weightDecay: 0.2 }), 6);
    const cg = halfSquareTensor(new AdamCG({ lr: 0.1, weightDecay: 0.2, compat: 'clean', topC: 0 }), 6);
    expect(cg).toEqual(adam);
  });

  for (const aggregator of ['sum', 'mid', 'mean'] as Aggregator[]) {
    it(`reference, C = 3, '${aggregator}': first call is plain Adam, later calls use g̃ from the earlier gradients`, () => {
      // On ½θ² the gradient is θ; with C = 3 and 3 calls every gradient is stored (buffer never full).
      const grads: number[] = [];
      const expected = scalarAdam(
        1,
        (theta, t) => {
          const prev = grads.slice();
          grads.push(theta);
          if (t === 1) return theta;
          const sum = prev.reduce((a, b) => a + b, 0);
          const mean = sum / prev.length;
          if (aggregator === 'sum') return theta + mean;
          if (aggregator === 'mid') return (theta + mean) / 2;
          return (theta + sum) / (prev.length + 1);
        },
        3,
        0.1,
      );
      expectAllClose(halfSquare64(new AdamCG64({ lr: 0.1, topC: 3, aggregator }), 3), expected, {
        atol: 1e-12,
      });
      expectAllClose(halfSquareTensor(new AdamCG({ lr: 0.1, topC: 3, aggregator }), 3), expected, {
        atol: 1e-6,
      });
    });
  }

  it('stores raw gradients, ranked by norm', () => {
    const opt = new AdamCG64({ lr: 0.1, topC: 2 });
    const x = Float64Array.of(0);
    for (const g of [3, 1, 5, 0.5]) opt.step({ x }, { x: Float64Array.of(g) });
    const b = opt.inspectBuffer('x')!;
    // Call 3 (|g| = 5) evicts the smallest key (call 2's); call 4 (0.5) loses to both.
    expect(b.steps).toEqual([1, 3]);
    expect(Array.from(b.values.map((v) => v[0]))).toEqual([3, 5]);
  });
});
