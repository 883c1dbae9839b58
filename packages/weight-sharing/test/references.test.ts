import { Rng } from '@paperkit/tensor-core';
import { maxAbsDiff } from '@paperkit/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { proxR } from '../src/index.js';
import { tiedGaussian } from './helpers.js';
import { bruteForceProx, particleSimulation } from './reference.js';

describe('independent references (spec §I.9 oracles 10–11)', () => {
  it('the event-driven particle simulation equals PAV (tol 1e-12), d ≤ 30', () => {
    const rng = Rng.fromSeed(41);
    for (let t = 0; t < 150; t++) {
      const d = 2 + rng.int(29);
      const w = tiedGaussian(rng, d);
      const lambda = rng.uniform(0, 3);
      expect(maxAbsDiff(particleSimulation(w, lambda), proxR(w, lambda).x)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('the brute-force dual box-QP equals PAV (tol 1e-9), d ≤ 8, tied inputs included', () => {
    const rng = Rng.fromSeed(42);
    for (let t = 0; t < 150; t++) {
      const d = 2 + rng.int(7);
      const w = tiedGaussian(rng, d, 0.5);
      const lambda = rng.uniform(0, 3);
      expect(maxAbsDiff(bruteForceProx(w, lambda), proxR(w, lambda).x)).toBeLessThanOrEqual(1e-9);
    }
  });

  it('the references reproduce the hand-worked (0, 1, 5) values', () => {
    expect(maxAbsDiff(particleSimulation([0, 1, 5], 1), [1, 1, 4])).toBeLessThanOrEqual(1e-15);
    expect(maxAbsDiff(bruteForceProx([0, 1, 5], 2), [1.5, 1.5, 3])).toBeLessThanOrEqual(1e-12);
    expect(maxAbsDiff(bruteForceProx([0, 1, 5], 2, 1), [0.5, 0.5, 2])).toBeLessThanOrEqual(1e-12);
  });
});
