import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CellRecord,
  type CellResult,
  cellOf,
  cellSlug,
  defaultSeeds,
  defineExperiment,
  diff,
  grid,
  initBackend,
  judge,
  meanCurve,
  ratio,
  resolveConfig,
  resultsFromCsv,
  resultsToCsv,
  runCells,
  stringifyWithNumbers,
  summarizeExperiment,
  value,
} from '../src/index.js';

const paper = { title: 'A paper', authors: 'A. Author', venue: 'arXiv', year: 2024 };

/** The README's example: a noisy quadratic, GD with two step sizes. */
const quad = defineExperiment({
  id: 'demo/quadratic',
  paper,
  title: 'larger steps converge faster on a quadratic',
  schema: z.strictObject({
    steps: z.number().int().min(1).default(50),
    lrs: z.array(z.number().positive()).min(1).default([0.05, 0.2]),
    noise: z.number().min(0),
  }),
  base: { noise: 0.01 },
  presets: { quick: { steps: 20 }, full: {} },
  cells: (c) => grid({ lr: c.lrs }),
  metrics: { finalLoss: { label: 'final loss', better: 'lower' } },
  cell(c, { lr }, ctx) {
    const r = ctx.rng.stream('noise');
    let x = 1;
    const losses: number[] = [];
    for (let t = 0; t < c.steps; t++) {
      x -= lr * (x + c.noise * r.normal());
      losses.push(0.5 * x * x);
    }
    return {
      metrics: { finalLoss: losses.at(-1)! },
      series: { loss: { x: losses.map((_, i) => i), y: losses } },
    };
  },
  claims: () => [
    {
      id: 'faster',
      statement: 'lr 0.2 ends lower than lr 0.05',
      metric: diff('finalLoss', { lr: 0.2 }, { lr: 0.05 }),
      expect: { op: '<', value: 0, margin: 0 },
      reference: { provenance: 'qualitative', source: 'textbook GD on a quadratic' },
    },
  ],
  plots: () => [
    {
      kind: 'lines',
      id: 'loss',
      title: 'Loss',
      caption: 'Loss per step',
      series: 'loss',
      x: { label: 'step' },
      y: { label: 'loss', log: true },
    },
    {
      kind: 'bars',
      id: 'final',
      title: 'Final loss',
      caption: 'Final loss',
      metric: 'finalLoss',
      y: { label: 'loss' },
    },
  ],
});

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const backend = () => ({
  name: 'cpu' as const,
  label: 'cpu',
  tfjsVersion: tf.version_core,
  skipped: [],
  accelerated: false,
});
const silent = { start: () => {}, update: () => {} };

async function seedRecords(seed: number, cached?: Map<string, CellResult>): Promise<CellRecord[]> {
  return runCells(quad, resolveConfig(quad, 'quick'), {
    seed,
    preset: 'quick',
    backend: backend(),
    signal: new AbortController().signal,
    progress: silent,
    log: () => {},
    ...(cached ? { cached } : {}),
  });
}

