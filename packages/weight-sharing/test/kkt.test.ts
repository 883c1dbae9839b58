import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { kktCheck, PROX_ALGORITHMS, proxR } from '../src/index.js';
import { tiedGaussian } from './helpers.js';
import { bruteForceProx } from './reference.js';

describe('kktCheck (spec §I.2)', () => {
  it('accepts every true prox output (all algorithms, tied inputs)', () => {
    const rng = Rng.fromSeed(51);
    for (let t = 0; t < 200; t++) {
      const d = 2 + rng.int(60);
      const w = tiedGaussian(rng, d);
      const lambda = rng.uniform(0, 2);
      const algorithm = PROX_ALGORITHMS[t % 4]!;
      const r = kktCheck(w, proxR(w, lambda, { algorithm }).x, lambda, 1e-10);
      expect(r.ok).toBe(true);
      expect(r.worst === null || r.maxViolation <= 1e-10).toBe(true);
    }
  });

  it('accepts the brute-force QP solution, which was computed without the sorted form', () => {
    const rng = Rng.fromSeed(52);
    for (let t = 0; t < 30; t++) {
      const w = tiedGaussian(rng, 2 + rng.int(7));
      const lambda = rng.uniform(0, 2);
      expect(kktCheck(w, bruteForceProx(w, lambda), lambda, 1e-9).ok).toBe(true);
    }
  });

  it('rejects outputs with one entry perturbed by 1e-3', () => {
    const rng = Rng.fromSeed(53);
    for (let t = 0; t < 200; t++) {
      const d = 2 + rng.int(60);
      const w = tiedGaussian(rng, d);
      const lambda = rng.uniform(0.01, 2);
      const x = proxR(w, lambda).x;
      x[rng.int(d)]! += rng.bernoulli(0.5) ? 1e-3 : -1e-3;
      const r = kktCheck(w, x, lambda, 1e-9);
      expect(r.ok).toBe(false);
      expect(r.maxViolation).toBeGreaterThan(1e-9);
    }
  });

  it('names the failing condition: order, cluster value, prefix feasibility', () => {
    // (0, 1, 5) at λ = 2 is (1.5, 1.5, 3).
    expect(kktCheck([0, 1, 5], [1.5, 1.5, 3], 2, 1e-12)).toMatchObject({ ok: true, clusters: 2 });
    expect(kktCheck([0, 1, 5], [3, 1.5, 1.5], 2, 1e-12).worst).toBe('order');
    expect(kktCheck([0, 1, 5], [1.4, 1.4, 3.2], 2, 1e-12).worst).toBe('cluster-value');
    // Pooling {0, 1, 5} at λ = 1 gives the right mean (2) but the lower two would separate: (1, 1, 4).
    expect(kktCheck([0, 1, 5], [2, 2, 2], 1, 1e-12).worst).toBe('prefix');
    expect(kktCheck([0, 1, 5], [2, 2, 2], 3, 1e-12).ok).toBe(true);
  });
});
