import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirp } from '../run/mkdirp.js';
import { readManifest } from '../run/run-folder.js';
import { readRegularFile } from '../run/safe-read.js';

/** A run folder as one compressed value (a distributed job's result): paths relative to the folder. */
export interface RunBundle {
  /** Folder path relative to the output root (`<pkg>/<name>/<hash8>/<backend>/seed-<n>`). */
  readonly path: string;
  /** gzip of the JSON `{ [relative path]: utf8 text }`. */
  readonly data: string;
  /** Uncompressed bytes. */
  readonly bytes: number;
}

/** Largest bundle accepted (a run folder is metrics, cells and results: far below this). */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...listFiles(dir, rel));
    else if (d.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Packs a completed run folder (regular files only; symlinks are not followed). */
export function packRunFolder(out: string, dir: string): RunBundle {
  const files: Record<string, string> = {};
  let bytes = 0;
  for (const rel of listFiles(dir)) {
    const r = readRegularFile(join(dir, rel));
    if (!r.ok) continue;
    files[rel] = r.value;
    bytes += r.value.length;
  }
  const data = gzipSync(Buffer.from(JSON.stringify(files))).toString('base64');
  return { path: relative(out, dir).split(sep).join('/'), data, bytes };
}

const SAFE_PATH = /^(?:[A-Za-z0-9._+-]+\/)*seed-\d+$/;
const SAFE_FILE = /^(?:[A-Za-z0-9._~+-]+\/)*[A-Za-z0-9._~+-]+$/;

/**
 * Unpacks a bundle into `out` atomically: every path is checked to stay inside the run folder, files
 * are written into a hidden sibling and renamed into place. A completed folder already there is kept
 * (the job was done before): returns false then. Throws on a malformed bundle.
 */
export function commitBundle(out: string, b: RunBundle): { dir: string; written: boolean } {
  if (
    typeof b?.path !== 'string' ||
    !SAFE_PATH.test(b.path) ||
    b.path.split('/').some((p) => p === '..' || p === '.')
  )
    throw new Error(`bundle path '${String(b?.path)}' is not a run folder path`);
  const raw = gunzipSync(Buffer.from(b.data, 'base64'), { maxOutputLength: MAX_BUNDLE_BYTES });
  const files = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  const target = join(out, ...b.path.split('/'));
  const previous = readManifest(target);
  if (previous?.status === 'completed') return { dir: target, written: false };
  const temp = join(
    dirname(target),
    `.${basename(target)}.tmp-${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}`,
  );
  mkdirp(dirname(target));
  mkdirSync(temp);
  try {
    for (const [rel, text] of Object.entries(files)) {
      if (
        !SAFE_FILE.test(rel) ||
        rel.split('/').some((p) => p === '..' || p === '.') ||
        typeof text !== 'string'
      )
        throw new Error(`bundle file '${rel}' is not allowed`);
      mkdirp(dirname(join(temp, rel)));
      writeFileSync(join(temp, rel), text, { flag: 'wx' });
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
  return { dir: target, written: true };
}
