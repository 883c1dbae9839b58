import { initBackend } from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { speedupBase, speedupCell } from '../src/experiments/index.js';

beforeAll(async () => {
  await initBackend();
});

/**
 * Headline reproduction (nino/speedup, in-distribution task, the acceptance criterion of issue 14 on
 * one seed): on a seed used neither for meta-training nor for calibrating the targets, the shipped
 * NiNo-small reaches the task's target in at most 0.85× Adam's steps, ends with a validation loss not
 * above Adam's, and never produces a non-finite loss.
 */
describe('reproduction: the shipped NiNo-small accelerates Adam on a held-out seed', () => {
  it('reaches the target in ≤ 0.85× Adam’s steps and ends no higher (ID task, seed 7)', async () => {
    const cfg = { ...speedupBase, tasks: ['id' as const] };
    const adam = await speedupCell(cfg, { method: 'adam', task: 'id' }, fakeCellContext(7));
    const nino = await speedupCell(cfg, { method: 'nino', task: 'id' }, fakeCellContext(7));
    expect(nino.metrics.diverged).toBe(0);
    expect(nino.series!.valLoss!.y.every((v) => Number.isFinite(v))).toBe(true);
    expect(adam.metrics.reached).toBe(1);
    expect(nino.metrics.steps).toBeLessThanOrEqual(0.85 * adam.metrics.steps);
    expect(nino.metrics.finalValLoss).toBeLessThanOrEqual(adam.metrics.finalValLoss);
  });
});
