import { hashString } from '../random/hash.js';
import { PaperkitInputError } from '../validate/errors.js';

/** The settings that distinguish one cell of a sweep from another (a method, a task, a gain…). */
export type CellParams = Readonly<Record<string, string | number | boolean>>;

/** One named cell of an experiment's sweep: the unit the runner runs, caches and resumes. */
export interface Cell<P extends CellParams = CellParams> {
  /** Stable identity, `key=value` pairs joined by `,` in declaration order (file names use a slug of it). */
  readonly key: string;
  /** Human label for legends and tables, the values joined by " · ". */
  readonly label: string;
  readonly params: P;
}

function formatValue(v: string | number | boolean): string {
  return typeof v === 'number' ? String(v) : String(v);
}

/** Builds the cell of one parameter set (keys in the given order). */
export function cellOf<P extends CellParams>(params: P, label?: string): Cell<P> {
  if (params === null || typeof params !== 'object' || Array.isArray(params))
    throw new PaperkitInputError('cell params', params, 'an object of strings, numbers and booleans');
  const entries = Object.entries(params);
  for (const [k, v] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw new PaperkitInputError('cell param name', k, 'an identifier (letters, digits, _)');
    const t = typeof v;
    if (t !== 'string' && t !== 'number' && t !== 'boolean')
      throw new PaperkitInputError(`cell param ${k}`, v, 'a string, number or boolean');
    if (t === 'number' && !Number.isFinite(v as number))
      throw new PaperkitInputError(`cell param ${k}`, v, 'a finite number');
  }
  const key = entries.map(([k, v]) => `${k}=${formatValue(v)}`).join(',');
  return {
    key: key === '' ? 'all' : key,
    label: label ?? (entries.length === 0 ? 'all' : entries.map(([, v]) => formatValue(v)).join(' · ')),
    params,
  };
}

type GridParams<G extends Readonly<Record<string, readonly (string | number | boolean)[]>>> = {
  readonly [K in keyof G]: G[K][number];
};

/**
 * The Cartesian product of named settings, in row-major order (the last key varies fastest):
 * `grid({ method: ['ga', 'nupi'], kp: [1, 5] })` gives 4 cells. An empty list gives no cells.
 */
export function grid<const G extends Readonly<Record<string, readonly (string | number | boolean)[]>>>(
  axes: G,
): Cell<GridParams<G>>[] {
  let acc: Record<string, string | number | boolean>[] = [{}];
  for (const [k, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new PaperkitInputError(`grid.${k}`, values, 'an array of values');
    const next: Record<string, string | number | boolean>[] = [];
    for (const a of acc) for (const v of values) next.push({ ...a, [k]: v });
    acc = next;
  }
  return acc.map((p) => cellOf(p as GridParams<G>));
}

/**
 * A file-name-safe form of a cell key: the key with every character outside `[A-Za-z0-9.-]` replaced
 * by `_`, plus an 8-hex-digit hash of the exact key so two keys never share a slug.
 */
export function cellSlug(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 80);
  return `${readable}-${(hashString(key, 0x9e3779b9) >>> 0).toString(16).padStart(8, '0')}`;
}

/** Rejects duplicate keys and cells whose parameter names differ (a results table needs one set of columns). */
export function checkCells(where: string, cells: readonly Cell[]): void {
  if (!Array.isArray(cells) || cells.length === 0)
    throw new PaperkitInputError(`${where}.cells`, cells, 'a non-empty array of cells (see grid / cellOf)');
  const seen = new Set<string>();
  const names = Object.keys(cells[0]!.params).sort().join(',');
  for (const c of cells) {
    if (seen.has(c.key)) throw new PaperkitInputError(`${where}.cells`, c.key, 'unique cell keys');
    seen.add(c.key);
    const n = Object.keys(c.params).sort().join(',');
    if (n !== names)
      throw new PaperkitInputError(
        `${where}.cells[${c.key}]`,
        n,
        `the same parameter names in every cell (${names || 'none'})`,
      );
  }
}