describe('defineExperiment (import-time checks)', () => {
  it('resolves base ⊕ preset ⊕ overrides and names the experiment and field on errors', () => {
    expect(resolveConfig(quad, 'quick')).toEqual({ steps: 20, lrs: [0.05, 0.2], noise: 0.01 });
    expect(resolveConfig(quad, 'full', { noise: 0 })).toEqual({ steps: 50, lrs: [0.05, 0.2], noise: 0 });
    expect(() => resolveConfig(quad, 'quick', { stpes: 3 })).toThrow(/demo\/quadratic: config field 'stpes'/);
    expect(() => resolveConfig(quad, 'quick', { steps: -1 })).toThrow(
      /demo\/quadratic: config field 'steps'.* got -1/,
    );
    // Inside a list the path names the element and the error shows its value, not the path.
    expect(() => resolveConfig(quad, 'quick', { lrs: [0.1, -2] })).toThrow(
      /demo\/quadratic: config field 'lrs\.1'.* got -2/,
    );
    expect(() => resolveConfig(quad, 'medium')).toThrow(/preset must be one of quick, full; got "medium"/);
  });

  it("takes a field's value from base over the schema's default, and rejects a field with neither", () => {
    const { base: _, ...withoutBase } = quad;
    const noBase = defineExperiment({ ...withoutBase, presets: { quick: { noise: 0 }, full: { noise: 1 } } });
    expect(resolveConfig(noBase, 'full')).toEqual({ steps: 50, lrs: [0.05, 0.2], noise: 1 });
    expect(resolveConfig(defineExperiment({ ...quad, base: { noise: 0, steps: 7 } }), 'full').steps).toBe(7);
    expect(() => defineExperiment(withoutBase)).toThrow(/demo\/quadratic: preset 'quick'[\s\S]*noise/);
  });

  it('rejects a preset overriding an unknown field, naming experiment and field', () => {
    expect(() => defineExperiment({ ...quad, presets: { quick: { stpes: 3 } as never, full: {} } })).toThrow(
      /demo\/quadratic: preset 'quick' field 'stpes'/,
    );
  });

  it('rejects a claim reference without provenance, or with a number but no value', () => {
    const claim = quad.claims!(resolveConfig(quad, 'quick'))[0]!;
    const bad = (reference: unknown) => () =>
      defineExperiment({ ...quad, claims: () => [{ ...claim, reference: reference as never }] });
    expect(bad({ value: 0.9, source: 'Table 1' })).toThrow(
      /claims\[faster\]\.reference\.provenance must be one of paper/,
    );
    expect(bad({ provenance: 'paper', source: 'Table 1' })).toThrow(
      /reference\.value must be the paper number/,
    );
    expect(bad({ provenance: 'paper', value: 0.9 })).toThrow(/reference\.source/);
    expect(bad({ provenance: 'qualitative', value: 1, source: 'x' })).toThrow(/absent for a qualitative/);
  });

  it('rejects claims and plots on undeclared metrics, a missing margin, non-strict schemas and bad ids', () => {
    const claim = quad.claims!(resolveConfig(quad, 'quick'))[0]!;
    expect(() => defineExperiment({ ...quad, claims: () => [{ ...claim, metric: value('loss') }] })).toThrow(
      /claims\[faster\]\.metric must be a declared metric of the experiment \(finalLoss\); got "loss"/,
    );
    expect(() =>
      defineExperiment({ ...quad, claims: () => [{ ...claim, expect: { op: '<', value: 0 } as never }] }),
    ).toThrow(/margin must be an explicit finite number/);
    expect(() =>
      defineExperiment({
        ...quad,
        plots: () => [{ kind: 'bars', id: 'b', title: 't', caption: 'c', metric: 'acc', y: { label: 'y' } }],
      }),
    ).toThrow(/plots\[b\] must be a declared metric/);
    expect(() =>
      defineExperiment({
        ...quad,
        schema: z.object({ steps: z.number(), lrs: z.array(z.number()), noise: z.number() }),
        base: { steps: 50, lrs: [0.05, 0.2], noise: 0.01 },
        presets: { quick: {}, full: {} },
      }),
    ).toThrow(/z.strictObject/);
    expect(() => defineExperiment({ ...quad, id: 'Demo Test' })).toThrow(/id must be of the form/);
  });

  it('defaults to 3 seeds, 1 when deterministic', () => {
    expect(defaultSeeds(quad, 'quick')).toBe(3);
    expect(defaultSeeds({ ...quad, deterministic: true }, 'quick')).toBe(1);
    expect(defaultSeeds({ ...quad, seeds: { quick: 5 } }, 'quick')).toBe(5);
  });
});

describe('cells', () => {
  it('grid is the row-major product with stable keys and labels', () => {
    const cells = grid({ method: ['ga', 'nupi'], kp: [1, 5] });
    expect(cells.map((c) => c.key)).toEqual([
      'method=ga,kp=1',
      'method=ga,kp=5',
      'method=nupi,kp=1',
      'method=nupi,kp=5',
    ]);
    expect(cells[3]!.label).toBe('nupi · 5');
    expect(cells[3]!.params).toEqual({ method: 'nupi', kp: 5 });
  });

  it('slugs are file-safe and distinct for distinct keys', () => {
    const a = cellSlug('method=a b,x=1');
    const b = cellSlug('method=a_b,x=1');
    expect(a).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(a).not.toBe(b);
    expect(() => cellOf({ x: Number.NaN })).toThrow(/cell param x must be a finite number/);
  });
});

