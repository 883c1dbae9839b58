import { initBackend, SGD, warmupCosineSchedule } from '@paperkit/tensor-core';
import { optimizerConformance } from '@paperkit/tensor-core/testing';
import { AdamCG, AdamCM, SAM } from '../src/index.js';

const setup = () => initBackend({ prefer: 'wasm', blas: 'off' });

// Budgets: the buffer keeps pushing past sharp directions by design, so at a constant lr the
// iterates keep exploring instead of settling. On the quadratic a cosine-decayed lr lets them settle;
// on Rosenbrock's narrow valley the slow priority decay λ = 0.99 (one of the two values the
// reference README recommends) converges. Float64 calibration: distances ≤ 5e-3 at these budgets.
const cosine = (steps: number) => warmupCosineSchedule({ peak: 0.1, warmupSteps: 0, totalSteps: steps });

optimizerConformance('AdamCM (reference)', {
  setup,
  quadratic: { create: () => new AdamCM({ lr: cosine(1000) }), steps: 1000, tol: 1e-2 },
  rosenbrock: { create: () => new AdamCM({ lr: 0.02, decay: 0.99 }), steps: 2000, tol: 0.05 },
  invalid: [
    { create: () => new AdamCM({ topC: 0 }), message: /compat: 'clean'/ },
    { create: () => new AdamCM({ decay: 1.5 }), message: /decay must be a number in \(0, 1\)/ },
    { create: () => new AdamCM({ lr: -1 }), message: /lr must be a finite number >= 0/ },
  ],
});

optimizerConformance('AdamCM (clean)', {
  setup,
  quadratic: { create: () => new AdamCM({ lr: cosine(1000), compat: 'clean' }), steps: 1000, tol: 1e-2 },
  rosenbrock: {
    create: () => new AdamCM({ lr: 0.01, decay: 0.99, compat: 'clean' }),
    steps: 2000,
    tol: 0.05,
  },
  invalid: [
    { create: () => new AdamCM({ compat: 'clean', topC: -2 }), message: /topC must be an integer >= 0/ },
  ],
});

optimizerConformance('AdamCG', {
  setup,
  quadratic: { create: () => new AdamCG({ lr: cosine(1000) }), steps: 1000, tol: 1e-2 },
  rosenbrock: { create: () => new AdamCG({ lr: 0.05, decay: 0.99 }), steps: 2000, tol: 0.05 },
  invalid: [{ create: () => new AdamCG({ kappa: 0 }), message: /compat: 'clean'/ }],
});

// SAM's whole steps (minimize), two gradient evaluations each. With a constant ρ, SAM settles within
// O(ρ) of a minimiser (the perturbation keeps length ρ), so the runs use a small ρ or a decaying lr.
// Float32 calibration (wasm): quadratic 1.8e-7 and 2.7e-5, Rosenbrock 0.018 and 0.0076.
optimizerConformance('SAM(SGD)', {
  setup,
  quadratic: {
    create: () =>
      new SAM(new SGD({ lr: warmupCosineSchedule({ peak: 0.15, warmupSteps: 0, totalSteps: 300 }) }), {
        rho: 0.01,
      }),
    steps: 300,
    tol: 1e-3,
  },
  rosenbrock: {
    create: () => new SAM(new SGD({ lr: 1.5e-3, momentum: 0.9 }), { rho: 1e-3 }),
    steps: 1500,
    tol: 0.05,
  },
  invalid: [
    {
      create: () => new SAM(new SGD({ lr: 0.1 }), { rho: 0 }),
      message: /rho must be a finite number > 0; got 0/,
    },
    { create: () => new SAM({} as never), message: /base must be a tensor-core Optimizer/ },
    {
      create: () => new SAM(new SGD({ lr: 0.1 }), { radius: 1 } as never),
      message: /config\.radius must be a known option/,
    },
  ],
});

optimizerConformance('SAM(AdamCM)', {
  setup,
  quadratic: {
    create: () => new SAM(new AdamCM({ lr: cosine(1000), compat: 'clean' }), { rho: 0.01 }),
    steps: 1000,
    tol: 1e-3,
  },
  rosenbrock: {
    create: () => new SAM(new AdamCM({ lr: 0.01, decay: 0.99, compat: 'clean' }), { rho: 1e-3 }),
    steps: 2000,
    tol: 0.05,
  },
  invalid: [
    { create: () => new SAM(new AdamCM({ decay: 2 })), message: /decay must be a number in \(0, 1\)/ },
  ],
});
