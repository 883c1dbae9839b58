import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CellRecord, cellSlug, decodeNumber } from '@paperkit/tensor-core';
import { z } from 'zod';
import type { CellFile } from './cell-file.js';
import type { CellMessage } from './protocol.js';
import { readJsonFile } from './safe-read.js';

export { type CellFile, cellFileName } from './cell-file.js';

const num = z
  .union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])])
  .transform((v) => decodeNumber(v)!);
const xy = z
  .object({ x: z.array(z.number()), y: z.array(num) })
  .refine((c) => c.x.length === c.y.length, 'x and y lengths differ');
const cellFileSchema = z.object({
  key: z.string().min(1),
  label: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  wallMs: z.number(),
  result: z.object({
    metrics: z.record(z.string(), num),
    series: z.record(z.string(), xy).optional(),
    matrices: z
      .record(
        z.string(),
        z.object({
          rows: z.number().int().min(0),
          cols: z.number().int().min(0),
          values: z.array(num),
          rowLabels: z.array(z.string()).optional(),
          colLabels: z.array(z.string()).optional(),
        }),
      )
      .optional(),
    images: z
      .record(
        z.string(),
        z.object({
          width: z.number().int().min(1),
          height: z.number().int().min(1),
          images: z.array(z.array(num)),
          captions: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  }),
});

/** The JSON content of a cell file. */
export function cellFile(m: CellMessage): CellFile {
  return { key: m.key, label: m.label, params: m.params, result: m.result, wallMs: m.wallMs };
}

/** What {@link loadCells} found: the valid cells, and one warning per file it had to skip. */
export interface LoadedCells {
  readonly cells: Map<string, CellFile>;
  readonly warnings: string[];
}

/** Reads every `cells/*.json` of a run folder through the schema (no symlinks followed). */
export function loadCells(dir: string): LoadedCells {
  const cells = new Map<string, CellFile>();
  const warnings: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(dir, 'cells')).filter((n) => n.endsWith('.json'));
  } catch {
    return { cells, warnings };
  }
  for (const name of names.sort()) {
    const r = readJsonFile(join(dir, 'cells', name));
    if (!r.ok) {
      warnings.push(`cells/${name}: ${r.error}`);
      continue;
    }
    const p = cellFileSchema.safeParse(r.value);
    if (!p.success) {
      const i = p.error.issues[0]!;
      warnings.push(`cells/${name}: field '${i.path.join('.')}' ${i.message}`);
      continue;
    }
    if (`${cellSlug(p.data.key)}.json` !== name) {
      warnings.push(`cells/${name}: its key '${p.data.key}' does not match the file name`);
      continue;
    }
    cells.set(p.data.key, p.data as CellFile);
  }
  return { cells, warnings };
}

/** Cell records of a seed, in the experiment's cell order (cells not in `order` are dropped). */
export function orderedRecords(
  seed: number,
  files: ReadonlyMap<string, CellFile>,
  order: readonly string[],
): CellRecord[] {
  const out: CellRecord[] = [];
  for (const key of order) {
    const f = files.get(key);
    if (f) out.push({ seed, cell: { key: f.key, label: f.label, params: f.params }, result: f.result });
  }
  return out;
}
