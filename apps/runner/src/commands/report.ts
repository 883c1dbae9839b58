import { existsSync } from 'node:fs';
import type { TextSink } from '../progress.js';
import type { KnownExperiment } from '../report/gather.js';
import { writeReport } from '../report/index.js';
import type { GroupAggregates, GroupSummary } from '../results/group.js';
import { errorLine } from '../run/manifest.js';
import { EXIT, UsageError } from '../usage-error.js';
import { claimLines } from './exec.js';

/**
 * `paperkit report`: writes report.html, report.md and results.csv under `out` and prints their
 * paths on stdout; each damaged or skipped folder is one warning line on stderr. `claims` (repro)
 * also prints the claims of the groups it selects, from the report's own aggregation.
 */
export async function reportCommand(
  out: string,
  known: ReadonlyMap<string, KnownExperiment>,
  stdout: TextSink,
  stderr: TextSink,
  claims?: (s: GroupSummary) => boolean,
  early?: GroupAggregates,
): Promise<number> {
  if (!existsSync(out))
    throw new UsageError(
      `output directory '${out}' does not exist (nothing to report; run 'paperkit run …' first)`,
    );
  let r: Awaited<ReturnType<typeof writeReport>>;
  try {
    r = await writeReport(out, known, new Date(), early);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOSPC')
      throw new UsageError(`cannot write the report into '${out}' (${code})`);
    throw new Error(`report failed: ${errorLine(err)}`, { cause: err });
  }
  if (r === null) throw new UsageError(`no run folders under '${out}' (run 'paperkit run …' first)`);
  for (const w of r.warnings) stderr.write(`paperkit: warning: ${w}\n`);
  if (claims) for (const g of r.summaries.filter(claims)) stdout.write(`${claimLines(g).join('\n')}\n`);
  stdout.write(
    `report of ${r.runs} run${r.runs === 1 ? '' : 's'} (${r.experiments} experiment${r.experiments === 1 ? '' : 's'}):\n${r.html}\n${r.markdown}\n${r.csv}\n`,
  );
  return EXIT.ok;
}
