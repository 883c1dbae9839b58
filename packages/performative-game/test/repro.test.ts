import { Adam, initBackend, Rng } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  barabasiAlbertNetworkx,
  CRD,
  completeGraph,
  completeGraphRrmLaw,
  createMlpPredictor,
  DifferentiableGame,
  rrmPopulation,
  rrmSummary,
  trainPredictor,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

/**
 * Headline claim (§II.9 G2–G3) at T = 0.5 on the paper's training graph BA(20, 2, seed 0):
 * accuracy-seeking predictions end at (near) zero welfare, while a predictor trained on the proxy
 * welfare loss, which differentiates through the agents' Bayesian model, buys a large welfare gain
 * for a measured loss of accuracy. Margins fixed before running: welfare gain ≥ 0.2, accuracy cost
 * ≥ 0.1, accuracy-trained welfare ≤ 0.1 (only the degree-1 agent's K = 1 group can succeed).
 */
describe('reproduction: accuracy-seeking predictions minimise welfare, welfare-seeking ones trade accuracy for it', () => {
  const graph = barabasiAlbertNetworkx(20, 2, 0);
  const crd = new CRD({ e: 1, r: 0.4, c: 0.2, threshold: 0.5 });

  it('RRM ends at zero welfare with high probability (complete graph) and ≥ 85% failed groups (BA graph)', () => {
    expect(completeGraphRrmLaw(20, crd).zeroWelfare).toBeCloseTo(20 / 21, 12);
    expect(
      rrmSummary(rrmPopulation(completeGraph(20), crd), Rng.fromSeed(0), 1000).zeroWelfareFraction,
    ).toBeGreaterThan(0.93);
    expect(
      rrmSummary(rrmPopulation(graph, crd), Rng.fromSeed(0), 1000).failedFraction,
    ).toBeGreaterThanOrEqual(0.85);
  });

  it('reference MLP (emb 128, 512–512), Adam 1e-4, 30 epochs, seed 0', async () => {
    const game = new DifferentiableGame({ graph, crd, rounds: 20 });
    const best: Record<string, { welfare: number; accuracy: number }> = {};
    for (const objective of ['group', 'accuracy'] as const) {
      const predictor = createMlpPredictor(20, Rng.fromSeed(0).stream('model'));
      const run = await trainPredictor({
        game,
        predictor,
        objective,
        epochs: 30,
        optimizer: new Adam({ lr: 1e-4 }),
      });
      best[objective] = run.history[run.best]!;
      predictor.dispose();
    }
    game.dispose();
    expect(best.accuracy!.welfare).toBeLessThanOrEqual(0.1);
    expect(best.accuracy!.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(best.group!.welfare - best.accuracy!.welfare).toBeGreaterThanOrEqual(0.2);
    expect(best.accuracy!.accuracy - best.group!.accuracy).toBeGreaterThanOrEqual(0.1);
  });

  it('holds across seeds for a narrower MLP (emb 32, 128–128, Adam 1e-3, 25 epochs), seeds 0–2', async () => {
    const game = new DifferentiableGame({ graph, crd, rounds: 20 });
    for (const seed of [0, 1, 2]) {
      const best: Record<string, { welfare: number; accuracy: number }> = {};
      for (const objective of ['group', 'accuracy'] as const) {
        const predictor = createMlpPredictor(20, Rng.fromSeed(seed).stream('model'), {
          embeddingDim: 32,
          hidden: [128, 128],
        });
        const run = await trainPredictor({
          game,
          predictor,
          objective,
          epochs: 25,
          optimizer: new Adam({ lr: 1e-3 }),
        });
        best[objective] = run.history[run.best]!;
        predictor.dispose();
      }
      expect(best.accuracy!.welfare, `seed ${seed}`).toBeLessThanOrEqual(0.1);
      expect(best.group!.welfare - best.accuracy!.welfare, `seed ${seed}`).toBeGreaterThanOrEqual(0.2);
      expect(best.accuracy!.accuracy - best.group!.accuracy, `seed ${seed}`).toBeGreaterThanOrEqual(0.1);
    }
    game.dispose();
  });
});
