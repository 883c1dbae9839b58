import { Adam, initBackend, type Optimizer, Rng, resolveConfig } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeExperiment } from '../src/experiments/index.js';
import { AdamCM, sharpFlatGrad } from '../src/index.js';
import { judgeOverSeeds } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

describe('reproduction: Adam+CM escapes sharp wells, Adam does not (Toy 1, seeds 0–2)', () => {
  it('the spec’s assertions and its calibration hold as verdicts over three seeds of 100 runs', async () => {
    // Spec Toy 1: T = 400, lr 0.05, noise 0.5, reference semantics, C = 5, λ = 0.7, 100 runs per cell.
    const config = resolveConfig(escapeExperiment, 'quick', { kappas: [4, 8, 16, 32], lrs: [0.05] });
    const { verdicts, tables } = await judgeOverSeeds(escapeExperiment, config, [0, 1, 2]);
    // escape(CM, κ = 16) ≥ 0.8; escape(Adam, κ ≤ 32) ≤ 0.05; stay-in-flat ≥ 0.95 for both.
    for (const id of ['cm-escapes', 'adam-stays', 'flat-kept'])
      expect(verdicts[id]!.status, `${id}: ${verdicts[id]!.reason}`).toBe('holds');
    // Within ±0.15 of the spec's numpy values 0 / 0.99 / 0.99 / 0.93 at κ 4 / 8 / 16 / 32.
    for (const k of [4, 8, 16, 32])
      expect(verdicts[`cm-calibration-k${k}`]!.status, verdicts[`cm-calibration-k${k}`]!.reason).toBe(
        'holds',
      );
    // Adam+CG (C = 10) stays in the sharp well like Adam at κ = 16: the escape is the momentum buffer's.
    for (const t of tables)
      expect(
        t.value('flatFraction', { start: 'sharp', method: 'adam-cg', lr: 0.05, kappa: 16 }),
      ).toBeLessThan(0.5);
  });

  it('the tensor AdamCM escapes too, where tensor-core’s Adam stays (κ = 16, 12 runs)', () => {
    const noise = Rng.fromSeed(2024).stream('toy1');
    const finals = (make: () => Optimizer): number[] => {
      const out: number[] = [];
      for (let s = 0; s < 12; s++) {
        const rng = noise.stream('sharp-k16').stream(`seed-${s}`);
        const x = tf.variable(tf.tensor1d([-1 + 0.01 * rng.normal()]));
        const opt = make();
        let host = x.dataSync()[0]!;
        for (let t = 0; t < 400; t++) {
          const g = tf.tensor1d([sharpFlatGrad(host, 16) + 0.5 * rng.normal()]);
          opt.step({ x }, { x: g });
          g.dispose();
          host = x.dataSync()[0]!;
        }
        out.push(host);
        opt.dispose();
        x.dispose();
      }
      return out;
    };
    const cm = finals(() => new AdamCM({ lr: 0.05, topC: 5, decay: 0.7 }));
    const adam = finals(() => new Adam({ lr: 0.05 }));
    expect(cm.filter((x) => x > 0.25).length).toBeGreaterThanOrEqual(10);
    expect(adam.filter((x) => x > 0.25).length).toBe(0);
  });
});
