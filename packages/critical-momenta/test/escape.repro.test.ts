import { Adam, initBackend, type Optimizer, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EscapeSetting, escapeRatio, type ToyMethod } from '../src/experiments/escape-sim.js';
import { sharpFlatGrad } from '../src/experiments/landscapes.js';
import { AdamCM } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

// Spec B.4 Toy 1: T = 400, lr 0.05, noise 0.5, reference semantics, C = 5, λ = 0.7, 100 fixed seeds.
const base: Omit<EscapeSetting, 'kappaSharp' | 'start'> = {
  lr: 0.05,
  topC: 5,
  cgTopC: 10,
  decay: 0.7,
  steps: 400,
  noise: 0.5,
  threshold: 0.25,
};
const noise = Rng.fromSeed(2024).stream('toy1');
const ratio = (method: ToyMethod, kappaSharp: number, start: 'sharp' | 'flat' = 'sharp'): number =>
  escapeRatio(method, { ...base, kappaSharp, start }, noise.stream(`${start}-k${kappaSharp}`), 100).ratio;

describe('reproduction: Adam+CM escapes sharp wells, Adam does not (Toy 1)', () => {
  it('escape(CM, κ = 16) ≥ 0.8 and escape(Adam, κ ∈ {4, 8, 16, 32}) ≤ 0.05', () => {
    expect(ratio('adam-cm', 16)).toBeGreaterThanOrEqual(0.8);
    for (const k of [4, 8, 16, 32]) expect(ratio('adam', k)).toBeLessThanOrEqual(0.05);
  });

  it('both stay in the flat well when they start there (≥ 0.95)', () => {
    expect(ratio('adam', 16, 'flat')).toBeGreaterThanOrEqual(0.95);
    expect(ratio('adam-cm', 16, 'flat')).toBeGreaterThanOrEqual(0.95);
  });

  it('the tensor AdamCM escapes too, where tensor-core’s Adam stays (κ = 16, 12 seeds)', () => {
    const finals = (make: () => Optimizer): number[] => {
      const out: number[] = [];
      for (let s = 0; s < 12; s++) {
        const rng = noise.stream(`sharp-k16`).stream(`seed-${s}`);
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
