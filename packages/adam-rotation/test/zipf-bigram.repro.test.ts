import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { fakeContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { zipfBigramExperiment } from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('Tier 1 reproduction: Zipfian bigram model (spec A.6, the headline)', () => {
  it('Adam: none ≈ token-local < layer ≤ global; heavy-ball SGD identical under rotation and worse than Adam', async () => {
    const before = tf.memory().numTensors;
    const cfg = resolveConfig(zipfBigramExperiment, 'quick', {
      scopes: ['none', 'fanOut', 'layer', 'global'],
      sgdScopes: ['none', 'layer', 'global'],
    });
    const r = await zipfBigramExperiment.run(cfg, fakeContext(0));
    const s = r.summary as Record<string, number>;
    const none = s['adam.none.loss']!;
    // Spec assertions with its margins (one fixed seed).
    expect(none + 0.02).toBeLessThan(s['adam.layer.loss']!);
    expect(s['adam.layer.loss']!).toBeLessThanOrEqual(s['adam.global.loss']! + 0.002);
    expect(Math.abs(s['adam.fanOut.loss']! - none)).toBeLessThan(0.02);
    expect(s['sgdm.maxDifferenceAcrossScopes']).toBeLessThan(1e-4);
    const sgdBest = Math.min(
      s['sgdm.none.lr0.1.loss']!,
      s['sgdm.none.lr0.3.loss']!,
      s['sgdm.none.lr1.loss']!,
    );
    expect(none).toBeLessThan(sgdBest);
    // Both losses sit above the entropy floor 3.335 of the chain.
    expect(s.floor).toBeCloseTo(3.335, 2);
    expect(none).toBeGreaterThan(s.floor!);
    expect(r.comparisons.filter((c) => c.holds === false)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
