import { Adam, initBackend } from '@paperkit/tensor-core';
import { optimizerConformance } from '@paperkit/tensor-core/testing';
import { withNowcasting } from '../src/index.js';

// The toy problems' one parameter `x` (10 values for the quadratic, 2 for Rosenbrock). On the
// quadratic, P = 6 and c = 3 (a snapshot every 2 steps, a nowcast replacing every 6th update), so the
// suite's short runs (5 + 5 steps for resume, 2 + 5 for leaks) cross a nowcast and save a half-full
// buffer; on Rosenbrock P = 9 (10 steps through tfjs, 20 for determinism cross one and two nowcasts),
// as linefit's k = 1 jumps every 6 steps keep Adam 0.08 away from Rosenbrock's minimum after 3001 steps.
// The NiNo path has its own timeline, resume and model.fit tests (with-nowcasting.test.ts): on these
// 10- and 2-value toys, far outside NiNo's training distribution, its nowcast error floor (≈ 0.06 on
// the quadratic, a fraction of the parameter's spread) is above the suite's 1e-2 convergence bar.
const timeline = { period: 6, c: 3 } as const;

optimizerConformance('withNowcasting(Adam, linefit)', {
  setup: () => initBackend(),
  quadratic: {
    create: () => withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { ...timeline, kSchedule: 1 }),
    steps: 301,
    tol: 1e-2,
  },
  rosenbrock: {
    create: () => withNowcasting(new Adam({ lr: 0.02 }), 'linefit', { period: 9, c: 3, kSchedule: 1 }),
    steps: 3001,
    tol: 5e-2,
  },
  invalid: [
    {
      create: () => withNowcasting({} as never, 'linefit', { kSchedule: 1 }),
      message: /^optimizer must be a tensor-core Optimizer/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { kSchedule: 0 }),
      message: /^kSchedule\[0\] must be an integer >= 1/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { period: 7, c: 3, kSchedule: 1 }),
      message: /^period must be a multiple of c = 3/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { c: 1, kSchedule: 1 }),
      message: /^c must be an integer >= 2/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { kSchedule: [] }),
      message: /^kSchedule must be a horizon k ≥ 1 or a non-empty array/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { kSchedule: 1, every: 3 } as never),
      message: /^options\.every must be a known option/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: 0.1 }), 'nino' as never, { kSchedule: 1 }),
      message: /^nowcaster must be a prepared nowcaster/,
    },
    {
      create: () => withNowcasting(new Adam({ lr: -1 }), 'linefit', { kSchedule: 1 }),
      message: /^lr must be/,
    },
  ],
});
