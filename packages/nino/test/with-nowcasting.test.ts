import {
  Adam,
  initBackend,
  type OptimizerState,
  PaperkitInputError,
  paramsFromLayersModel,
  toTfjsOptimizer,
} from '@paperkit/tensor-core';
import { expectBitIdentical } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphFromParamMap, type PreparedNowcast, prepareNowcast, withNowcasting } from '../src/index.js';
import { shippedCheckpoint, vectorGraph } from './helpers.js';

/** A prepared nowcaster that records every call (history and k) and its prediction. */
function recording(inner: PreparedNowcast) {
  const calls: { history: Float32Array[]; k: number; out: Float32Array }[] = [];
  const rec = Object.create(inner) as PreparedNowcast;
  Object.defineProperty(rec, 'runSync', {
    value: (history: readonly Float32Array[], k: number) => {
      const out = inner.runSync(history, k);
      calls.push({ history: history.map((h) => h.slice()), k, out: out.slice() });
      return out;
    },
  });
  return { rec, calls };
}

const nino = new Map<number, PreparedNowcast>();
const ninoFor = (n: number) => {
  if (!nino.has(n)) nino.set(n, prepareNowcast(shippedCheckpoint('nino_small'), vectorGraph('x', n)));
  return nino.get(n)!;
};

beforeAll(async () => {
  await initBackend();
});
afterAll(() => {
  for (const p of nino.values()) p.dispose();
});

/** The optimizer state of the wrapped Adam (m, v, t) inside a nowcasting state. */
const innerState = (s: OptimizerState) => (s.transform.children as Record<string, unknown>).inner;

describe('withNowcasting: the timeline of the official inference loop (P = 1000, c = 5)', () => {
  it('snapshots θ before calls 200…1000, nowcasts at call 1000 with k₀, empties the buffer, leaves Adam untouched', () => {
    const { rec, calls } = recording(ninoFor(4));
    const opt = withNowcasting(new Adam({ lr: 0.01 }), rec, { period: 1000, kSchedule: [7, 3] });
    const x = tf.variable(tf.tensor1d([0.5, -1, 2, 0.25]));
    // A constant gradient: Adam moves every coordinate by ≈ lr per step, so θ differs at every call.
    const g = { x: tf.tensor1d([1, -2, 0.5, 3]) };
    const before = new Map<number, Float32Array>();
    const noGrads: number[] = [];
    let adamBefore: unknown;
    for (let t = 1; t <= 2000; t++) {
      if (t % 200 === 0) before.set(t, x.dataSync().slice() as Float32Array);
      if (!opt.needsGradients) noGrads.push(t);
      if (t === 1000) adamBefore = JSON.parse(JSON.stringify(innerState(opt.getState())));
      opt.step({ x }, opt.needsGradients ? g : {});
      if (t === 1000) {
        expect(opt.bufferedSnapshots).toBe(0);
        expect(opt.nowcasts).toBe(1);
        // Adam's m, v and step count are exactly those after call 999.
        expect(JSON.parse(JSON.stringify(innerState(opt.getState())))).toEqual(adamBefore);
        // The parameters are the prediction itself.
        expectBitIdentical(x.dataSync(), calls[0]!.out);
      }
      if (t === 999) expect(opt.bufferedSnapshots).toBe(4);
    }
    expect(noGrads).toEqual([1000, 2000]);
    expect(calls.map((c) => c.k)).toEqual([7, 3]);
    [200, 400, 600, 800, 1000].forEach((t, j) => {
      expectBitIdentical(calls[0]!.history[j]!, before.get(t)!);
      expectBitIdentical(calls[1]!.history[j]!, before.get(t + 1000)!);
    });
    expect(opt.iterations).toBe(2000);
    tf.dispose([x, g.x]);
    opt.dispose();
  });

  it('the last k of the schedule repeats; linefit extrapolates exactly on a linear path', () => {
    const opt = withNowcasting(new Adam({ lr: 0.1 }), 'linefit', { period: 4, c: 2, kSchedule: [3] });
    const x = tf.variable(tf.tensor1d([0, 0]));
    // Snapshots at calls 2 and 4 (θ before the update): Adam with a constant gradient moves θ by
    // exactly lr per step from step 1 on, so θ₂ = −0.1·(1, −1), θ₄ = −0.3·(1, −1); linefit with k = 3
    // (in snapshot units of 2 steps) lands on θ₄ + 3·(θ₄ − θ₂) = −0.9·(1, −1).
    const g = { x: tf.tensor1d([1, -1]) };
    for (let t = 1; t <= 4; t++) opt.step({ x }, g);
    const v = x.dataSync();
    expect(v[0]).toBeCloseTo(-0.9, 5);
    expect(v[1]).toBeCloseTo(0.9, 5);
    tf.dispose([x, g.x]);
    opt.dispose();
  });
});

