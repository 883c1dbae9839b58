import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { decodeNumber } from '@paperkit/tensor-core';

/** Largest file the runner reads from a run folder (metrics and cells are small; this bounds a planted file). */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

/** The outcome of reading a run-folder file: its text, or why it was refused. */
export type ReadResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/**
 * Reads a regular file without following symlinks (`O_NOFOLLOW`, plus an lstat check where the flag
 * is missing) and refuses anything larger than {@link MAX_READ_BYTES}: a run folder is never trusted
 * to point the runner at files elsewhere on the disk.
 */
export function readRegularFile(path: string): ReadResult<string> {
  let st: import('node:fs').Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    return { ok: false, error: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : String(err) };
  }
  if (st.isSymbolicLink()) return { ok: false, error: 'a symbolic link (not followed)' };
  if (!st.isFile()) return { ok: false, error: 'not a regular file' };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return { ok: false, error: `cannot open (${(err as NodeJS.ErrnoException).code ?? err})` };
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_READ_BYTES) return { ok: false, error: `larger than ${MAX_READ_BYTES} bytes` };
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { ok: true, value: buf.subarray(0, off).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** Parses JSON written by the runner: "NaN", "Infinity", "-Infinity" strings stay strings here (see decodeMetrics). */
export function readJsonFile(path: string): ReadResult<unknown> {
  const r = readRegularFile(path);
  if (!r.ok) return r;
  try {
    return { ok: true, value: JSON.parse(r.value) as unknown };
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message.slice(0, 80)})` };
  }
}

/** Decodes a record of numbers written with `stringifyWithNumbers` (non-finite as strings). */
export function decodeMetrics(v: unknown): Record<string, number> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    const n = decodeNumber(x);
    if (n === undefined) return null;
    out[k] = n;
  }
  return out;
}
