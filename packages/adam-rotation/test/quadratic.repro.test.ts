import { initBackend } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { quadratic } from '../src/experiments/index.js';
import { claimsFailing, runExperiment } from './helpers.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('Tier 0 reproduction: the rotated quadratic', () => {
  it('seeds 0–2: Adam converges unrotated and stalls under rotation; heavy-ball SGD is unchanged', async () => {
    const { summary } = await runExperiment(quadratic, [0, 1, 2]);
    expect(summary.claims.map((c) => c.id)).toEqual([
      'sgd-level',
      'adam-none-converges',
      'adam-dense-stalls',
      'adam-block-stalls',
      'sgd-equivariant',
    ]);
    expect(claimsFailing(summary)).toEqual([]);
    expect(summary.verdicts.map((v) => v.status)).toEqual(Array(5).fill('holds'));
  });

  it('a learning rate that makes SGD diverge fails the claims with its non-finite loss', async () => {
    const { summary } = await runExperiment(quadratic, [0], { sgdLr: 10 });
    const v = summary.verdicts.find((x) => x.claim === 'sgd-equivariant')!;
    expect(v.status).toBe('fails');
    expect(v.reason).toMatch(/non-finite value \(NaN\) at seed 0/);
  });
});