describe('withNowcasting with NiNo-small: resume and bad states', () => {
  const quad = (x: tf.Variable) => tf.sum(tf.square(tf.sub(x, tf.tensor1d([1, -2, 3, 0.5]))));
  const run = (opt: ReturnType<typeof withNowcasting>, x: tf.Variable, n: number) => {
    for (let i = 0; i < n; i++) opt.minimize(() => quad(x) as tf.Scalar, { x }).dispose();
  };

  it('a run saved mid-buffer and restored nowcasts from the same history, bit for bit', () => {
    const make = () => withNowcasting(new Adam({ lr: 0.05 }), ninoFor(4), { period: 10, kSchedule: [5, 1] });
    const a = make();
    const x = tf.variable(tf.tensor1d([0, 0, 0, 0]));
    run(a, x, 17); // one nowcast at 10, snapshots at 12, 14, 16 buffered
    expect(a.bufferedSnapshots).toBe(3);
    const state = JSON.parse(JSON.stringify(a.getState())) as OptimizerState;
    const y = tf.variable(x.clone());
    run(a, x, 13); // nowcasts at 20 and 30
    const b = make();
    b.setState(state);
    run(b, y, 13);
    expect(b.nowcasts).toBe(a.nowcasts);
    expect(a.nowcasts).toBe(3);
    expectBitIdentical(y.dataSync(), x.dataSync());
    tf.dispose([x, y]);
    a.dispose();
    b.dispose();
  });

  it('setState rejects a full buffer, missing or extra snapshots, naming the field, and changes nothing', () => {
    const make = () => withNowcasting(new Adam({ lr: 0.05 }), ninoFor(4), { period: 10, kSchedule: 1 });
    const a = make();
    const x = tf.variable(tf.tensor1d([0, 0, 0, 0]));
    run(a, x, 5); // snapshots at 2 and 4
    const good = JSON.parse(JSON.stringify(a.getState())) as OptimizerState;
    const before = JSON.stringify(a.getState());
    /** The saved nowcasting state, as the edits below reach into it. */
    interface Saved {
      counters: { snapshots: number };
      options: { c: number };
      params: { x: { slots: Record<string, unknown> } };
    }
    const edit = (f: (t: Saved) => void) => {
      const s = JSON.parse(JSON.stringify(good));
      f(s.transform);
      return s as OptimizerState;
    };
    const cases: [OptimizerState, RegExp][] = [
      [edit((t) => (t.counters.snapshots = 5)), /counters\.snapshots must be an integer in \[0, 4\]/],
      [edit((t) => (t.counters.snapshots = 3)), /params\.x\.slots must be the snapshots s0, s1, s2/],
      [edit((t) => delete t.params.x.slots.s1), /params\.x\.slots must be the snapshots s0, s1/],
      [edit((t) => (t.counters.snapshots = 0)), /params\.x\.slots must be absent/],
      [edit((t) => (t.options.c = 3)), /options/],
    ];
    for (const [s, message] of cases) {
      let error: unknown;
      try {
        a.setState(s, { x });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PaperkitInputError);
      expect((error as Error).message).toMatch(message);
      expect(JSON.stringify(a.getState())).toBe(before);
    }
    x.dispose();
    a.dispose();
  });

  it('rejects parameters outside the nowcaster’s graph and shapes that differ from it', () => {
    const opt = withNowcasting(new Adam({ lr: 0.05 }), ninoFor(4), { period: 10, kSchedule: 1 });
    const y = tf.variable(tf.zeros([4]));
    const z = tf.variable(tf.zeros([3]));
    expect(() => opt.step({ y }, { y: tf.onesLike(y) })).toThrow(
      /^params\.x must be a parameter of the nowcaster's graph/,
    );
    expect(() => opt.step({ x: z }, { x: tf.onesLike(z) })).toThrow(
      /^params\.x must be a tensor of shape \[4\]/,
    );
    tf.dispose([y, z]);
    opt.dispose();
    expect(() => withNowcasting(new Adam({ lr: 0.1 }), ninoFor(2), { c: 3, kSchedule: 1 })).toThrow(
      /^c must be 5 \(the nowcaster's context/,
    );
    expect(() => withNowcasting(new Adam({ lr: 0.1 }), ninoFor(2), { kSchedule: [40, 41] })).toThrow(
      /^kSchedule\[1\] must be an integer in \[1, 40\]/,
    );
  });
});

describe('withNowcasting on a user’s tfjs Layers model (model.fit through toTfjsOptimizer)', () => {
  it('nowcasts the model’s weights with the shipped NiNo-small, no retraining of NiNo', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [6], units: 8, activation: 'tanh', name: 'hidden' }),
        tfl.layers.dense({ units: 3, name: 'out' }),
      ],
    });
    const params = paramsFromLayersModel(model);
    const checkpoint = shippedCheckpoint('nino_small');
    const ninoWeights = checkpoint.params.names().map((n) => checkpoint.params.get(n).dataSync().slice());
    const prepared = prepareNowcast(checkpoint, graphFromParamMap(params));
    const { rec, calls } = recording(prepared);
    const opt = withNowcasting(new Adam({ lr: 0.01 }), rec, { period: 10, kSchedule: 2 });
    model.compile({ optimizer: toTfjsOptimizer(opt, { model }), loss: 'meanSquaredError' });
    const xs = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 120), [20, 6])));
    const ys = tf.tidy(() => tf.cos(tf.reshape(tf.range(0, 60), [20, 3])));
    // 20 examples in batches of 2: 10 steps, the 10th of which is the nowcast.
    await model.fit(xs, ys, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    expect(opt.iterations).toBe(10);
    expect(opt.nowcasts).toBe(1);
    expect(calls).toHaveLength(1);
    // The model's weights are NiNo's prediction, in the graph's parameter order.
    const flat = new Float32Array(params.names().flatMap((n) => Array.from(params.get(n).dataSync())));
    expectBitIdentical(flat, calls[0]!.out);
    // A prediction that moves the weights beyond the last snapshot (k = 2 intervals ahead).
    let moved = 0;
    for (let i = 0; i < flat.length; i++) moved += Math.abs(flat[i]! - calls[0]!.history[4]![i]!);
    expect(moved).toBeGreaterThan(0);
    checkpoint.params.names().forEach((n, i) => {
      expectBitIdentical(checkpoint.params.get(n).dataSync(), ninoWeights[i]!);
    });
    tf.dispose([xs, ys]);
    prepared.dispose();
    checkpoint.dispose();
    opt.dispose();
    model.dispose();
  });
});
