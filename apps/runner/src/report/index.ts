import { join } from 'node:path';
import { stringifyWithNumbers } from '@paperkit/tensor-core';
import { renderSvg } from '../plot/render.js';
import type { GroupAggregates, GroupSummary } from '../results/group.js';
import { writeTextAtomic } from '../run/run-folder.js';
import { findGroupDirs, type KnownExperiment, type ReportGroup, readReportGroup } from './gather.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** What {@link writeReport} produced. */
export interface ReportResult {
  readonly html: string;
  readonly markdown: string;
  readonly csv: string;
  readonly experiments: number;
  readonly runs: number;
  /** One line per damaged or skipped folder or file. */
  readonly warnings: readonly string[];
  /** The aggregate of every group that has one, as re-computed for this report. */
  readonly summaries: readonly GroupSummary[];
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The merged results of every group in long form: one row per experiment, config, backend, seed, cell and metric. */
export function mergedCsv(groups: readonly ReportGroup[]): string {
  const lines = ['experiment,config_hash,backend,preset,cell,metric,n,mean,ci95_low,ci95_high,values'];
  for (const g of groups) {
    const s = g.summary;
    if (!s) continue;
    for (const st of s.statistics)
      lines.push(
        [
          s.experiment,
          s.configHash.slice(0, 8),
          s.backendId,
          s.preset,
          st.cell,
          st.metric,
          String(st.n),
          stringifyWithNumbers(st.mean),
          stringifyWithNumbers(st.ci95[0]),
          stringifyWithNumbers(st.ci95[1]),
          st.values.map((v) => stringifyWithNumbers(v)).join(' '),
        ]
          .map((f) => csvField(f.replace(/^"|"$/g, '')))
          .join(','),
      );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Gathers every group folder under `out` and writes `report.html` (self-contained, no scripts),
 * `report.md` and `results.csv` there. Known experiments are re-aggregated from their seed folders;
 * nothing in a folder is trusted (schemas, no symlinks followed, plots re-rendered from data). Writes
 * go through fresh temp files and renames, so a planted symlink is replaced, never followed.
 * Returns null when there is no run folder at all.
 */
export async function writeReport(
  out: string,
  known: ReadonlyMap<string, KnownExperiment>,
  now: Date = new Date(),
  early?: GroupAggregates,
): Promise<ReportResult | null> {
  const dirs = findGroupDirs(out);
  if (dirs.length === 0) return null;
  const groups: ReportGroup[] = [];
  for (const d of dirs) groups.push(await readReportGroup(out, d, known, early));
  const svgs = new Map<string, string>();
  const warnings = groups.flatMap((g) => g.warnings);
  for (const g of groups)
    for (const p of g.summary?.plots ?? []) {
      try {
        // A group re-aggregated just now comes with its SVGs; others are rendered from their specs.
        const svg = g.svgs?.get(p.spec.id) ?? (await renderSvg(p.spec));
        svgs.set(`${g.rel}/${p.spec.id}`, svg.replace(/^<\?xml[^>]*>\s*/, ''));
      } catch (err) {
        warnings.push(
          `${g.rel}: plot '${p.spec.id}' could not be rendered (${err instanceof Error ? err.message : String(err)})`,
        );
      }
    }
  const o = { out, generatedAt: `${now.toISOString().replace('T', ' ').slice(0, 19)} UTC` };
  const html = join(out, 'report.html');
  const markdown = join(out, 'report.md');
  const csv = join(out, 'results.csv');
  writeTextAtomic(html, renderHtml(groups, svgs, o));
  writeTextAtomic(markdown, renderMarkdown(groups, o));
  writeTextAtomic(csv, mergedCsv(groups));
  const experiments = new Set(groups.map((g) => g.summary?.experiment ?? g.rel)).size;
  const summaries = groups.flatMap((g) => (g.summary ? [g.summary] : []));
  return {
    html,
    markdown,
    csv,
    experiments,
    runs: groups.reduce((a, g) => a + g.runs.length, 0),
    warnings,
    summaries,
  };
}
