import { resolveConfig } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/registry.js';

// The reliability review's "loose limits": a size or a learning rate far beyond what this class of
// machine runs must be refused before any work, naming the field, in every registered experiment.
const SIZE =
  /^(n|n[A-Z]\w*|\w*Size|steps|\w*Steps|iterations|epochs|\w*Epochs|batchSize|hidden|latentDim|observedDim|particles|runs|starts)$/;
const RATE = /^(\w*[lL]r)$/;

describe('every experiment schema bounds its sizes and learning rates', () => {
  for (const e of experiments) {
    const base = resolveConfig(e, 'quick') as Record<string, unknown>;
    const keys = Object.keys(base).filter(
      (k) => typeof base[k] === 'number' && (SIZE.test(k) || RATE.test(k)),
    );
    if (keys.length === 0) continue;
    it(`${e.id}: ${keys.join(', ')}`, () => {
      for (const k of keys) {
        const huge = RATE.test(k) ? 1e30 : 1e12;
        expect(() => resolveConfig(e, 'quick', { [k]: huge }), `${k} = ${huge}`).toThrow(k);
      }
    });
  }
});
