import {
  applyCnn,
  initBackend,
  initCnn,
  PaperkitInputError,
  Rng,
  resolveConfig,
} from '@paperkit/tensor-core';
import { expectNoLeak, fakeCellContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sparsity } from '../src/experiments/sparsity.js';
import { hardConcreteInitLogAlpha } from '../src/gates/hard-concrete.js';
import { addL0Gates } from '../src/gates/l0-gates.js';

const CONFIG = { inputShape: [14, 14, 1], channels: [3, 4], outputs: 10 } as const;
const gatedCnn = (seed: number, dropRateInit: number) => {
  const params = initCnn(Rng.fromSeed(seed).stream('init'), CONFIG);
  return { params, gates: addL0Gates(params, { dropRateInit }) };
};

describe('addL0Gates on the convnet of nupi/sparsity', () => {
  beforeAll(() => initBackend({ prefer: 'cpu' }));

  it('gates every weight (not the biases); densities by hand at init and with half the gates shut', () => {
    const { params, gates } = gatedCnn(0, 0.01);
    // conv0 3·3·1·3 = 27, conv1 3·3·3·4 = 108, fc0 (3·3·4)·10 = 360 weights.
    expect(gates.gateNames).toEqual(['conv0.gate', 'conv1.gate', 'fc0.gate']);
    expect(gates.weightNames).toEqual([
      'conv0.weight',
      'conv0.bias',
      'conv1.weight',
      'conv1.bias',
      'fc0.weight',
      'fc0.bias',
    ]);
    // P(z ≠ 0) = sigmoid(log α − β log(−γ/ζ)) with β = 2/3, γ = −0.1, ζ = 1.1 and log α = log 99.
    const open = 1 / (1 + Math.exp(-(hardConcreteInitLogAlpha(0.01) + (2 / 3) * Math.log(11))));
    expect(gates.density().dataSync()[0]).toBeCloseTo(open, 6);
    expect(gates.prunedDensity().dataSync()[0]).toBe(1);
    // Shut fc0 entirely (log α = −10: P ≈ sigmoid(−8.4), test-time gate 0): 135 of 495 weights stay.
    params.assign({ 'fc0.gate': tf.fill([36, 10], -10) });
    const shut = 1 / (1 + Math.exp(-(-10 + (2 / 3) * Math.log(11))));
    expect(gates.density().dataSync()[0]).toBeCloseTo((135 * open + 360 * shut) / 495, 6);
    expect(gates.prunedDensity().dataSync()[0]).toBeCloseTo(135 / 495, 6);
    // A shut gate zeroes its weight in the test-time tensors; the others keep theirs (gate 1 at log α = log 99).
    const t = tf.tidy(() => gates.deterministic());
    expect(tf.tidy(() => tf.max(tf.abs(t['fc0.weight']!)).dataSync()[0])).toBe(0);
    expect(t['conv0.weight']!.dataSync()).toEqual(params.get('conv0.weight').dataSync());
    tf.dispose(Object.values(t).filter((x) => !params.variables().includes(x as tf.Variable)));
    params.dispose();
  });

  it('forward passes are [B, 10] logits, sampled gates differ between draws, nothing leaks', async () => {
    const { params, gates } = gatedCnn(1, 0.3);
    const x = tf.randomUniform([4, 196], 0, 1, 'float32', 5);
    const noise = Rng.fromSeed(2).stream('gates');
    await expectNoLeak(() => {
      const [a, b, d] = tf.tidy(() => [
        applyCnn(gates.sampled(noise), x, CONFIG),
        applyCnn(gates.sampled(noise), x, CONFIG),
        applyCnn(gates.deterministic(), x, CONFIG),
      ]);
      expect(a!.shape).toEqual([4, 10]);
      expect(d!.shape).toEqual([4, 10]);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a!, b!))).dataSync()[0])).toBeGreaterThan(1e-4);
      tf.dispose([a!, b!, d!]);
    });
    x.dispose();
    params.dispose();
  });

  it('bad input names the parameter: dropRateInit outside (0, 1), unknown or no weights to gate', () => {
    const params = initCnn(Rng.fromSeed(0).stream('init'), CONFIG);
    expect(() => addL0Gates(params, { dropRateInit: 1 })).toThrow(
      /dropRateInit must be a number in \(0, 1\); got 1/,
    );
    expect(() => addL0Gates(params, { dropRateInit: 0.1, names: ['conv9.weight'] })).toThrow(
      PaperkitInputError,
    );
    expect(() => addL0Gates(params, { dropRateInit: 0.1, names: ['conv9.weight'] })).toThrow(/names/);
    expect(() => addL0Gates(params, { dropRateInit: 0.1, names: [] })).toThrow(/names/);
    expect(params.names()).toHaveLength(6);
    params.dispose();
  });
});

describe('nupi/sparsity reproduces its effect (seed 0, the quick config)', () => {
  beforeAll(() => initBackend({ prefer: 'wasm' }));

  it('νPI κp = 100 reaches 0.30 ± 0.01 in 400 rolls without diving below 0.29; GA at κi = 0.1 dives below 0.28 with λ still wound up', async () => {
    const c = resolveConfig(sparsity, 'quick');
    const run = async (ki: number, kp: number, steps: number) =>
      (await sparsity.cell({ ...c, steps }, { ki, kp, init: 'zeros' }, fakeCellContext(0))).metrics;
    const pi = await run(c.ki, c.kps[0]!, 400);
    expect(Math.abs(pi.finalDensity! - c.targetDensity)).toBeLessThanOrEqual(0.01);
    expect(pi.minDensity).toBeGreaterThan(c.targetDensity - 0.01);
    const ga = await run(c.gaKis[0]!, 0, c.steps);
    expect(ga.minDensity).toBeLessThan(c.targetDensity - 0.02);
    expect(ga.finalLambda).toBeGreaterThan(1);
  }, 300_000);
});