describe('runCells', () => {
  it('reuses cached cells and gives the same numbers as an uninterrupted run', async () => {
    const full = await seedRecords(1);
    const first = full[0]!;
    let calls = 0;
    const counting = defineExperiment({ ...quad, cell: (c, p, ctx) => (calls++, quad.cell(c, p, ctx)) });
    const resumed = await runCells(counting, resolveConfig(quad, 'quick'), {
      seed: 1,
      preset: 'quick',
      backend: backend(),
      signal: new AbortController().signal,
      progress: silent,
      log: () => {},
      cached: new Map([[first.cell.key, first.result]]),
    });
    expect(calls).toBe(1);
    expect(resumed.map((r) => r.result.metrics)).toEqual(full.map((r) => r.result.metrics));
  });

  it('rejects a cell returning an undeclared or missing metric, naming experiment, cell and field', async () => {
    const extra = defineExperiment({ ...quad, cell: () => ({ metrics: { finalLoss: 1, accuracy: 0.5 } }) });
    const missing = defineExperiment({ ...quad, cell: () => ({ metrics: {} as { finalLoss: number } }) });
    const o = {
      seed: 0,
      preset: 'quick',
      backend: backend(),
      signal: new AbortController().signal,
      progress: silent,
      log: () => {},
    };
    await expect(runCells(extra, resolveConfig(quad, 'quick'), o)).rejects.toThrow(
      /demo\/quadratic cell 'lr=0.05' metric 'accuracy' must be a declared metric/,
    );
    await expect(runCells(missing, resolveConfig(quad, 'quick'), o)).rejects.toThrow(
      /metric 'finalLoss' must be returned by every cell/,
    );
  });

  it('stops at the first abort point with an AbortError', async () => {
    const ac = new AbortController();
    ac.abort();
    const o = {
      seed: 0,
      preset: 'quick',
      backend: backend(),
      signal: ac.signal,
      progress: silent,
      log: () => {},
    };
    await expect(runCells(quad, resolveConfig(quad, 'quick'), o)).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('verdicts', () => {
  const gt = { id: 'c', expect: { op: '>' as const, value: 0, margin: 0.1 } };
  it('holds when the 95% interval clears value + margin, fails when it lies below, else inconclusive', () => {
    expect(judge(gt, [0.5, 0.6, 0.55], [0, 1, 2]).status).toBe('holds');
    expect(judge(gt, [-0.5, -0.6, -0.55], [0, 1, 2]).status).toBe('fails');
    // mean 0.15 > 0.1 but the interval (t = 4.303 for n = 3) reaches below 0.1.
    const v = judge(gt, [0.05, 0.15, 0.25], [0, 1, 2]);
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/straddles/);
    // Hand-computed interval: mean 0.15, sd 0.1, half-width 4.303·0.1/√3 = 0.24844.
    expect(v.summary.ci95[0]).toBeCloseTo(0.15 - 0.248434, 5);
  });

  it('a non-finite value fails with the seed named; one seed is inconclusive unless deterministic', () => {
    const nan = judge(gt, [0.5, Number.NaN, 0.6], [0, 1, 2]);
    expect(nan.status).toBe('fails');
    expect(nan.reason).toMatch(/non-finite value \(NaN\) at seed 1/);
    expect(judge(gt, [Number.POSITIVE_INFINITY], [0]).status).toBe('fails');
    expect(judge(gt, [0.5], [0]).status).toBe('inconclusive');
    expect(judge(gt, [0.5], [0], true).status).toBe('holds');
  });

  it('approx and between use both bounds', () => {
    const approx = { id: 'a', expect: { op: 'approx' as const, value: 1, margin: 0.05 } };
    expect(judge(approx, [1.01, 0.99, 1.0], [0, 1, 2]).status).toBe('holds');
    expect(judge(approx, [1.2, 1.21, 1.19], [0, 1, 2]).status).toBe('fails');
    const between = { id: 'b', expect: { op: 'between' as const, low: 0, high: 1 } };
    expect(judge(between, [0.5, 0.5], [0, 1]).status).toBe('holds');
  });

  it('summarizes an experiment: claims judged per seed, statistics, plots with bands', async () => {
    const records = [...(await seedRecords(0)), ...(await seedRecords(1)), ...(await seedRecords(2))];
    const s = summarizeExperiment(quad, resolveConfig(quad, 'quick'), records);
    expect(s.verdicts[0]!.status).toBe('holds');
    expect(s.verdicts[0]!.values).toHaveLength(3);
    const st = s.statistics.find((x) => x.cell === 'lr=0.2' && x.metric === 'finalLoss')!;
    expect(st.n).toBe(3);
    expect(st.varies).toBe(true);
    const line = s.plots.find((p) => p.id === 'loss')!;
    expect(line.kind).toBe('line');
    if (line.kind === 'line') {
      expect(line.series.map((x) => x.name)).toEqual(['0.05', '0.2']);
      expect(line.series[0]!.lo).toHaveLength(20);
      expect(line.caption).toBe(
        'Loss per step. Mean over 3 seeds; bands and whiskers are the 95% interval of the mean.',
      );
    }
    expect(s.plotErrors).toEqual([]);
    const r = summarizeExperiment(
      quad,
      resolveConfig(quad, 'quick'),
      records.filter((x) => x.seed === 0),
    );
    expect(r.verdicts[0]!.status).toBe('inconclusive');
  });

  it('ratio claims compute per seed', () => {
    const rows = [
      { seed: 0, cell: 'm=a', label: 'a', params: { m: 'a' }, metrics: { s: 10 } },
      { seed: 0, cell: 'm=b', label: 'b', params: { m: 'b' }, metrics: { s: 5 } },
    ];
    const r = ratio('s', { m: 'b' }, { m: 'a' });
    expect(
      r.compute({
        seed: 0,
        all: rows,
        rows: () => rows,
        row: () => rows[0]!,
        value: (_m: string, w?: { m?: string }) => rows.find((x) => x.params.m === w?.m)!.metrics.s!,
        values: () => [],
      } as never),
    ).toBe(0.5);
  });
});

describe('results files', () => {
  it('CSV round trip keeps params, non-finite metrics and quoting', () => {
    const rows = [
      {
        seed: 0,
        cell: 'method=a,lr=0.1',
        label: 'a · 0.1',
        params: { method: 'a', lr: 0.1 },
        metrics: { loss: 0.25, acc: Number.NaN },
      },
      {
        seed: 1,
        cell: 'method=b "x",lr=1',
        label: 'b "x" · 1',
        params: { method: 'b "x"', lr: 1 },
        metrics: { loss: Number.POSITIVE_INFINITY, acc: Number.NEGATIVE_INFINITY },
      },
    ];
    const csv = resultsToCsv(rows);
    expect(csv.split('\n')[0]).toBe('seed,cell,method,lr,loss,acc');
    expect(csv).toContain('NaN');
    const back = resultsFromCsv(csv, ['loss', 'acc']);
    expect(back).toEqual(rows);
  });

  it('JSON keeps NaN and ±Infinity as strings, never null', () => {
    expect(stringifyWithNumbers({ a: Number.NaN, b: [Number.POSITIVE_INFINITY, -Infinity, 1] })).toBe(
      '{"a":"NaN","b":["Infinity","-Infinity",1]}',
    );
  });

  it('meanCurve aligns seeds on x and gives bands only with ≥ 2 seeds', () => {
    const m = meanCurve('x', [
      { x: [0, 1], y: [1, 3] },
      { x: [0, 1], y: [3, 5] },
    ]);
    expect(m.y).toEqual([2, 4]);
    expect(m.lo![0]).toBeCloseTo(2 - (12.706 * Math.SQRT2) / Math.SQRT2, 5);
    expect(meanCurve('x', [{ x: [0], y: [1] }]).lo).toBeUndefined();
  });
});
