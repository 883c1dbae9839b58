import { initBackend } from '@paperkit/tensor-core';
import { optimizerConformance } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NuPIOptimizer } from '../src/index.js';

const setup = () => initBackend({ prefer: 'wasm', blas: 'off' });
beforeAll(setup);

async function trajectory(opt: NuPIOptimizer, steps: number): Promise<number[]> {
  // loss = p², gradient 2p, from p = 1.
  const p = tf.tidy(() => tf.variable(tf.scalar(1)));
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => tf.square(p) as tf.Scalar, { p }).dispose();
    out.push((await p.data())[0]!);
  }
  p.dispose();
  opt.dispose();
  return out;
}

describe('NuPIOptimizer hand-computed steps (loss p², p₀ = 1)', () => {
  it('zeros init, η = 0.1, K_I = 1, K_P = 2, ν = 0.5', async () => {
    // g₀ = 2: ξ₀ = 1, u = .1(2 + 2·1) = .4, p₁ = .6. g₁ = 1.2: ξ₁ = .5 + .6 = 1.1,
    // u = .1(1.2 + 2·.1) = .14, p₂ = .46.
    const ps = await trajectory(new NuPIOptimizer({ lr: 0.1, ki: 1, kp: 2, nu: 0.5, init: 'zeros' }), 2);
    expect(ps[0]).toBeCloseTo(0.6, 6);
    expect(ps[1]).toBeCloseTo(0.46, 6);
  });

  it('sgd init: the first step is plain SGD with η·K_I, then ξ₀ = (1−ν)g₀', async () => {
    // g₀ = 2: u = .2, p₁ = .8, ξ₀ = 1. g₁ = 1.6: ξ₁ = .5 + .8 = 1.3, u = .1(1.6 + 2·.3) = .22, p₂ = .58.
    const ps = await trajectory(new NuPIOptimizer({ lr: 0.1, ki: 1, kp: 2, nu: 0.5, init: 'sgd' }), 2);
    expect(ps[0]).toBeCloseTo(0.8, 6);
    expect(ps[1]).toBeCloseTo(0.58, 6);
  });

  it('weight decay is decoupled: p·(1 − η·wd) before the PI step', async () => {
    // p₁ = 1·(1 − .1·.5) − .1·2 = .75.
    const ps = await trajectory(new NuPIOptimizer({ lr: 0.1, weightDecay: 0.5 }), 1);
    expect(ps[0]).toBeCloseTo(0.75, 6);
  });
});

optimizerConformance('NuPIOptimizer (sgd init; PI on the quadratic, damped momentum on Rosenbrock)', {
  setup,
  quadratic: { create: () => new NuPIOptimizer({ lr: 0.1, ki: 1, kp: 0.3 }), steps: 200, tol: 1e-3 },
  // K_P = −80 is less anti-damping than heavy ball's −90 at ν = 0.9 (momentum ⇔ K_P < 0).
  rosenbrock: {
    create: () => new NuPIOptimizer({ lr: 1e-3, ki: 10, kp: -80, nu: 0.9 }),
    steps: 1500,
    tol: 0.05,
  },
  invalid: [
    { create: () => new NuPIOptimizer({ lr: -1 }), message: /lr must be a finite number >= 0/ },
    { create: () => new NuPIOptimizer({ lr: 0.1, nu: 1 }), message: /nu must be a number in \(-1, 1\)/ },
    {
      create: () => new NuPIOptimizer({ lr: 0.1, init: 'ones' as 'sgd' }),
      message: /init must be one of "zeros", "sgd"/,
    },
    { create: () => new NuPIOptimizer({ lr: 0.1, kp: Number.NaN }), message: /kp must be a finite number/ },
    {
      create: () => new NuPIOptimizer({ lr: 0.1, weightDecay: -1 }),
      message: /weightDecay must be a finite number >= 0/,
    },
  ],
});

optimizerConformance('NuPIOptimizer (heavy-ball gains, zeros init, ν = 0.9)', {
  setup,
  quadratic: {
    create: () => new NuPIOptimizer({ lr: 0.05, ki: 10, kp: -90, nu: 0.9, init: 'zeros' }),
    steps: 200,
    tol: 1e-3,
  },
  rosenbrock: {
    create: () => new NuPIOptimizer({ lr: 1e-3, ki: 10, kp: -90, nu: 0.9, init: 'zeros' }),
    steps: 1500,
    tol: 0.05,
  },
  invalid: [
    { create: () => new NuPIOptimizer({ lr: 0.1, nu: -1.5 }), message: /nu must be a number in \(-1, 1\)/ },
  ],
});
