import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineExperiment, resolveConfig } from '../src/index.js';

const schema = z.strictObject({ steps: z.number().int().positive(), lr: z.number().positive() });
const base = {
  id: 'demo/test',
  paper: 'none',
  title: 'test',
  schema,
  presets: { quick: { steps: 10, lr: 0.1 }, full: { steps: 100, lr: 0.1 } },
  run: async () => ({ summary: {}, comparisons: [], plots: [] }),
};

describe('experiment contract', () => {
  it('resolves presets with overrides and rejects typos', () => {
    const e = defineExperiment(base);
    expect(resolveConfig(e, 'quick', { lr: 0.5 })).toEqual({ steps: 10, lr: 0.5 });
    expect(() => resolveConfig(e, 'quick', { stpes: 3 })).toThrow(/Unrecognized key.*stpes/);
    expect(() => resolveConfig(e, 'quick', { steps: -1 })).toThrow(/steps/);
    expect(() => resolveConfig(e, 'medium')).toThrow(/preset must be one of quick, full; got "medium"/);
  });

  it('refuses non-strict schemas, bad ids and broken presets at definition time', () => {
    expect(() =>
      defineExperiment({ ...base, schema: z.object({ steps: z.number(), lr: z.number() }) }),
    ).toThrow(/z.strictObject/);
    expect(() => defineExperiment({ ...base, id: 'Demo Test' })).toThrow(
      /id must be of the form "package\/name"/,
    );
    expect(() =>
      defineExperiment({ ...base, presets: { quick: { steps: 1, lr: -1 }, full: { steps: 1, lr: 1 } } }),
    ).toThrow(/preset 'quick' does not match its schema/);
  });
});
