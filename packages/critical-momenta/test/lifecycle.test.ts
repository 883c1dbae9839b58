import { initBackend, PaperkitInputError } from '@paperkit/tensor-core';
import { expectBitIdentical } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamCG, AdamCM, AdamCM64, type CriticalBufferOptimizer } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

function model(): { vars: Record<string, tf.Variable>; loss: () => tf.Scalar; dispose: () => void } {
  const w = tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5], [3, 2]));
  const b = tf.variable(tf.tensor1d([0.1, -0.2]));
  const x = tf.tensor2d([1, 2, -1, 0.5, 0.3, -2, 0.7, 0.1, 1.1], [3, 3]);
  const loss = () => tf.sum(tf.square(tf.tanh(tf.add(tf.matMul(x, w), b)))) as tf.Scalar;
  return { vars: { w, b }, loss, dispose: () => tf.dispose([w, b, x]) };
}

const OPTIMIZERS: [string, () => CriticalBufferOptimizer][] = [
  ['AdamCM reference', () => new AdamCM({ lr: 0.05, topC: 3 })],
  [
    'AdamCM reference amsgrad wd critical_test',
    () => new AdamCM({ lr: 0.05, topC: 4, amsgrad: true, weightDecay: 0.1, criticalTest: 0.5 }),
  ],
  ['AdamCM clean recompute', () => new AdamCM({ lr: 0.05, compat: 'clean', topC: 5 })],
  ['AdamCG reference mean', () => new AdamCG({ lr: 0.05, topC: 3, aggregator: 'mean' })],
  [
    'AdamCG clean recompute critical_test',
    () => new AdamCG({ lr: 0.05, compat: 'clean', topC: 2, criticalTest: 0.5 }),
  ],
];

describe('oracle 8: no leaks', () => {
  for (const [label, make] of OPTIMIZERS)
    it(`${label}: tensor count constant between steps 10 and 20, back to baseline after dispose`, () => {
      const m = model();
      const opt = make();
      const base = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) opt.minimize(m.loss, m.vars).dispose();
      const at10 = tf.memory().numTensors;
      const bytes10 = tf.memory().numBytes;
      for (let i = 0; i < 10; i++) opt.minimize(m.loss, m.vars).dispose();
      expect(tf.memory().numTensors).toBe(at10);
      // Evicted values are released: memory does not grow with replacements either.
      expect(tf.memory().numBytes).toBeLessThanOrEqual(bytes10);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(base);
      m.dispose();
    });
});

describe('oracle 9: serialization', () => {
  for (const [label, make] of OPTIMIZERS)
    it(`${label}: getState/setState through JSON resumes bit-identically`, async () => {
      const a = model();
      const optA = make();
      for (let i = 0; i < 7; i++) optA.minimize(a.loss, a.vars).dispose();
      const state = JSON.parse(JSON.stringify(await optA.getState()));
      const b = model();
      for (const n of Object.keys(a.vars)) b.vars[n]!.assign(a.vars[n]!);
      const optB = make();
      optB.setState(state);
      expect(optB.iterations).toBe(7);
      for (let i = 0; i < 8; i++) {
        optA.minimize(a.loss, a.vars).dispose();
        optB.minimize(b.loss, b.vars).dispose();
      }
      for (const n of Object.keys(a.vars)) expectBitIdentical(b.vars[n]!.dataSync(), a.vars[n]!.dataSync());
      const ka = optA.inspectBuffer('w')!;
      const kb = optB.inspectBuffer('w')!;
      expect(kb.keys).toEqual(ka.keys);
      expect(kb.steps).toEqual(ka.steps);
      for (const s of [ka, kb]) tf.dispose([...s.values, ...(s.sum ? [s.sum] : [])]);
      optA.dispose();
      optB.dispose();
      a.dispose();
      b.dispose();
    });

  it('the saved state holds m, v, every buffer slot, keys, call counts and the first-call flag', async () => {
    const m = model();
    const opt = new AdamCM({ lr: 0.05, topC: 2 });
    opt.minimize(m.loss, m.vars).dispose();
    const s = await opt.getState();
    expect(Object.keys(s.slots.w!).sort()).toEqual(['S', 'b0', 'b1', 'm', 'v']);
    const extra = s.extra as { counts: Record<string, number>; keys: Record<string, { size: number }> };
    expect(extra.counts).toEqual({ w: 1, b: 1 });
    // A saved buffer of size 1 after call 1 is the "first call done" flag: the next call moves.
    expect(extra.keys.w!.size).toBe(1);
    const fresh = new AdamCM({ lr: 0.05, topC: 3 });
    fresh.minimize(m.loss, m.vars).dispose();
    const count = tf.memory().numTensors;
    expect(() => fresh.setState(s)).toThrow(/capacity 3/);
    // A rejected state changes nothing: same tensors, same call count.
    expect(tf.memory().numTensors).toBe(count);
    expect(fresh.iterations).toBe(1);
    expect(() => new AdamCG({ lr: 0.05 }).setState(s)).toThrow(PaperkitInputError);
    opt.dispose();
    fresh.dispose();
    m.dispose();
  });
});

