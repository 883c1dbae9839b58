import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` built from non-recursive mkdir calls. Node 20's `mkdirSync(p, { recursive: true })`
 * never returns when the kernel answers ENOENT for a directory whose parent exists (e.g. under
 * /proc), so we create one level at a time from the deepest existing ancestor and let real errors
 * (ENOENT, ENOTDIR, EACCES, EROFS) surface.
 */
export function mkdirp(path: string): void {
  const missing: string[] = [];
  let p = path;
  for (;;) {
    try {
      if (statSync(p).isDirectory()) break;
      const err = new Error(`ENOTDIR: not a directory, mkdir '${path}'`) as NodeJS.ErrnoException;
      err.code = 'ENOTDIR';
      throw err;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
