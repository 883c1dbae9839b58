import { initBackend, PaperkitInputError } from '@paperkit/tensor-core';
import { expectBitIdentical } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamCG,
  AdamCG64,
  AdamCM,
  AdamCM64,
  type CriticalBuffer64,
  type CriticalBufferOptimizer,
  PriorityKeys,
} from '../src/index.js';
import { multiProblem } from './helpers.js';

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

  it('the saved state holds m, v, every buffer slot, keys, call counts, the stream and the first-call flag', () => {
    const m = model();
    const opt = new AdamCM({ lr: 0.05, topC: 2 });
    opt.minimize(m.loss, m.vars).dispose();
    const s = opt.getState();
    const cm = s.transform.children!.criticalMomenta!;
    expect(Object.keys(cm.params!.w!.slots!).sort()).toEqual(['S', 'b0', 'b1', 'm', 'v']);
    expect(cm.params!.w!.counters).toEqual({ count: 1 });
    expect(cm.params!.b!.counters).toEqual({ count: 1 });
    const data = cm.data as { keys: Record<string, { size: number }>; rng: { s: number[] } };
    // A saved buffer of size 1 after call 1 is the "first call done" flag: the next call moves.
    expect(data.keys.w!.size).toBe(1);
    expect(data.rng.s).toHaveLength(4);
    const fresh = new AdamCM({ lr: 0.05, topC: 3 });
    fresh.minimize(m.loss, m.vars).dispose();
    const count = tf.memory().numTensors;
    expect(() => fresh.setState(s)).toThrow(/state\.transform\.children\.criticalMomenta\.options must be/);
    // Same settings, but a buffer whose keys are not finite: rejected, naming the key.
    const same = new AdamCM({ lr: 0.05, topC: 2 });
    const broken = JSON.parse(JSON.stringify(s));
    broken.transform.children.criticalMomenta.data.keys.w.keys[0] = -1;
    expect(() => same.setState(broken)).toThrow(
      /criticalMomenta\.data\.keys\.w\.keys\[0\] must be a finite number >= 0/,
    );
    broken.transform.children.criticalMomenta.data.keys.w.keys[0] = 1;
    broken.transform.children.criticalMomenta.data.rng.s = [0, 0, 0, 0];
    expect(() => same.setState(broken)).toThrow(
      /criticalMomenta\.data\.rng\.s must be generator words that are not all zero/,
    );
    // A rejected state changes nothing: same tensors, same call count.
    expect(tf.memory().numTensors).toBe(count);
    expect(fresh.iterations).toBe(1);
    expect(() => new AdamCG({ lr: 0.05 }).setState(s)).toThrow(PaperkitInputError);
    opt.dispose();
    fresh.dispose();
    same.dispose();
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
    // A PyTorch spelling is an error, not silently ignored (the reference's topc, synced, critical_test).
    ['unknown option', () => new AdamCM({ topc: 3 } as never), /config\.topc must be a known option/],
    [
      'unknown option (CG)',
      () => new AdamCG({ synced: false } as never),
      /config\.synced must be a known option/,
    ],
    [
      'negative capacity of the host keys',
      () => new PriorityKeys(-1),
      /capacity must be an integer >= 0; got -1/,
    ],
    [
      'capacity beyond any memory',
      () => new PriorityKeys(1e12),
      /capacity must be an integer <= 1000; got 1000000000000/,
    ],
    ['topC beyond any memory', () => new AdamCM({ topC: 1e12 }), /topC must be an integer <= 1000/],
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

describe('Float64 twins: state', () => {
  const run = (make: () => CriticalBuffer64, calls: number, cutAt?: number) => {
    const prob = multiProblem();
    const p: Record<string, Float64Array> = {};
    for (const [n, v] of Object.entries(prob.init)) p[n] = Float64Array.from(v);
    let opt = make();
    for (let t = 0; t < calls; t++) {
      if (t === cutAt) {
        const saved = JSON.parse(JSON.stringify(opt.getState()));
        opt = make();
        opt.setState(saved);
      }
      opt.step(p, prob.grad(p));
    }
    return Object.values(p).flatMap((x) => Array.from(x));
  };
  for (const [label, make] of [
    [
      'AdamCM64 reference, critical_test',
      () => new AdamCM64({ lr: 0.05, topC: 3, criticalTest: 0.5, amsgrad: true }),
    ],
    ['AdamCG64 clean mean', () => new AdamCG64({ lr: 0.05, topC: 2, compat: 'clean', aggregator: 'mean' })],
  ] as const)
    it(`${label}: resume through JSON equals the uninterrupted run exactly`, () => {
      expect(run(make, 20, 9)).toEqual(run(make, 20));
    });

  it('rejects a bad state naming the field, and changes nothing', () => {
    const opt = new AdamCM64({ lr: 0.05, topC: 2 });
    const x = Float64Array.of(1, -2);
    for (let i = 0; i < 3; i++) opt.step({ x }, { x: Float64Array.from(x) });
    const good = JSON.parse(JSON.stringify(opt.getState()));
    const before = JSON.stringify(opt.getState());
    const bad = (change: (s: { t: unknown; params: { x: Record<string, unknown> } }) => void) => {
      const s = JSON.parse(JSON.stringify(good));
      change(s);
      return s;
    };
    const cases: [unknown, RegExp][] = [
      [bad((s) => (s.t = -1)), /^state\.t must be an integer >= 0/],
      [
        bad((s) => ((s.params.x.v as number[])[0] = -1)),
        /^state\.params\.x\.v\[0\] must be a finite number >= 0/,
      ],
      [
        bad((s) => ((s.params.x.m as number[])[1] = Number.NaN)),
        /^state\.params\.x\.m\[1\] must be a finite number/,
      ],
      [bad((s) => (s.params.x.buf = [[1, 2]])), /^state\.params\.x\.buf must be 2 buffer slots/],
      [bad((s) => (s.params.x.count = 2.5)), /^state\.params\.x\.count must be an integer >= 0/],
      [{ ...good, optimizer: 'AdamCG64' }, /^state\.optimizer must be "AdamCM64"/],
    ];
    for (const [s, msg] of cases) expect(() => opt.setState(s as never)).toThrow(msg);
    expect(JSON.stringify(opt.getState())).toBe(before);
  });
});
