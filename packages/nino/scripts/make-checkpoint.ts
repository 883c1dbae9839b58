/**
 * Makes this package's meta-trained checkpoints (the command recorded in their provenance):
 *
 *   npx tsx --conditions=@paperkit/source scripts/make-checkpoint.ts [--recipe small|tiny] [--seed N]
 *     [--backend wasm|cpu] [--blas auto|off] [--out DIR]
 *
 * `small` (default) writes checkpoints/nino_small.{json,bin} and checkpoints/wnn_plus_small.{json,bin};
 * `tiny` writes test/fixtures/nino_tiny.* and wnn_tiny.*, which test/recipe.test.ts regenerates bit
 * for bit. The same recipe, seed and backend give the same bytes.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '@paperkit/tensor-core';
import { NINO_SMALL_RECIPE, NINO_TINY_RECIPE, recipeCheckpoints, runMetaRecipe } from '../src/meta/recipe.js';
import { writeCheckpointFiles } from '../src/node/index.js';

const { values } = parseArgs({
  options: {
    recipe: { type: 'string', default: 'small' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string' },
    blas: { type: 'string' },
    out: { type: 'string' },
  },
});
const tiny = values.recipe === 'tiny';
if (!tiny && values.recipe !== 'small')
  throw new Error(`--recipe must be small or tiny, got ${values.recipe}`);
const recipe = tiny ? NINO_TINY_RECIPE : NINO_SMALL_RECIPE;
const seed = Number(values.seed);
const backend = (values.backend ?? (tiny ? 'cpu' : 'wasm')) as 'wasm' | 'cpu';
const blas = (values.blas ?? (tiny ? 'off' : 'auto')) as 'auto' | 'off';
const info = await initBackend({ prefer: backend, blas });
const out =
  values.out ?? fileURLToPath(new URL(tiny ? '../test/fixtures/' : '../checkpoints/', import.meta.url));
mkdirSync(out, { recursive: true });
const t0 = performance.now();
let lastPrint = 0;
const result = await runMetaRecipe(seed, recipe, {
  onProgress: (phase, done, total) => {
    const now = performance.now();
    if (now - lastPrint > 15_000) {
      lastPrint = now;
      console.log(`${((now - t0) / 1000).toFixed(0)} s  ${phase} ${done}/${total}`);
    }
  },
});
const command = `npx tsx --conditions=@paperkit/source scripts/make-checkpoint.ts --recipe ${values.recipe} --seed ${seed} --backend ${backend} --blas ${blas}`;
const names = tiny ? { nino: 'nino_tiny', wnn: 'wnn_tiny' } : { nino: 'nino_small', wnn: 'wnn_plus_small' };
const ck = await recipeCheckpoints(result, { seed, recipe, backend: info.label, command }, names);
await writeCheckpointFiles(out, names.nino, ck.nino);
if (ck.wnn) await writeCheckpointFiles(out, names.wnn, ck.wnn);
console.log(
  `wrote ${names.nino} and ${names.wnn} to ${out} in ${((performance.now() - t0) / 1000).toFixed(0)} s on ${info.label}`,
);
if (result.heldOut) console.log(JSON.stringify(result.heldOut, null, 1));
