import { initBackend, resolveConfig } from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';
import { expect, it } from 'vitest';
import { scalarExtrapolation } from '../src/experiments/index.js';

/**
 * The headline's claims at the quick preset, seed 1, on wasm (BLAS when available, as the runner):
 * the additive decoder identifies the heights (LMS_Spear ≥ 95) and its decoder alone renders the
 * never-seen square about as well as the training images (decoder-only RMSE ≤ 2× in support), while the
 * non-additive decoder's is several times its in-support error (≥ 3×); and the spec's CI assertion on
 * the kept models: LMS_Spear(additive) − LMS_Spear(non-additive) ≥ 10 and decoder-only error additive <
 * non-additive. Test sets are halved; training is the preset's (8 restarts screened for 250 steps, the
 * best trained to 1500). The LMS gap depends on the seed — with selection, the non-additive model
 * sometimes lands near the axes too — and is judged across seeds by the experiment (README); the
 * additive decoder's identification and extrapolation held at every calibration seed (1–6).
 * About 20 s of CPU (wall time on an idle machine about the same); the generous timeout is for a
 * machine shared with other jobs, where this test measured 19 s of CPU in 5 min of wall time.
 */
it('additive decoders identify the heights and extrapolate to the unseen square; non-additive ones do not (seed 1)', async () => {
  await initBackend({ prefer: 'wasm' });
  const config = resolveConfig(scalarExtrapolation, 'quick', { nTest: 500, nOos: 500, grid: 2 });
  const add = (await scalarExtrapolation.cell(config, { decoder: 'additive' }, fakeCellContext(1))).metrics;
  const non = (await scalarExtrapolation.cell(config, { decoder: 'non-additive' }, fakeCellContext(1)))
    .metrics;
  expect(add.lms).toBeGreaterThanOrEqual(95);
  expect(add.rmseCpe / add.rmseIn).toBeLessThanOrEqual(2);
  expect(non.rmseCpe / non.rmseIn).toBeGreaterThanOrEqual(3);
  expect(add.lms - non.lms).toBeGreaterThanOrEqual(10);
  expect(add.rmseCpe).toBeLessThan(non.rmseCpe);
}, 900_000);
