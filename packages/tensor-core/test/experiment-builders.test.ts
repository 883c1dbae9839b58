import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  above,
  atLeast,
  atMost,
  bars,
  below,
  bestGap,
  bestOf,
  claim,
  curves,
  defineExperiment,
  deltaBars,
  derived,
  diff,
  evaluateClaim,
  grid,
  initBackend,
  inRange,
  leadOver,
  minPairedGap,
  near,
  PaperkitInputError,
  printed,
  qualitative,
  type ResultRow,
  SeedTable,
  spread,
  ZIPF_LM_BASE,
  ZIPF_LM_QUICK,
  zipfLanguageModelFields,
} from '../src/index.js';
import { runExperimentCells } from '../src/testing/index.js';

const row = (method: string, lr: number, loss: number, acc = 0): ResultRow => ({
  seed: 0,
  cell: `method=${method},lr=${lr}`,
  label: `${method} · ${lr}`,
  params: { method, lr },
  metrics: { loss, acc },
});

// Hand-made table: adam at two learning rates (one diverged), sgd at two, cm at two.
const t = new SeedTable(0, [
  row('adam', 0.1, Number.NaN, 0.5),
  row('adam', 0.01, 2.0, 0.7),
  row('sgd', 0.1, 2.5, 0.6),
  row('sgd', 0.01, 3.0, 0.4),
  row('cm', 0.1, 1.5, 0.8),
  row('cm', 0.01, 2.25, 0.9),
]);

describe('claim builders', () => {
  it('expectations and references are the contract’s plain objects', () => {
    expect(above()).toEqual({ op: '>', value: 0, margin: 0 });
    expect(atLeast(0.2)).toEqual({ op: '>=', value: 0.2, margin: 0 });
    expect(below(1, 0.1)).toEqual({ op: '<', value: 1, margin: 0.1 });
    expect(atMost(0.05)).toEqual({ op: '<=', value: 0.05, margin: 0 });
    expect(near(3.6, 0.02)).toEqual({ op: 'approx', value: 3.6, margin: 0.02 });
    expect(inRange(0.5, 0.8)).toEqual({ op: 'between', low: 0.5, high: 0.8 });
    expect(qualitative('Fig. 1')).toEqual({ provenance: 'qualitative', source: 'Fig. 1' });
    expect(derived(0.5, 'our simulation')).toEqual({
      provenance: 'derived',
      value: 0.5,
      source: 'our simulation',
    });
    expect(printed('+16%', 'Fig. 1')).toEqual({ provenance: 'paper', value: '+16%', source: 'Fig. 1' });
    const c = claim(
      'cm-wins',
      'cm wins',
      diff('loss', { method: 'cm', lr: 0.1 }, { method: 'sgd', lr: 0.1 }),
      below(),
    );
    expect(c).toEqual({ id: 'cm-wins', statement: 'cm wins', metric: c.metric, expect: below() });
    expect(claim('x', 'y', c.metric, below(), qualitative('z'), 4)).toMatchObject({
      reference: { source: 'z' },
      digits: 4,
    });
  });

  it('bestOf ignores diverged cells; bestGap compares each side at its best (hand-computed)', () => {
    expect(bestOf(t, 'loss', { method: 'adam' }, 'lower')).toBe(2);
    expect(bestOf(t, 'acc', { method: 'sgd' }, 'higher')).toBe(0.6);
    expect(Number.isNaN(bestOf(t, 'loss', { method: 'adam', lr: 0.1 }, 'lower'))).toBe(true);
    const g = bestGap('loss', { method: 'cm' }, { method: 'sgd' }, 'lower');
    expect(g.uses).toEqual(['loss']);
    expect(g.compute(t)).toBe(1.5 - 2.5);
    expect(bestGap('acc', { method: 'cm' }, { method: 'adam' }, 'higher').compute(t)).toBeCloseTo(0.2, 12);
  });

  it('spread, leadOver and minPairedGap (hand-computed)', () => {
    expect(spread('loss', { method: 'sgd' }).compute(t)).toBe(0.5);
    expect(spread('acc').compute(t)).toBeCloseTo(0.5, 12);
    const lead = leadOver(
      'acc',
      { method: 'cm', lr: 0.01 },
      [
        { method: 'adam', lr: 0.01 },
        { method: 'sgd', lr: 0.1 },
      ],
      'higher',
    );
    expect(lead.compute(t)).toBeCloseTo(0.9 - 0.7, 12);
    expect(lead.describe).toContain('max(');
    const low = leadOver(
      'loss',
      { method: 'cm', lr: 0.1 },
      [
        { method: 'sgd', lr: 0.1 },
        { method: 'sgd', lr: 0.01 },
      ],
      'lower',
    );
    expect(low.compute(t)).toBe(1.5 - 2.5);
    // cm − sgd at lr 0.1: −1; at lr 0.01: −0.75; the smallest is −1.
    expect(minPairedGap('loss', { method: 'cm' }, { method: 'sgd' }).compute(t)).toBe(-1);
    expect(Number.isNaN(minPairedGap('loss', { method: 'cm' }, { method: 'none' }).compute(t))).toBe(true);
  });

  it('a built claim is judged like a written one', () => {
    const c = claim(
      'cm-best',
      'cm beats sgd at its best lr',
      bestGap('loss', { method: 'cm' }, { method: 'sgd' }, 'lower'),
      below(),
    );
    const v = evaluateClaim(c, [t, t, t]);
    expect(v.status).toBe('holds'); // three identical seeds: the interval is the point −1 < 0
    expect(v.values).toEqual([-1, -1, -1]);
  });

  it('bad input names the parameter', () => {
    expect(() => leadOver('acc', { method: 'cm' }, [], 'higher')).toThrow(PaperkitInputError);
    expect(() => leadOver('acc', { method: 'cm' }, [], 'higher')).toThrow(/rivals/);
  });
});

