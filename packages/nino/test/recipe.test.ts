import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointJson, NINO_TINY_RECIPE, recipeCheckpoints, runMetaRecipe } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * The shipped nino_small / wnn_plus_small come from `scripts/make-checkpoint.ts --recipe small`; the
 * same script with `--recipe tiny` (cpu backend, stock kernels: reproducible on any machine) wrote the
 * fixtures below. Running the recipe code path again must give the same bytes.
 */
describe('meta-training recipe', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
  });

  it('reproduces the tiny checkpoints of make-checkpoint.ts bit for bit', async () => {
    const json = JSON.parse(readFileSync(fixture('nino_tiny.json'), 'utf8')) as CheckpointJson;
    const provenance = json.provenance as { seed: number; backend: string; command: string };
    expect(provenance.backend).toBe('cpu');
    expect(provenance.command).toMatch(/make-checkpoint\.ts --recipe tiny/);
    const result = await runMetaRecipe(provenance.seed, NINO_TINY_RECIPE);
    const ck = await expectNoLeak(() =>
      recipeCheckpoints(
        result,
        { ...provenance, recipe: NINO_TINY_RECIPE },
        { nino: 'nino_tiny', wnn: 'wnn_tiny' },
      ),
    );
    expect(Buffer.from(ck.nino.data).equals(readFileSync(fixture('nino_tiny.bin')))).toBe(true);
    expect(Buffer.from(ck.wnn!.data).equals(readFileSync(fixture('wnn_tiny.bin')))).toBe(true);
    expect(ck.nino.json.tensors).toEqual(json.tensors);
    result.nino.dispose();
    result.wnn?.dispose();
  });
});
