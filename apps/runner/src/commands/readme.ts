import { readFileSync } from 'node:fs';
import type { TextSink } from '../progress.js';
import { findGroupDirs, readGroupSummary } from '../report/gather.js';
import { statisticsRows } from '../report/html.js';
import { formatExpectation, formatReference, formatVerdictValue, verdictMark } from '../results/format.js';
import type { GroupSummary } from '../results/group.js';
import { wall } from '../results/wall.js';
import { writeTextAtomic } from '../run/run-folder.js';
import { EXIT, UsageError } from '../usage-error.js';

/** `<!-- results: <experiment> preset=<name> -->` … `<!-- /results -->` blocks of a README. */
const BLOCK =
  /<!-- results: ([a-z0-9-]+\/[a-z0-9-]+)(?: preset=([A-Za-z0-9_-]+))?(?: backend=([A-Za-z0-9+._-]+))? -->\n[\s\S]*?<!-- \/results -->/g;

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The Markdown a results block holds: where the numbers come from, the claims, and the results table. */
export function resultsMarkdown(s: GroupSummary): string {
  const seeds = s.deterministic
    ? 'deterministic (one run)'
    : `${s.seeds.length} seeds (${s.seeds.join(', ')})`;
  const lines = [
    `Preset \`${s.preset}\`, ${seeds}, backend \`${s.backendId}\`, ${wall(s.wallMs)} in all (config \`${s.configHash.slice(0, 8)}\`; regenerate with \`paperkit run ${s.experiment} --preset ${s.preset}\` then \`paperkit readme\`). Ours: mean [95% interval] (n).`,
    '',
  ];
  if (s.claims.length > 0)
    lines.push(
      table(
        ['claim', 'ours', 'criterion', 'reference', 'verdict'],
        s.claims.map((c) => [
          c.statement,
          formatVerdictValue(c.verdict, c.digits ?? undefined),
          `\`${c.metric}\` ${formatExpectation(c.expect)}`,
          formatReference(c.reference ?? undefined),
          verdictMark(c.verdict.status),
        ]),
      ),
      '',
    );
  const st = statisticsRows(s);
  lines.push(table(st.head, st.rows));
  return lines.join('\n');
}

/** The newest group summary of an experiment (at a preset and backend, when given) under `out`. */
function newestSummary(
  out: string,
  id: string,
  preset: string | undefined,
  backend: string | undefined,
): GroupSummary | null {
  let best: { s: GroupSummary; t: number } | null = null;
  for (const dir of findGroupDirs(out)) {
    const r = readGroupSummary(dir);
    const s = r.summary;
    if (!s || s.experiment !== id || (preset && s.preset !== preset) || (backend && s.backendId !== backend))
      continue;
    const t = s.seeds.length;
    if (!best || t > best.t || (t === best.t && s.wallMs > 0)) best = { s, t };
  }
  return best?.s ?? null;
}

/**
 * `paperkit readme <file…>`: rewrites every `<!-- results: <experiment> [preset=…] [backend=…] -->`
 * block of each Markdown file from the group folders under `out`, so README numbers always come from
 * run folders (with the backend and seeds named). A block whose experiment has no completed run is an
 * error naming it; the file is left unchanged.
 */
export function readmeCommand(files: readonly string[], out: string, stdout: TextSink): number {
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    let count = 0;
    const next = text.replace(
      BLOCK,
      (_m, id: string, preset: string | undefined, backend: string | undefined) => {
        const s = newestSummary(out, id, preset, backend);
        if (!s)
          throw new UsageError(
            `${file}: no completed run of ${id}${preset ? ` at preset ${preset}` : ''}${backend ? ` on ${backend}` : ''} under '${out}' (run 'paperkit run ${id}${preset ? ` --preset ${preset}` : ''}' first)`,
          );
        count++;
        const head = `<!-- results: ${id}${preset ? ` preset=${preset}` : ''}${backend ? ` backend=${backend}` : ''} -->`;
        return `${head}\n${resultsMarkdown(s)}\n<!-- /results -->`;
      },
    );
    if (next !== text) writeTextAtomic(file, next);
    stdout.write(
      `${file}: ${count} results block${count === 1 ? '' : 's'} ${next !== text ? 'updated' : 'unchanged'}\n`,
    );
  }
  return EXIT.ok;
}
