import { initBackend, SGD } from '@paperkit/tensor-core';
import { expectAllClose } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConstrainedOptimizer, NuPI } from '../src/index.js';
import { activeMultipliers, linearProblem } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('KKT convergence, n-D (min ‖x‖² s.t. Ax ≤ b, Cooper budget 1500 steps, atol 1e-4)', () => {
  const cases: { label: string; A: number[][]; b: number[]; kind: 'inequality' | 'equality' }[] = [
    { label: 'one active inequality', A: [[1, 2, -1]], b: [-1.5], kind: 'inequality' },
    {
      label: 'two active inequalities',
      A: [
        [1, 1, 0],
        [0, 1, 1],
      ],
      b: [-2, -1.5],
      kind: 'inequality',
    },
    { label: 'equality with a negative multiplier', A: [[1, -1, 2]], b: [1.2], kind: 'equality' },
  ];
  for (const cs of cases)
    for (const order of ['dualPrimal', 'simultaneous', 'primalDual', 'extragradient'] as const) {
      it(`${cs.label}, ${order}, νPI`, () => {
        const { problem, multiplier, x, dispose } = linearProblem(cs.A, cs.b, cs.kind);
        const opt = new ConstrainedOptimizer({
          problem,
          params: { x },
          primal: new SGD({ lr: 0.05 }),
          dual: new NuPI({ lr: 1, ki: 0.2, kp: 1 }),
          order,
        });
        for (let t = 0; t < 1500; t++) opt.roll().dispose();
        const lamStar = activeMultipliers(cs.A, cs.b);
        if (cs.kind === 'inequality') for (const l of lamStar) expect(l).toBeGreaterThan(0);
        expectAllClose(multiplier.value, lamStar, { atol: 1e-4 });
        dispose();
      });
    }
});
