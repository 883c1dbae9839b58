import { Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { encodeGroups, GroupReplayBuffer } from '../src/index.js';

const push = (b: GroupReplayBuffer, ids: number[], values: number[]) =>
  b.push(encodeGroups({ ids, numGroups: b.numGroups }), values);

describe('replay buffer (hand-computed FIFO example)', () => {
  it('k = 4: pushing A = 1, 0, 1, 1, 0 leaves (0, 1, 1, 0), Â_A = 0.5', () => {
    const b = new GroupReplayBuffer(3, 4);
    for (const bit of [1, 0, 1, 1, 0]) push(b, [0], [bit]);
    expect(b.getState().values[0]).toEqual([0, 1, 1, 0]);
    expect(b.mean(0)).toBe(0.5);
  });

  it('a group with 3 of 4 bits is not full and takes no part; buffer mean over A = .5, C = 1 is .75', () => {
    const b = new GroupReplayBuffer(3, 4);
    // One batch, in order: A gets 1,0,1,1,0; B gets 1,1,1; C gets 1,1,1,1.
    push(b, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 0], [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(Array.from(b.full())).toEqual([0, 2]);
    expect(b.size(1)).toBe(3);
    expect(b.mean(0)).toBe(0.5);
    expect(b.mean(2)).toBe(1);
    expect(b.overall('bufferMean', b.full())).toBe(0.75);
    // Prior-weighted: (.5·.5 + .2·1)/(.5 + .2).
    expect(b.overall('groupPriorWeighted', b.full(), [0.5, 0.3, 0.2])).toBeCloseTo(0.45 / 0.7, 14);
    expect(b.overall('batch', b.full(), undefined, 0.9)).toBe(0.9);
    expect(Number.isNaN(b.overall('bufferMean', new Int32Array(0)))).toBe(true);
  });

  it('marginal memberships push an example into one buffer per attribute', () => {
    const b = new GroupReplayBuffer(4, 2);
    b.push(
      encodeGroups({
        attributes: [
          [0, 1],
          [1, 1],
        ],
        sizes: [2, 2],
        mode: 'marginal',
      }),
      [1, 0],
    );
    expect([0, 1, 2, 3].map((g) => b.size(g))).toEqual([1, 1, 0, 2]);
    expect(b.mean(3)).toBe(0.5);
  });

  it('running means equal exact means of the last k values over long float sequences', () => {
    const rng = Rng.fromSeed(3);
    const b = new GroupReplayBuffer(2, 7);
    const hist: number[][] = [[], []];
    for (let t = 0; t < 5000; t++) {
      const g = rng.int(2);
      const v = rng.normal(1e4, 1);
      hist[g]!.push(v);
      push(b, [g], [v]);
    }
    for (const g of [0, 1]) {
      const last = hist[g]!.slice(-7);
      expect(b.mean(g)).toBeCloseTo(last.reduce((a, v) => a + v, 0) / 7, 9);
      expect(b.getState().values[g]).toEqual(last);
    }
  });

  it('state round-trips and resumes identically; bad state is rejected', () => {
    const a = new GroupReplayBuffer(2, 3);
    push(a, [0, 1, 0, 0, 0], [1, 0, 0, 1, 1]);
    const c = new GroupReplayBuffer(2, 3);
    c.setState(JSON.parse(JSON.stringify(a.getState())));
    push(a, [0, 1], [0, 1]);
    push(c, [0, 1], [0, 1]);
    expect(c.getState()).toEqual(a.getState());
    expect(c.mean(0)).toBe(a.mean(0));
    expect(() => c.setState({ capacity: 4, numGroups: 2, values: [[], []] })).toThrow(/state must be/);
    expect(() => c.setState({ capacity: 3, numGroups: 2, values: [[1, 1, 1, 1], []] })).toThrow(
      /state\.values\[0\]/,
    );
  });

  it('bad input', () => {
    expect(() => new GroupReplayBuffer(0)).toThrow(/numGroups must be an integer >= 1; got 0/);
    expect(() => new GroupReplayBuffer(2, 0)).toThrow(/capacity must be an integer >= 1; got 0/);
    const b = new GroupReplayBuffer(2, 3);
    expect(() => push(b, [0, 1], [1])).toThrow(/values must be 2 values/);
    expect(() => b.push(encodeGroups([0, 1, 2]), [1, 1, 1])).toThrow(/batch\.numGroups must be 2/);
    expect(() => b.overall('mean' as never, b.full())).toThrow(/overallEstimate must be one of/);
  });
});
