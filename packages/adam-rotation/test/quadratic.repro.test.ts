import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { fakeContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { quadraticExperiment } from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('Tier 0 reproduction: the rotated quadratic (spec A.6)', () => {
  it('Adam converges unrotated and stalls under rotation; heavy-ball SGD is unchanged', async () => {
    const before = tf.memory().numTensors;
    const r = await quadraticExperiment.run(resolveConfig(quadraticExperiment, 'quick'), fakeContext(0));
    const s = r.summary as Record<string, number>;
    expect(s['adam.none.final']).toBeLessThan(1e-6);
    expect(s['adam.dense.final']).toBeGreaterThan(1e-3);
    expect(s['adam.block.final']).toBeGreaterThan(1e-3);
    expect(s['sgdm.maxRelativeDifference']).toBeLessThan(1e-4);
    // The heavy-ball loss matches the spec's float64 calibration 1.75e-3.
    expect(s['sgdm.none.final']).toBeCloseTo(1.75e-3, 5);
    expect(r.comparisons.every((c) => c.holds === true)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
