import { describe, expect, it } from 'vitest';
import { type CellRecord, cellOf, PaperkitInputError, seriesHeatmap } from '../src/index.js';

const rec = (seed: number, graph: string, n: number, y: number[]): CellRecord => ({
  seed,
  cell: cellOf({ graph, n }),
  result: { metrics: {}, series: { s: { x: [0, 0.5, 1], y } } },
});

// Two seeds of two rows on graph a, and a row on graph b that the filter must drop.
const records = [
  rec(0, 'a', 5, [1, 2, 3]),
  rec(0, 'a', 3, [0, 0, 0]),
  rec(0, 'b', 5, [9, 9, 9]),
  rec(1, 'a', 5, [3, 4, 5]),
  rec(1, 'a', 3, [1, 1, 1]),
];

describe('seriesHeatmap', () => {
  it('one row per parameter value in cell order, each the seed mean of the curve, filtered by where', () => {
    const view = seriesHeatmap(
      'h',
      'T',
      (n) => `${n} seeds`,
      's',
      'n',
      'α',
      { label: 'N' },
      {
        where: { graph: 'a' },
        xTick: (x, xs) => `${x}/${xs.length}`,
        colorLabel: 'c',
      },
    );
    expect(view.kind).toBe('custom');
    expect(view.build(records)).toEqual({
      kind: 'heatmap',
      id: 'h',
      title: 'T',
      caption: '2 seeds',
      rows: 2,
      cols: 3,
      values: [2, 3, 4, 0.5, 0.5, 0.5],
      xTicks: ['0/3', '0.5/3', '1/3'],
      yTicks: ['5', '3'],
      x: { label: 'α' },
      y: { label: 'N' },
      colorLabel: 'c',
    });
  });

  it('a fixed caption and String ticks by default; no matching cell or a missing series is an input error', () => {
    const plot = seriesHeatmap('h', 'T', 'fixed', 's', 'n', 'x', 'y', { where: { graph: 'b' } }).build(
      records,
    );
    expect(plot).toMatchObject({ caption: 'fixed', rows: 1, values: [9, 9, 9], xTicks: ['0', '0.5', '1'] });
    // The seeds counted are those of the selected cells (graph b ran at seed 0 only).
    const seeds = seriesHeatmap('h', 'T', (n) => `${n} seeds`, 's', 'n', 'x', 'y', { where: { graph: 'b' } });
    expect(seeds.build(records)).toMatchObject({ caption: '1 seeds' });
    expect(() =>
      seriesHeatmap('h', 'T', '', 's', 'n', 'x', 'y', { where: { graph: 'c' } }).build(records),
    ).toThrow(PaperkitInputError);
    expect(() => seriesHeatmap('h', 'T', '', 'missing', 'n', 'x', 'y').build(records)).toThrow(/series/);
  });
});
