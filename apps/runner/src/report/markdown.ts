import { formatExpectation, formatReference, formatVerdictValue, verdictMark } from '../results/format.js';
import { wall } from '../results/wall.js';
import type { ReportGroup } from './gather.js';
import { claimCounts, statisticsRows } from './html.js';

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

function url(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function groupMd(g: ReportGroup): string {
  const s = g.summary;
  const out: string[] = [];
  if (!s) {
    out.push(`\`${g.rel}\`: no completed seed.`);
  } else {
    out.push(
      `config \`${s.configHash.slice(0, 8)}\` · preset **${s.preset}** · ${s.deterministic ? 'deterministic' : `${s.seeds.length} seed(s)`} · backend ${s.backendId} · ${wall(s.wallMs)} · \`${g.rel}\``,
    );
    if (s.claims.length > 0)
      out.push(
        table(
          ['claim', 'ours', 'criterion', 'reference', 'verdict'],
          s.claims.map((c) => [
            `**${c.id}**: ${c.statement}`,
            formatVerdictValue(c.verdict, c.digits ?? undefined),
            `\`${c.metric}\` ${formatExpectation(c.expect)}`,
            formatReference(c.reference ?? undefined),
            `${verdictMark(c.verdict.status)} (${c.verdict.reason})`,
          ]),
        ),
      );
    const st = statisticsRows(s);
    out.push(table(st.head, st.rows));
    for (const p of s.plots)
      if (p.png) out.push(`![${p.spec.title}](${url(`${g.rel}/${p.png}`)})\n*${p.spec.caption}*`);
    for (const n of s.notes) out.push(`> ${n}`);
  }
  out.push(
    table(
      ['seed', 'status', 'backend', 'wall time', 'cells', 'notes'],
      g.runs.map((r) => [
        String(r.seed),
        r.manifest.status,
        r.manifest.backendId,
        wall(r.manifest.wallMs),
        `${r.manifest.cells.completed.length}/${r.manifest.cells.total}`,
        [r.manifest.error ?? '', ...r.manifest.warnings].filter(Boolean).join(' · '),
      ]),
    ),
  );
  for (const w of g.warnings) out.push(`- warning: ${w}`);
  return out.join('\n\n');
}

/** The report as Markdown (plots linked as the PNGs in their group folders). */
export function renderMarkdown(
  groups: readonly ReportGroup[],
  o: { out: string; generatedAt: string },
): string {
  const byExp = new Map<string, ReportGroup[]>();
  for (const g of groups) {
    const id = g.summary?.experiment ?? g.runs[0]?.manifest.experiment ?? g.rel;
    byExp.set(id, [...(byExp.get(id) ?? []), g]);
  }
  const ids = [...byExp.keys()].sort();
  const lines = [
    '# paperkit report',
    '',
    `Generated ${o.generatedAt} from \`${o.out}\`. Numbers over seeds: mean [95% interval] (n). References are labelled paper / reference-code / derived / qualitative.`,
    '',
    table(
      ['experiment', 'seeds', 'backend', 'claims'],
      ids.flatMap((id) =>
        byExp
          .get(id)!
          .map((g) => [
            id,
            g.summary ? (g.summary.deterministic ? 'deterministic' : String(g.summary.seeds.length)) : '0',
            g.summary?.backendId ?? '',
            claimCounts(g.summary),
          ]),
      ),
    ),
  ];
  for (const id of ids) {
    const gs = byExp.get(id)!;
    const s = gs.find((g) => g.summary)?.summary;
    lines.push('', `## ${id}: ${s?.title ?? ''}`, '', `*${s?.paper ?? ''}*`, '', ...gs.map(groupMd));
  }
  return `${lines.join('\n')}\n`;
}
