import { describe, expect, it } from 'vitest';
import { type CellRecord, cellOf, firstSeedCurves, fixedPlot, PaperkitInputError } from '../src/index.js';

const curve = (y: number[]) => ({ x: y.map((_, i) => i), y });
const rec = (seed: number, method: string, series: Record<string, number[]>): CellRecord => ({
  seed,
  cell: cellOf({ method, lr: 0.1 }),
  result: {
    metrics: {},
    series: Object.fromEntries(Object.entries(series).map(([k, y]) => [k, curve(y)])),
  },
});

// Seed 1 listed first: the view must pick seed 0, the lowest, and never average over seeds.
const records = [
  rec(1, 'adam', { path: [5, 5], other: [7] }),
  rec(0, 'adam', { path: [1, 2, 3], 'start 1': [0, 1], 'start 2': [2, 3] }),
  rec(0, 'cm', { path: [4, 5, 6] }),
  rec(0, 'sgd', { other: [8] }),
];

describe('firstSeedCurves', () => {
  it('draws one named series of every cell that returned it, at the lowest seed, unaveraged', () => {
    const view = firstSeedCurves(
      'paths',
      'T',
      'One run per method',
      'path',
      'step',
      { label: 'x', log: true },
      {
        hlines: [{ y: 0, label: 'zero' }],
      },
    );
    expect(view).toMatchObject({ kind: 'custom', id: 'paths' });
    expect(view.build(records)).toEqual({
      kind: 'line',
      id: 'paths',
      title: 'T',
      caption: 'One run per method. Seed 0.',
      x: { label: 'step' },
      y: { label: 'x', log: true },
      series: [
        { name: 'adam · 0.1', x: [0, 1, 2], y: [1, 2, 3] },
        { name: 'cm · 0.1', x: [0, 1, 2], y: [4, 5, 6] },
      ],
      hlines: [{ y: 0, label: 'zero' }],
    });
  });

  it('a predicate selects several series of a cell, named by series; where filters cells; name overrides', () => {
    const starts = firstSeedCurves('s', 'T', 'Starts.', (s) => s.startsWith('start '), 'x', 'y', {
      where: { method: 'adam' },
    }).build(records);
    expect(starts).toMatchObject({ caption: 'Starts. Seed 0.' });
    expect(starts.kind === 'line' && starts.series.map((s) => [s.name, s.y])).toEqual([
      ['start 1', [0, 1]],
      ['start 2', [2, 3]],
    ]);
    expect('hlines' in starts).toBe(false);
    const named = firstSeedCurves('p', 'T', 'c', 'path', 'x', 'y', {
      name: (r, s) => `${String(r.cell.params.method).toUpperCase()} ${s}`,
    }).build(records);
    expect(named.kind === 'line' && named.series.map((s) => s.name)).toEqual(['ADAM path', 'CM path']);
    // Only seed 1 returned `other` for adam, seed 0 for sgd: the lowest seed among the selected cells wins.
    const other = firstSeedCurves('o', 'T', 'c', 'other', 'x', 'y', { where: { method: 'adam' } }).build(
      records,
    );
    expect(other).toMatchObject({ caption: 'c. Seed 1.', series: [{ name: 'adam · 0.1', y: [7] }] });
  });

  it('no selected cell with the series is an input error naming the view and the series', () => {
    const missing = firstSeedCurves('m', 'T', 'c', 'nothing', 'x', 'y');
    expect(() => missing.build(records)).toThrow(PaperkitInputError);
    expect(() => missing.build(records)).toThrow(/m: series.*nothing/s);
    expect(() =>
      firstSeedCurves('m', 'T', 'c', 'path', 'x', 'y', { where: { method: 'sgd' } }).build(records),
    ).toThrow(/a series returned by a cell the filter selects/);
  });
});

describe('fixedPlot', () => {
  it('a view with the spec’s id that returns the spec whatever the records', () => {
    const spec = {
      kind: 'line' as const,
      id: 'landscape',
      title: 'f',
      caption: 'c',
      x: { label: 'x' },
      y: { label: 'f' },
      series: [{ name: 'f', x: [0, 1], y: [1, 0] }],
    };
    const view = fixedPlot(spec);
    expect(view).toMatchObject({ kind: 'custom', id: 'landscape' });
    expect(view.build([])).toBe(spec);
    expect(view.build(records)).toBe(spec);
  });
});
