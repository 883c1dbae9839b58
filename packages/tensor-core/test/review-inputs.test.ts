import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  accuracyFromLabels,
  applyMlp,
  bernoulliMask,
  featureStats,
  haarOrthogonal,
  initBackend,
  initMlp,
  Momentum,
  oneHot,
  PaperkitInputError,
  ParamMap,
  Rng,
  randomNormal,
  randomUniform,
  standardize,
} from '../src/index.js';
import { expectNoLeak } from '../src/testing/index.js';

// The tensor-core rows of the December reliability review's library table (cpu backend) that were
// answered by a raw TypeError/RangeError or not at all: each must now be a PaperkitInputError whose
// message names the parameter. The rows that were already clear are covered by the module tests.

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

/** Asserts `fn` throws a PaperkitInputError whose message starts with (or contains) `param`. */
function rejects(fn: () => unknown, param: RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a PaperkitInputError matching ${param}`).toBeInstanceOf(PaperkitInputError);
  expect((caught as Error).message).toMatch(param);
}

function oneParam(): ParamMap {
  const w = tf.tensor1d([0.5, -1, 2]);
  const m = ParamMap.fromTensors({ w: { value: w, role: 'weight' } });
  w.dispose();
  return m;
}

describe('random', () => {
  it('Rng.fromState rejects {}, a state of the wrong length, the all-zero state and a bad spare', () => {
    const good = Rng.fromSeed(3).getState();
    rejects(() => Rng.fromState({} as never), /state/);
    rejects(() => Rng.fromState({ ...good, s: good.s.slice(0, 1) } as never), /state\.s/);
    rejects(() => Rng.fromState({ ...good, s: good.s.map(() => 0) } as never), /state\.s/);
    rejects(() => Rng.fromState({ ...good, spare: 'x' } as never), /state\.spare/);
  });

  it('samplers reject impossible ranges and shapes', () => {
    const rng = Rng.fromSeed(1);
    rejects(() => randomUniform(rng, [2], 1, 0), /^hi must be/);
    rejects(() => bernoulliMask(rng, [3], 2), /^keep /);
    rejects(() => bernoulliMask(rng, [3], Number.NaN), /^keep /);
    rejects(() => randomNormal(rng, [-1]), /^shape/);
    rejects(() => randomNormal(rng, [Number.NaN]), /^shape/);
    rejects(() => randomNormal(rng, [1e6, 1e6]), /^shape/);
  });
});

describe('optimizers', () => {
  it('reject eps 0, unknown options and steps on disposed parameters or gradients', () => {
    rejects(() => new Adam({ lr: 1e-3, eps: 0 }), /eps/);
    // the review's spelling is not an option: an unknown key is named, never ignored
    rejects(() => new Adam({ lr: 1e-3, epsilon: 1e-8 } as never), /epsilon/);
    const params = oneParam();
    const opt = new Adam({ lr: 0.1 });
    const g = tf.ones([3]);
    g.dispose();
    rejects(() => opt.step(params, { w: g }), /grads\.w/);
    const g2 = tf.ones([3]);
    params.dispose();
    rejects(() => opt.step(params, { w: g2 }), /w/);
    g2.dispose();
    opt.dispose();
  });

  it('setState rejects every damaged state of the review before changing anything, without leaks', async () => {
    const params = oneParam();
    const opt = new Adam({ lr: 0.1 });
    opt.step(params, { w: tf.ones([3]) });
    const good = JSON.parse(JSON.stringify(opt.getState()));
    const text = JSON.stringify(good);
    // Every numeric step counter and every slot array of the saved state, found by walking it, so the
    // cases follow the state format instead of hard-coding its layout.
    const counters: string[][] = [];
    const slots: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      if (Array.isArray(v)) {
        if (v.length === 3 && v.every((x) => typeof x === 'number')) slots.push(path);
        return;
      }
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      else if (typeof v === 'number' && /^(t|step|count|steps)$/.test(path.at(-1) ?? '')) counters.push(path);
    };
    walk(good, []);
    expect(counters.length).toBeGreaterThan(0);
    expect(slots.length).toBeGreaterThanOrEqual(2); // m and v of w
    const edit = (path: string[], value: unknown) => {
      const s = JSON.parse(text);
      let o = s;
      for (const k of path.slice(0, -1)) o = o[k];
      o[path.at(-1)!] = value;
      return s;
    };
    const before = Array.from(params.get('w').dataSync());
    const damaged: unknown[] = [
      ...counters.flatMap((p) => [edit(p, -5), edit(p, -1), edit(p, Number.NaN), edit(p, '3')]),
      ...slots.flatMap((p) => [edit(p, [Number.NaN, 0, 0]), edit(p, [1]), edit(p, [1, 2])]),
      // a negative second moment (the last slot array of Adam's state is v)
      edit(slots.at(-1)!, [-1, 0, 0]),
      // the review's `slots: null`, at the place the current format keeps a parameter's slots
      edit(slots[0]!.slice(0, -2), null),
      null,
    ];
    await expectNoLeak(() => {
      for (const s of damaged) {
        expect(() => opt.setState(s as never, params), JSON.stringify(s)).toThrow(PaperkitInputError);
      }
    });
    // Nothing changed, and the good state still restores.
    const twin = new Adam({ lr: 0.1 });
    twin.setState(good, params);
    expect(Array.from(params.get('w').dataSync())).toEqual(before);
    // Slots saved under another parameter name are refused (the moments would silently restart).
    const renamed = JSON.parse(text.replaceAll('"w"', '"renamed"'));
    expect(() => opt.setState(renamed, params)).toThrow(PaperkitInputError);
    twin.dispose();
    opt.dispose();
    params.dispose();
  });

  it('Momentum.setState with a slot of the wrong shape is refused at setState, not at the next step', () => {
    const params = oneParam();
    const opt = new Momentum({ lr: 0.1, momentum: 0.9 });
    opt.step(params, { w: tf.ones([3]) });
    const s = JSON.stringify(opt.getState());
    const bad = JSON.parse(s.replace(/\[[-\d.e]+,[-\d.e]+,[-\d.e]+\]/, '[1,2]'));
    expect(() => opt.setState(bad, params)).toThrow(PaperkitInputError);
    opt.dispose();
    params.dispose();
  });
});

describe('data, linear algebra, models and metrics', () => {
  it('oneHot, featureStats, standardize, haarOrthogonal, accuracyFromLabels and applyMlp reject what they cannot mean', () => {
    rejects(() => oneHot([5], 3), /labels\[0\]/);
    rejects(() => oneHot([-1], 3), /labels\[0\]/);
    rejects(() => featureStats(new Float32Array(0), 2), /^features/);
    const stats = featureStats(new Float32Array([1, 2, 3, 4]), 2);
    rejects(() => standardize(new Float32Array(3), stats), /^features/);
    rejects(() => haarOrthogonal(1e5, Rng.fromSeed(0)), /^n /);
    rejects(() => accuracyFromLabels([Number.NaN, 1], [Number.NaN, 1]), /^predicted\[0\]/);
    // applyMlp on a 1-D input is by design (x: [..., in], as torch.nn.Linear); a wrong width is named.
    const mlp = initMlp(Rng.fromSeed(0), { sizes: [3, 2] });
    const x = tf.ones([4]);
    rejects(() => applyMlp(mlp.tensors(), x, { sizes: [3, 2] }), /^x /);
    x.dispose();
    mlp.dispose();
  });
});
