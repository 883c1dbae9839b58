import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TextSink } from '../progress.js';
import { findGroupDirs } from '../report/gather.js';
import { EXIT, UsageError } from '../usage-error.js';

const LEFTOVER = /^\.seed-\d+\.(tmp|old)-[0-9a-f]{8}$|^\.?[^/]*\.[0-9a-f]{8}\.part$/;

/**
 * `paperkit clean`: removes what a killed process or a full disk left behind under `out`: hidden
 * `.seed-N.tmp-*`/`.old-*` attempt folders and `*.part` temp files. Completed, failed and aborted run
 * folders are kept (an aborted one lends its cells to the next run). Symlinks are removed as links,
 * never followed.
 */
export function cleanCommand(out: string, stdout: TextSink): number {
  let removed = 0;
  const roots = findGroupDirs(out);
  for (const dir of [out, ...roots]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!LEFTOVER.test(name)) continue;
      const path = join(dir, name);
      try {
        lstatSync(path);
        rmSync(path, { recursive: true, force: true });
        stdout.write(`removed ${relative(out, path) || path}\n`);
        removed++;
      } catch (err) {
        throw new UsageError(`cannot remove '${path}' (${(err as NodeJS.ErrnoException).code ?? err})`);
      }
    }
  }
  stdout.write(
    removed === 0 ? 'nothing to clean\n' : `removed ${removed} leftover${removed === 1 ? '' : 's'}\n`,
  );
  return EXIT.ok;
}