describe('view builders', () => {
  it('curves default to the step axis and pass options through', () => {
    expect(curves('loss', 'Loss', 'Mean loss', 'loss', 'nats')).toEqual({
      kind: 'lines',
      id: 'loss',
      title: 'Loss',
      caption: 'Mean loss',
      series: 'loss',
      x: { label: 'step' },
      y: { label: 'nats' },
    });
    expect(
      curves('n', 'T', 'C', ['a', 'b'], { label: 'y', log: true }, { x: 'epoch', by: 'method' }),
    ).toMatchObject({
      x: { label: 'epoch' },
      y: { label: 'y', log: true },
      by: 'method',
      series: ['a', 'b'],
    });
  });

  it('bars and deltaBars: the baseline’s parameter is the category axis unless given', () => {
    expect(bars('acc', 'A', 'C', 'acc', 'accuracy', { by: 'method' })).toEqual({
      kind: 'bars',
      id: 'acc',
      title: 'A',
      caption: 'C',
      metric: 'acc',
      y: { label: 'accuracy' },
      by: 'method',
    });
    expect(deltaBars('d', 'D', 'C', 'loss', { method: 'adam' }, 'Δ loss')).toMatchObject({
      kind: 'bars',
      by: 'method',
      baseline: { method: 'adam' },
      y: { label: 'Δ loss' },
    });
    expect(deltaBars('d', 'D', 'C', 'loss', { method: 'adam' }, 'Δ', { by: 'lr' }).by).toBe('lr');
  });
});

describe('zipf language-model fields', () => {
  it('the base and the quick overrides parse, and out-of-range sizes are refused', () => {
    const schema = z.strictObject(zipfLanguageModelFields);
    expect(schema.parse(ZIPF_LM_BASE)).toEqual(ZIPF_LM_BASE);
    expect(schema.parse({ ...ZIPF_LM_BASE, ...ZIPF_LM_QUICK }).steps).toBe(400);
    expect(schema.safeParse({ ...ZIPF_LM_BASE, batch: 1000 }).success).toBe(false);
    expect(schema.safeParse({ ...ZIPF_LM_BASE, steps: 1e6 }).success).toBe(false);
  });
});

// The README's complete experiment, verbatim (it must stay under 40 lines).
const quadratic = defineExperiment({
  id: 'demo/quadratic',
  paper: { title: 'Lectures on convex optimization', authors: 'Nesterov', venue: 'Springer', year: 2018 },
  title: 'a larger gradient step converges faster on a quadratic',
  schema: z.strictObject({ steps: z.int().min(1).max(10_000), lrs: z.array(z.number().positive().max(1)) }),
  base: { steps: 200, lrs: [0.05, 0.2] },
  presets: { quick: { steps: 20 }, full: {} },
  cells: (c) => grid({ lr: c.lrs }),
  metrics: { finalLoss: { label: 'final loss', better: 'lower' } },
  cell(c, { lr }, ctx) {
    const noise = ctx.rng.stream('noise'); // same stream in every cell: common random numbers
    let x = 1;
    const loss: number[] = [];
    for (let t = 0; t < c.steps; t++) loss.push(0.5 * (x -= lr * (x + 0.01 * noise.normal())) ** 2);
    return { metrics: { finalLoss: loss.at(-1)! }, series: { loss: { x: loss.map((_, i) => i), y: loss } } };
  },
  claims: () => [
    claim(
      'faster',
      'lr 0.2 ends lower than lr 0.05',
      diff('finalLoss', { lr: 0.2 }, { lr: 0.05 }),
      below(0),
      qualitative('gradient descent on a strongly convex quadratic'),
    ),
  ],
  plots: () => [
    curves('loss', 'Loss', 'Loss per step, by learning rate', 'loss', { label: 'loss', log: true }),
  ],
});

describe('the README example', () => {
  it('runs over three seeds and its claim holds; the plot is a mean curve per learning rate', async () => {
    await initBackend({ prefer: 'cpu' });
    const run = await runExperimentCells(quadratic, [0, 1, 2]);
    expect(run.statuses.faster).toMatch(/^holds/);
    const plot = run.summary.plots.find((p) => p.id === 'loss');
    expect(plot?.kind).toBe('line');
  });
});
