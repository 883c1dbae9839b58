import { Adam, AdamW, initBackend, Momentum, Rng, SGD, warmupCosineSchedule } from '@paperkit/tensor-core';
import { optimizerConformance } from '@paperkit/tensor-core/testing';
import { createRotation, rotated } from '../src/index.js';

const setup = () => initBackend({ prefer: 'wasm', blas: 'off' });

// The toy problems have one vector parameter `x` (10-d quadratic, 2-d Rosenbrock); every rotation is
// built fresh from a fixed seed, so two `create()` calls give the same R (resume and determinism).
// n = 4 (10 = 4 + 4 + a residual 2) on the quadratic, one 2-block on 2-d Rosenbrock (n ≤ d).
const global = (dim: number) =>
  createRotation({ x: [dim] }, { scope: 'global', blockSize: Math.min(4, dim), rng: Rng.fromSeed(11) });
const layer = (dim: number) => createRotation({ x: [dim] }, { scope: 'layer', rng: Rng.fromSeed(12) });
const cosine = (peak: number, steps: number) =>
  warmupCosineSchedule({ peak, warmupSteps: 0, totalSteps: steps });

optimizerConformance('rotated Adam (global, n = 4 with a residual block)', {
  setup,
  quadratic: { create: () => rotated(new Adam({ lr: cosine(0.5, 400) }), global(10)), steps: 400, tol: 1e-2 },
  rosenbrock: { create: () => rotated(new Adam({ lr: 0.05 }), global(2)), steps: 2000, tol: 5e-2 },
  invalid: [
    {
      create: () => rotated(new Adam({ lr: 0.1, beta1: 1 }), global(10)),
      message: /beta1 must be a number in \[0, 1\)/,
    },
    {
      create: () => rotated(new Adam({ lr: 0.1 }), {} as never),
      message: /rotation must be a Rotation from createRotation/,
    },
    {
      create: () => rotated(undefined as never, global(10)),
      message: /optimizer must be a tensor-core Optimizer \(e\.g\. new AdamW\(\{ lr \}\)\)/,
    },
  ],
});

optimizerConformance('rotated AdamW (layer)', {
  setup,
  quadratic: {
    create: () => rotated(new AdamW({ lr: cosine(0.5, 400), weightDecay: 0 }), layer(10)),
    steps: 400,
    tol: 1e-2,
  },
  rosenbrock: {
    create: () => rotated(new AdamW({ lr: 0.05, weightDecay: 0 }), layer(2)),
    steps: 2000,
    tol: 5e-2,
  },
  invalid: [
    {
      create: () => rotated(new AdamW({ lr: 0.1, eps: 0 }), layer(10)),
      message: /eps must be a finite number > 0/,
    },
  ],
});

// Plain SGD needs ~6000 steps on Rosenbrock; the SGD class is exercised there with Nesterov momentum.
optimizerConformance('rotated SGD (global)', {
  setup,
  quadratic: { create: () => rotated(new SGD({ lr: 0.15 }), global(10)), steps: 200, tol: 1e-3 },
  rosenbrock: {
    create: () => rotated(new SGD({ lr: 1e-3, momentum: 0.9, nesterov: true }), global(2)),
    steps: 1500,
    tol: 5e-2,
  },
  invalid: [
    {
      create: () => rotated(new SGD({ lr: 0.1, momentum: 2 }), global(10)),
      message: /momentum must be a number in \[0, 1\)/,
    },
  ],
});

optimizerConformance('rotated Momentum (global)', {
  setup,
  quadratic: {
    create: () => rotated(new Momentum({ lr: 0.05, momentum: 0.9 }), global(10)),
    steps: 200,
    tol: 1e-3,
  },
  rosenbrock: {
    create: () => rotated(new Momentum({ lr: 1e-3, momentum: 0.9 }), global(2)),
    steps: 1500,
    tol: 5e-2,
  },
  invalid: [
    {
      create: () => rotated(new Momentum({ lr: 0.1, momentum: 0 }), global(10)),
      message: /momentum must be a number in \(0, 1\)/,
    },
  ],
});
