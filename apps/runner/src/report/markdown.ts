import { claimsHolding, comparisonRows, completed, statusLine, summaryRows } from './aggregate.js';
import type { ExperimentGroup, RunGroup } from './gather.js';
import { wall } from './html.js';
import { runPlots } from './plots.js';

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

function groupSection(g: RunGroup, index: number, total: number): string {
  const done = completed(g);
  const backends = [...new Set(g.runs.map((r) => r.manifest.backend))].join(', ');
  const out: string[] = [];
  const heading = `config \`${g.configHash.slice(0, 8)}\` · preset **${g.preset}** · ${g.runs.length} seed${g.runs.length > 1 ? 's' : ''} · ${statusLine(g)} · backend ${backends}`;
  out.push(total > 1 ? `### ${index === 0 ? 'Latest: ' : ''}${heading}` : heading);
  const over = done.length > 1 ? ` (mean ± std over ${done.length} seeds)` : '';
  const comps = comparisonRows(g);
  if (comps.length > 0)
    out.push(
      `**Ours vs paper${over}**`,
      table(
        ['metric', 'ours', 'paper', 'holds', 'note'],
        comps.map((c) => [c.metric, c.ours, c.paper, c.holds, c.note]),
      ),
    );
  const sums = summaryRows(g);
  if (sums.length > 0) out.push(`**Summary${over}**`, table(['value', 'ours'], sums));
  out.push(
    '**Runs**',
    table(
      ['seed', 'status', 'backend', 'wall time', 'folder', 'notes'],
      g.runs.map((r) => {
        const m = r.manifest;
        return [
          String(m.seed),
          m.status,
          m.backend,
          wall(m.wallMs),
          `\`${r.rel}\``,
          [m.error ?? '', ...(m.warnings ?? [])].filter(Boolean).join(' · '),
        ];
      }),
    ),
  );
  const plotRun = done[0];
  if (plotRun) {
    const imgs = runPlots(plotRun)
      .filter((p) => p.png !== null)
      .map((p) => `![${p.title.replace(/[[\]]/g, '')}](${url(`${plotRun.rel}/${p.png}`)})`);
    if (imgs.length > 0) out.push(`**Plots** (seed ${plotRun.manifest.seed})`, imgs.join('\n'));
  }
  return out.join('\n\n');
}

/** The report as Markdown; plots are referenced as PNGs by paths relative to the output root (where report.md lives). */
export function renderMarkdown(
  experiments: readonly ExperimentGroup[],
  o: { out: string; generatedAt: string },
): string {
  const lines: string[] = [
    '# paperkit report',
    '',
    `Generated ${o.generatedAt} from \`${o.out}\`. For several seeds, numbers are mean ± sample std over completed seeds; a claim holds (✓) only when it holds for every seed.`,
    '',
    table(
      ['experiment', 'paper', 'preset', 'seeds', 'status', 'claims holding'],
      experiments.map((e) => {
        const g = e.groups[0]!;
        return [e.id, e.paper, g.preset, String(g.runs.length), statusLine(g), claimsHolding(g)];
      }),
    ),
  ];
  for (const e of experiments) {
    lines.push('', `## ${e.id} — ${e.title}`, '', `*${e.paper}* · ${e.package}`, '');
    lines.push(e.groups.map((g, i) => groupSection(g, i, e.groups.length)).join('\n\n'));
  }
  return `${lines.join('\n')}\n`;
}
