import { PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  consistencyPattern,
  edgeCount,
  type Graph,
  identityGraph,
  interventionCriterion,
  interventionGraph,
  randomGraph,
} from '../src/index.js';

const rows = (g: Graph): number[][] =>
  Array.from({ length: g.rows }, (_, i) => Array.from(g.data.subarray(i * g.cols, (i + 1) * g.cols)));

const eye = (d: number): number[][] => rows(identityGraph(d));

function expectParameter(fn: () => unknown, parameter: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaperkitInputError);
    expect((e as PaperkitInputError).parameter).toBe(parameter);
    return;
  }
  expect.unreachable('expected a PaperkitInputError');
}

describe('multi-node interventions with unknown targets', () => {
  it('I = {0,1}, {1,2}, {0,2} gives C = I; single-node interventions too', () => {
    const tri = interventionGraph(
      [
        [0, 1],
        [1, 2],
        [0, 2],
      ],
      3,
    );
    expect(rows(tri)).toEqual([
      [1, 0, 1],
      [1, 1, 0],
      [0, 1, 1],
    ]);
    expect(rows(consistencyPattern({ action: tri }))).toEqual(eye(3));
    expect(
      interventionCriterion(
        [
          [0, 1],
          [1, 2],
          [0, 2],
        ],
        3,
      ).holds,
    ).toBe(true);
    expect(interventionCriterion([[0], [1], [2], [3]], 4).holds).toBe(true);
  });

  it('I = {0,1} gives a 2×2 all-ones block, and a latent never targeted fails', () => {
    expect(rows(consistencyPattern({ action: interventionGraph([[0, 1]], 2) }))).toEqual([
      [1, 1],
      [1, 1],
    ]);
    const r = interventionCriterion([[0, 1]], 3);
    expect(r.holds).toBe(false);
    expect(r.intersections[0]).toEqual([0, 1]);
    expect(r.intersections[2]).toEqual([0, 1, 2]);
    expect(rows(consistencyPattern({ action: interventionGraph([[0, 1]], 3) }))).toEqual([
      [1, 1, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
  });

  it('rejects indices out of range, repeats and empty designs', () => {
    expectParameter(() => interventionGraph([[0, 3]], 3), 'targets[0]');
    expectParameter(() => interventionGraph([[1, 1]], 3), 'targets[0]');
    expectParameter(() => interventionGraph([], 3), 'targets');
    expectParameter(() => interventionGraph([[0]], 0), 'latentDim');
  });
});

describe('random graphs', () => {
  it('have an edge fraction within ±3σ of p, a forced temporal diagonal, and are seeded', () => {
    for (const p of [0.1, 0.4, 0.9]) {
      const a = randomGraph(Rng.fromSeed(5), { kind: 'action', latentDim: 40, actionDim: 30, density: p });
      const n = 40 * 30;
      expect(Math.abs(edgeCount(a) / n - p)).toBeLessThan(3 * Math.sqrt((p * (1 - p)) / n));
      const t = randomGraph(Rng.fromSeed(6), { kind: 'temporal', latentDim: 40, density: p });
      for (let i = 0; i < 40; i++) expect(t.data[i * 40 + i]).toBe(1);
      const off = edgeCount(t) - 40;
      expect(Math.abs(off / (40 * 39) - p)).toBeLessThan(3 * Math.sqrt((p * (1 - p)) / (40 * 39)));
    }
    const cfg = { kind: 'action' as const, latentDim: 5, density: 0.5 };
    expect(randomGraph(Rng.fromSeed(1), cfg)).toEqual(randomGraph(Rng.fromSeed(1), cfg));
    expect(randomGraph(Rng.fromSeed(1), cfg).data).not.toEqual(randomGraph(Rng.fromSeed(2), cfg).data);
  });

  it('rejects bad settings', () => {
    expectParameter(
      () => randomGraph(Rng.fromSeed(1), { kind: 'action', latentDim: 3, density: 1.5 }),
      'density',
    );
    expectParameter(
      () => randomGraph(Rng.fromSeed(1), { kind: 'temporal', latentDim: 3, actionDim: 2, density: 0.5 }),
      'actionDim',
    );
    expectParameter(
      () => randomGraph(Rng.fromSeed(1), { kind: 'both' as never, latentDim: 3, density: 0.5 }),
      'kind',
    );
  });
});
