import { describe, expect, it } from 'vitest';
import {
  buildPlot,
  type CellRecord,
  cellOf,
  metricLines,
  PaperkitInputError,
  summarize,
} from '../src/index.js';

const rec = (seed: number, method: string, n: number, loss: number, acc: number): CellRecord => ({
  seed,
  cell: cellOf({ method, n }),
  result: { metrics: { loss, acc } },
});

// Two methods over n = 2, 4 at two seeds; method c (one seed) is what `where` must drop.
const records = [
  rec(0, 'a', 2, 1, 0.5),
  rec(0, 'a', 4, 3, 0.6),
  rec(0, 'b', 2, 5, 0.7),
  rec(1, 'a', 2, 2, 0.5),
  rec(1, 'a', 4, 5, 0.8),
  rec(1, 'b', 2, 7, 0.9),
  rec(0, 'c', 3, 100, 0),
];

describe('metricLines', () => {
  it('one line per method (the other parameters) with the seed mean and 95% band at each parameter value', () => {
    const view = metricLines(
      'm',
      'T',
      'Loss against n',
      'loss',
      'n',
      'n',
      { label: 'loss' },
      {
        where: { method: 'a' },
        markers: true,
      },
    );
    expect(view.kind).toBe('custom');
    const plot = view.build(records);
    const ci = (v: number[]) => summarize(v).ci95;
    expect(plot).toEqual({
      kind: 'line',
      id: 'm',
      title: 'T',
      caption: 'Loss against n. Mean over 2 seeds; bands and whiskers are the 95% interval of the mean.',
      x: { label: 'n' },
      y: { label: 'loss' },
      series: [
        {
          name: 'a',
          x: [2, 4],
          y: [1.5, 4],
          lo: [ci([1, 2])[0], ci([3, 5])[0]],
          hi: [ci([1, 2])[1], ci([3, 5])[1]],
        },
      ],
      markers: true,
    });
  });

  it('several metrics with legend names, lines by a parameter, vertical lines; a deterministic experiment says so in the caption', () => {
    const vlines = [{ x: 3, label: 'critical n' }];
    const plot = metricLines('m', 'T', 'Both', ['loss', 'acc'], 'n', 'n', 'value', {
      by: 'method',
      names: { loss: 'the loss' },
      where: { method: 'b' },
      vlines,
    }).build(records);
    expect(plot).toMatchObject({
      caption: 'Both. Mean over 2 seeds; bands and whiskers are the 95% interval of the mean.',
      series: [
        { name: 'the loss', x: [2], y: [6] },
        { name: 'acc', x: [2], y: [0.8] },
      ],
      vlines,
    });
    // The custom view sees the flag of the experiment whose plots are being built.
    const view = metricLines('m', 'T', 'One', 'loss', 'n', 'n', 'loss', { where: { method: 'c' } });
    const one = buildPlot(view, records, { deterministic: true });
    expect(one).toMatchObject({
      caption: 'One. Deterministic: one run is the exact value.',
      series: [{ name: 'c', x: [3], y: [100] }],
    });
    const seed = metricLines('m', 'T', 'One', 'loss', 'n', 'n', 'loss', { where: { method: 'c' } });
    expect(seed.build(records)).toMatchObject({ caption: 'One. One seed.' });
  });

  it('a non-numeric parameter or a missing metric is an input error naming it', () => {
    expect(() => metricLines('m', 'T', '', 'loss', 'method', 'x', 'y').build(records)).toThrow(
      PaperkitInputError,
    );
    expect(() => metricLines('m', 'T', '', 'loss', 'method', 'x', 'y').build(records)).toThrow(/method/);
    expect(() => metricLines('m', 'T', '', 'nope', 'n', 'x', 'y').build(records)).toThrow(/nope/);
  });
});
