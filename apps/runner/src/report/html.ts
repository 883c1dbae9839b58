import {
  formatExpectation,
  formatNum,
  formatReference,
  formatStat,
  formatVerdictValue,
} from '../results/format.js';
import type { GroupSummary } from '../results/group.js';
import { wall } from '../results/wall.js';
import type { ReportGroup } from './gather.js';

/** Escapes text for HTML content and attribute values. */
export function h(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An anchor id for an experiment (ids contain `/`). */
export function anchor(id: string): string {
  return `exp-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  rawCols: readonly number[] = [],
): string {
  const th = head.map((c) => `<th>${h(c)}</th>`).join('');
  const trs = rows
    .map((r) => `<tr>${r.map((c, i) => `<td>${rawCols.includes(i) ? c : h(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

function verdictBadge(status: string): string {
  const cls = status === 'holds' ? 'ok' : status === 'fails' ? 'bad' : 'maybe';
  return `<span class="v ${cls}">${h(status)}</span>`;
}

function provenanceBadge(p: string | undefined): string {
  return p ? `<span class="prov prov-${h(p)}">${h(p)}</span>` : '';
}

/** Claims holding / failing / inconclusive, e.g. `2 holds · 1 inconclusive`. */
export function claimCounts(s: GroupSummary | null): string {
  if (!s || s.claims.length === 0) return '—';
  const n = (k: string) => s.claims.filter((c) => c.verdict.status === k).length;
  return [
    `${n('holds')} holds`,
    n('fails') ? `${n('fails')} fails` : '',
    n('inconclusive') ? `${n('inconclusive')} inconclusive` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function claimsTable(s: GroupSummary): string {
  return table(
    ['claim', 'ours (mean [95% interval] (n))', 'criterion', 'reference', 'verdict'],
    s.claims.map((c) => [
      `<b>${h(c.id)}</b>: ${h(c.statement)}`,
      h(formatVerdictValue(c.verdict, c.digits ?? undefined)),
      `<code>${h(c.metric)}</code> ${h(formatExpectation(c.expect))}`,
      c.reference
        ? `${provenanceBadge(c.reference.provenance)} ${h(formatReference(c.reference).replace(/\[[a-z-]+\] /, ''))}`
        : '—',
      `${verdictBadge(c.verdict.status)}<div class="why">${h(c.verdict.reason)}</div>`,
    ]),
    [0, 2, 3, 4],
  );
}

/** Cells × metrics; a value that is the same at every seed is shown as a number, not a statistic. */
export function statisticsRows(s: GroupSummary): { head: string[]; rows: string[][] } {
  const metrics = Object.keys(s.metrics);
  const cells: string[] = [];
  for (const st of s.statistics) if (!cells.includes(st.label)) cells.push(st.label);
  const rows = cells.map((label) => [
    label,
    ...metrics.map((m) => {
      const st = s.statistics.find((x) => x.label === label && x.metric === m);
      return st ? formatStat(st, s.metrics[m]?.digits) : '—';
    }),
  ]);
  return { head: ['cell', ...metrics.map((m) => s.metrics[m]!.label)], rows };
}

function runsTable(g: ReportGroup): string {
  return table(
    ['seed', 'status', 'backend', 'wall time', 'cells', 'started', 'git', 'notes'],
    g.runs.map((r) => {
      const m = r.manifest;
      const cells = `${m.cells.completed.length}/${m.cells.total}${m.cells.reused.length ? ` (${m.cells.reused.length} reused)` : ''}`;
      const notes = [m.error ?? '', ...m.warnings].filter(Boolean).join(' · ');
      return [
        String(m.seed),
        `<span class="st st-${h(m.status)}">${h(m.status)}</span>`,
        h(m.backendId),
        h(wall(m.wallMs)),
        h(cells),
        h(m.startedAt.replace('T', ' ').slice(0, 19)),
        h(m.gitSha ? `${m.gitSha.slice(0, 10)}${m.gitDirty ? '+dirty' : ''}` : '—'),
        h(notes),
      ];
    }),
    [1],
  );
}

/** One group: claims, statistics, plots (SVG rendered by the runner from plot data, never read from the folder), runs. */
export function groupHtml(g: ReportGroup, svgs: ReadonlyMap<string, string>): string {
  const s = g.summary;
  const parts: string[] = [];
  const head = s
    ? `config <code>${h(s.configHash.slice(0, 8))}</code> · preset <b>${h(s.preset)}</b> · ${s.deterministic ? 'deterministic' : `${s.seeds.length} seed${s.seeds.length === 1 ? '' : 's'}`} · backend ${h(s.backendId)} · ${h(wall(s.wallMs))} · <code>${h(g.rel)}</code>`
    : `<code>${h(g.rel)}</code> · no completed seed`;
  parts.push(`<h3>${head}</h3>`);
  if (s) {
    if (s.claims.length > 0) parts.push('<h4>Claims</h4>', claimsTable(s));
    const st = statisticsRows(s);
    parts.push('<h4>Results</h4>', table(st.head, st.rows));
    const figs = s.plots
      .map((p) => {
        const svg = svgs.get(`${g.rel}/${p.spec.id}`);
        return svg ? `<figure>${svg}<figcaption>${h(p.spec.caption)}</figcaption></figure>` : '';
      })
      .join('\n');
    if (figs) parts.push('<h4>Plots</h4>', `<div class="plots">${figs}</div>`);
    if (s.notes.length > 0)
      parts.push('<h4>Notes</h4>', `<ul>${s.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>`);
  }
  parts.push('<h4>Runs</h4>', runsTable(g));
  if (g.warnings.length > 0)
    parts.push(`<ul class="warn">${g.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>`);
  if (s)
    parts.push(
      `<details><summary>Resolved config</summary><pre>${h(JSON.stringify(s.config, null, 2))}</pre></details>`,
    );
  return parts.join('\n');
}

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;margin:2rem auto;max-width:1250px;padding:0 1rem;color:#222;line-height:1.45}
h2{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}h3{margin-top:1.6rem;font-size:1rem;font-weight:normal}h4{margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.3rem 0 1rem;font-size:.9rem}th,td{border:1px solid #d6d6d6;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td{font-variant-numeric:tabular-nums}.meta,.paper{color:#555}.paper{font-style:italic;margin-top:0}.why{font-size:.8rem;color:#555}
.v{font-weight:600}.ok{color:#1a7f37}.bad{color:#c62828}.maybe{color:#8a5a00}.prov{padding:.05rem .4rem;border-radius:.5rem;font-size:.8rem;background:#eee}
.prov-paper{background:#dcf3e3}.prov-reference-code{background:#e3ecfb}.prov-derived{background:#fff1d6}.prov-qualitative{background:#eee}
.st{padding:.05rem .45rem;border-radius:.6rem;font-size:.85rem}.st-completed{background:#dcf3e3}.st-failed{background:#fde0e0}.st-aborted,.st-running{background:#fff1d6}
.plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #eee;padding:.4rem;background:#fff;max-width:100%}figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.85rem;color:#555;max-width:640px}pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:.85rem}.warn{color:#8a5a00;font-size:.9rem}`;

/** The whole report as one self-contained HTML page (CSS and SVG plots inline, no external resources, no scripts). */
export function renderHtml(
  groups: readonly ReportGroup[],
  svgs: ReadonlyMap<string, string>,
  o: { out: string; generatedAt: string },
): string {
  const byExp = new Map<string, ReportGroup[]>();
  for (const g of groups) {
    const id = g.summary?.experiment ?? g.runs[0]?.manifest.experiment ?? g.rel;
    byExp.set(id, [...(byExp.get(id) ?? []), g]);
  }
  const ids = [...byExp.keys()].sort();
  const index = table(
    ['experiment', 'paper', 'preset', 'seeds', 'backend', 'claims'],
    ids.flatMap((id) =>
      byExp
        .get(id)!
        .map((g) => [
          `<a href="#${anchor(id)}">${h(id)}</a>`,
          h(g.summary?.paper ?? g.runs[0]?.manifest.paper ?? ''),
          h(g.summary?.preset ?? ''),
          h(g.summary ? (g.summary.deterministic ? 'deterministic' : String(g.summary.seeds.length)) : '0'),
          h(g.summary?.backendId ?? ''),
          h(claimCounts(g.summary)),
        ]),
    ),
    [0],
  );
  const sections = ids.map((id) => {
    const gs = byExp.get(id)!;
    const s = gs.find((g) => g.summary)?.summary;
    const title = s?.title ?? gs[0]!.runs[0]?.manifest.title ?? '';
    return `<section id="${anchor(id)}"><h2>${h(id)} — ${h(title)}</h2><p class="paper">${h(s?.paper ?? '')} · ${h(s?.package ?? '')}</p>\n${gs.map((g) => groupHtml(g, svgs)).join('\n')}</section>`;
  });
  const runCount = groups.reduce((a, g) => a + g.runs.length, 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>paperkit report</title><style>${CSS}</style></head>
<body><h1>paperkit report</h1>
<p class="meta">${ids.length} experiment${ids.length === 1 ? '' : 's'}, ${runCount} run folder${runCount === 1 ? '' : 's'} under <code>${h(o.out)}</code> · generated ${h(o.generatedAt)}.
Numbers over seeds are the mean with its 95% t-interval and the number of seeds; a value equal at every seed is shown alone.
A claim <span class="v ok">holds</span> when the interval of its metric lies inside the claimed region, <span class="v bad">fails</span> when it lies outside (or any seed is non-finite), and is <span class="v maybe">inconclusive</span> when it straddles the bound.
Reference labels: ${provenanceBadge('paper')} printed in the paper, ${provenanceBadge('reference-code')} output of the authors' code, ${provenanceBadge('derived')} our own analysis or simulation, ${provenanceBadge('qualitative')} the paper's statement without a number.</p>
${index}
${sections.join('\n')}
</body></html>
`;
}

export { formatNum };
