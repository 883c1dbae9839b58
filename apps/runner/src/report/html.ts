import type { RunManifest } from '../run/manifest.js';
import { claimsHolding, comparisonRows, completed, statusLine, summaryRows } from './aggregate.js';
import type { ExperimentGroup, RunGroup, RunRecord } from './gather.js';
import { inlineSvg, runPlots } from './plots.js';

function h(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
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

/** Wall time as `12.3 s` / `4 min 05 s`. */
export function wall(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function statusBadge(m: RunManifest): string {
  return `<span class="st st-${h(m.status)}">${h(m.status)}</span>`;
}

function git(m: RunManifest): string {
  return m.gitSha ? `${m.gitSha.slice(0, 10)}${m.gitDirty ? '+dirty' : ''}` : '—';
}

function runsTable(runs: readonly RunRecord[]): string {
  return table(
    ['seed', 'status', 'backend', 'wall time', 'started', 'git', 'notes'],
    runs.map((r) => {
      const m = r.manifest;
      const notes = [m.error ?? '', ...(m.warnings ?? [])].filter(Boolean).join(' · ');
      return [
        String(m.seed),
        statusBadge(m),
        m.backend,
        wall(m.wallMs),
        m.startedAt.replace('T', ' ').slice(0, 19),
        git(m),
        notes,
      ];
    }),
    [1],
  );
}

function groupSection(g: RunGroup, index: number, total: number): string {
  const first = g.runs[0]!.manifest;
  const done = completed(g);
  const parts: string[] = [];
  const heading = `config <code>${h(g.configHash.slice(0, 8))}</code> · preset <b>${h(g.preset)}</b> · ${g.runs.length} seed${g.runs.length > 1 ? 's' : ''} · ${h(statusLine(g))} · backend ${h([...new Set(g.runs.map((r) => r.manifest.backend))].join(', '))}`;
  parts.push(
    total > 1 ? `<h3>${index === 0 ? 'Latest: ' : ''}${heading}</h3>` : `<p class="meta">${heading}</p>`,
  );
  const comps = comparisonRows(g);
  if (comps.length > 0) {
    parts.push(`<h4>Ours vs paper${done.length > 1 ? ` (mean ± std over ${done.length} seeds)` : ''}</h4>`);
    parts.push(
      table(
        ['metric', 'ours', 'paper', 'holds', 'note'],
        comps.map((c) => [
          c.metric,
          c.ours,
          c.paper,
          `<span class="${c.holds.startsWith('✓') ? 'ok' : c.holds.startsWith('✗') ? 'bad' : ''}">${h(c.holds)}</span>`,
          c.note,
        ]),
        [3],
      ),
    );
  }
  const sums = summaryRows(g);
  if (sums.length > 0) {
    parts.push(`<h4>Summary${done.length > 1 ? ` (mean ± std over ${done.length} seeds)` : ''}</h4>`);
    parts.push(table(['value', 'ours'], sums));
  }
  parts.push('<h4>Runs</h4>', runsTable(g.runs));
  const plotRun = done[0];
  if (plotRun) {
    const plots = runPlots(plotRun)
      .map((p) => {
        const svg = inlineSvg(plotRun, p);
        return svg
          ? `<figure>${svg}<figcaption>${h(p.title)} (seed ${plotRun.manifest.seed})</figcaption></figure>`
          : '';
      })
      .join('\n');
    if (plots) parts.push('<h4>Plots</h4>', `<div class="plots">${plots}</div>`);
  }
  parts.push(
    `<details><summary>Resolved config${first.overrides && Object.keys(first.overrides).length ? ` (--set ${h(Object.keys(first.overrides).join(', '))})` : ''} and folders</summary><pre>${h(JSON.stringify(g.runs[0]!.config, null, 2))}</pre><ul>${g.runs.map((r) => `<li><code>${h(r.rel)}</code></li>`).join('')}</ul></details>`,
  );
  return parts.join('\n');
}

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}h3{margin-top:1.6rem}h4{margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.3rem 0 1rem;font-size:.92rem}th,td{border:1px solid #d6d6d6;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td:nth-child(2),td:nth-child(3){font-variant-numeric:tabular-nums}.meta{color:#555}.paper{color:#555;font-style:italic;margin-top:0}
.ok{color:#1a7f37;font-weight:600}.bad{color:#c62828;font-weight:600}.st{padding:.05rem .45rem;border-radius:.6rem;font-size:.85rem}
.st-completed{background:#dcf3e3;color:#1a7f37}.st-failed{background:#fde0e0;color:#c62828}.st-aborted{background:#fff1d6;color:#8a5a00}.st-running{background:#e3ecfb;color:#1f4fa0}
.plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #eee;padding:.4rem;background:#fff}figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.85rem;color:#555;text-align:center}pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:.85rem}code{font-size:.9em}`;

/** The whole report as one self-contained HTML page (CSS and SVG plots inline, no external resources). */
export function renderHtml(
  experiments: readonly ExperimentGroup[],
  o: { out: string; generatedAt: string },
): string {
  const runCount = experiments.reduce((a, e) => a + e.groups.reduce((b, g) => b + g.runs.length, 0), 0);
  const index = table(
    ['experiment', 'paper', 'preset', 'seeds', 'status', 'claims holding'],
    experiments.map((e) => {
      const g = e.groups[0]!;
      return [
        `<a href="#${anchor(e.id)}">${h(e.id)}</a>`,
        h(e.paper),
        h(g.preset),
        String(g.runs.length),
        h(statusLine(g)),
        h(claimsHolding(g)),
      ];
    }),
    [0, 1, 2, 3, 4, 5],
  );
  const sections = experiments.map((e) => {
    const groups = e.groups.map((g, i) => groupSection(g, i, e.groups.length)).join('\n');
    return `<section id="${anchor(e.id)}"><h2>${h(e.id)} — ${h(e.title)}</h2><p class="paper">${h(e.paper)} · ${h(e.package)}</p>\n${groups}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>paperkit report</title><style>${CSS}</style></head>
<body><h1>paperkit report</h1>
<p class="meta">${experiments.length} experiment${experiments.length === 1 ? '' : 's'}, ${runCount} run folder${runCount === 1 ? '' : 's'} under <code>${h(o.out)}</code> · generated ${h(o.generatedAt)}. For several seeds, numbers are mean ± sample std over completed seeds; a claim holds (✓) only when it holds for every seed.</p>
${index}
${sections.join('\n')}
</body></html>
`;
}
