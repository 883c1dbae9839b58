import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  above,
  claim,
  claimIf,
  claimOf,
  defineExperiment,
  diff,
  grid,
  PaperkitInputError,
  printed,
} from '../src/index.js';

const words = { statement: 'b beats a', reference: printed(0.1, 'Table 1'), digits: 4 };
const metric = diff('loss', { m: 'a' }, { m: 'b' });

describe('claimOf and claimIf', () => {
  it('claimOf is the positional claim with its words last; absent words stay absent', () => {
    expect(claimOf('b-wins', metric, above(0), words)).toEqual(
      claim('b-wins', 'b beats a', metric, above(0), printed(0.1, 'Table 1'), 4),
    );
    const bare = claimOf('b-wins', metric, above(0), { statement: 'b beats a' });
    expect(Object.keys(bare).sort()).toEqual(['expect', 'id', 'metric', 'statement']);
  });

  it('claimIf gives the claim when the condition holds and no claim otherwise', () => {
    expect(claimIf(true, 'b-wins', metric, above(0), words)).toEqual([
      claimOf('b-wins', metric, above(0), words),
    ]);
    expect(claimIf(false, 'b-wins', metric, above(0), words)).toEqual([]);
  });

  it('declares claims that depend on the cells a preset runs; an invalid one fails at import time', () => {
    const make = (id: string) =>
      defineExperiment({
        id: 'demo/claim-words',
        paper: { title: 'T', authors: 'A', venue: 'V', year: 2025 },
        title: 'demo',
        schema: z.strictObject({ methods: z.array(z.enum(['a', 'b'])).min(1) }),
        base: { methods: ['a', 'b'] },
        presets: { quick: { methods: ['a'] }, full: {} },
        cells: (c) => grid({ m: c.methods }),
        metrics: { loss: { label: 'loss', better: 'lower' } },
        cell: async () => ({ metrics: { loss: 1 } }),
        claims: (c) => claimIf(c.methods.includes('b'), id, metric, above(0), words),
      });
    const e = make('b-wins');
    expect(e.claims!({ methods: ['a'] })).toEqual([]);
    expect(e.claims!({ methods: ['a', 'b'] }).map((c) => c.id)).toEqual(['b-wins']);
    expect(() => make('B wins')).toThrow(PaperkitInputError);
  });
});