describe('bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['topC < 0', () => new AdamCM({ topC: -1 }), /topC must be an integer >= 0; got -1/],
    ['topC fractional', () => new AdamCM({ topC: 2.5 }), /topC must be an integer >= 0/],
    ['decay = 0', () => new AdamCM({ decay: 0 }), /decay must be a number in \(0, 1\); got 0/],
    ['decay = 1', () => new AdamCG({ decay: 1 }), /decay must be a number in \(0, 1\); got 1/],
    [
      'kappa = 0 in reference',
      () => new AdamCM({ kappa: 0 }),
      /kappa must be a number > 0 in compat 'reference'.*Q2.*compat: 'clean'/,
    ],
    [
      'topC = 0 in reference',
      () => new AdamCM({ topC: 0 }),
      /topC must be an integer >= 1 in compat 'reference'.*Q3.*compat: 'clean'/,
    ],
    ['topC = 0 in reference (CG)', () => new AdamCG({ topC: 0 }), /Adam_C re-initialises/],
    ['kappa < 0', () => new AdamCM({ compat: 'clean', kappa: -1 }), /kappa must be a finite number >= 0/],
    [
      'criticalTest > 1',
      () => new AdamCM({ criticalTest: 1.5 }),
      /criticalTest must be a number in \[0, 1\]/,
    ],
    [
      'compat typo',
      () => new AdamCM({ compat: 'ref' as 'clean' }),
      /compat must be one of "reference", "clean"/,
    ],
    ['priority typo', () => new AdamCM({ priority: 'norm' as 'globalNorm' }), /priority must be one of/],
    [
      'gradient moment in reference',
      () => new AdamCM({ secondMoment: 'gradient' }),
      /secondMoment must be 'aggregate' in compat 'reference'/,
    ],
    [
      'aggregator typo',
      () => new AdamCG({ aggregator: 'avg' as 'mean' }),
      /aggregator must be one of "sum", "mid", "mean"/,
    ],
    ['beta1 = 1', () => new AdamCM({ beta1: 1 }), /beta1 must be a number in \[0, 1\)/],
    ['seed', () => new AdamCM({ seed: 0.5 }), /seed must be a safe integer/],
  ];
  for (const [label, make, msg] of cases) it(label, () => expect(make).toThrow(msg));

  it('the Float64 twins reject non-finite gradients and mismatched lengths too', () => {
    const opt = new AdamCM64({ topC: 2 });
    const x = Float64Array.of(1, 2);
    expect(() => opt.step({ x }, { x: Float64Array.of(Number.NaN, 0) })).toThrow(
      /grads\.x must be a gradient of finite values/,
    );
    expect(() => opt.step({ x }, { x: Float64Array.of(1) })).toThrow(
      /grads\.x must be a Float64Array of length 2/,
    );
    expect(() => opt.step({ x }, { y: Float64Array.of(1, 2) })).toThrow(
      /grads\.y must be a gradient for a known parameter/,
    );
    expect(opt.iterations).toBe(0);
    expect(Array.from(x)).toEqual([1, 2]);
  });

  it('non-finite gradients stop the step with an error naming the tensor, leaving state unchanged', () => {
    for (const opt of [new AdamCM({ lr: 0.1, topC: 2 }), new AdamCG({ lr: 0.1, topC: 2 })]) {
      const x = tf.variable(tf.tensor1d([1, 2]));
      const ok = tf.tensor1d([0.5, 0.5]);
      opt.step({ x }, { x: ok });
      const before = Array.from(x.dataSync());
      const count = tf.memory().numTensors;
      for (const bad of [tf.tensor1d([Number.NaN, 1]), tf.tensor1d([1, Number.POSITIVE_INFINITY])]) {
        expect(() => opt.step({ x }, { x: bad })).toThrow(/grads\.x must be a gradient of finite values/);
        bad.dispose();
      }
      expect(tf.memory().numTensors).toBe(count);
      expect(Array.from(x.dataSync())).toEqual(before);
      expect(opt.iterations).toBe(1);
      tf.dispose([x, ok]);
      opt.dispose();
    }
  });
});
