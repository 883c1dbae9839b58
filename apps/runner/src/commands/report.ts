import { existsSync } from 'node:fs';
import type { TextSink } from '../progress.js';
import { writeReport } from '../report/index.js';
import { errorLine } from '../run/manifest.js';
import { EXIT, UsageError } from '../usage-error.js';

/** `paperkit report`: writes report.html and report.md under `out` and prints their paths on stdout. */
export function reportCommand(out: string, stdout: TextSink): number {
  if (!existsSync(out))
    throw new UsageError(
      `output directory '${out}' does not exist (nothing to report; run 'paperkit run …' first)`,
    );
  let r: ReturnType<typeof writeReport>;
  try {
    r = writeReport(out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM')
      throw new UsageError(`cannot write the report into '${out}' (${code})`);
    throw new Error(`report failed: ${errorLine(err)}`, { cause: err });
  }
  if (r === null) throw new UsageError(`no run folders under '${out}' (run 'paperkit run …' first)`);
  stdout.write(
    `report of ${r.runs} run${r.runs === 1 ? '' : 's'} (${r.experiments} experiment${r.experiments === 1 ? '' : 's'}):\n${r.html}\n${r.markdown}\n`,
  );
  return EXIT.ok;
}
