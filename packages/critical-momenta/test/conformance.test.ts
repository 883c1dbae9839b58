import { initBackend, warmupCosineSchedule } from '@paperkit/tensor-core';
import { optimizerConformance } from '@paperkit/tensor-core/testing';
import { AdamCG, AdamCM } from '../src/index.js';

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
