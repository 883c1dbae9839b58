import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatherRuns, groupRuns } from './gather.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** What {@link writeReport} produced. */
export interface ReportResult {
  readonly html: string;
  readonly markdown: string;
  readonly experiments: number;
  readonly runs: number;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.part`, text);
  renameSync(`${path}.part`, path);
}

/**
 * Gathers every run folder under `out` and writes `report.html` (self-contained) and `report.md`
 * there. Returns null when there is no run folder at all.
 */
export function writeReport(out: string, now: Date = new Date()): ReportResult | null {
  const runs = gatherRuns(out);
  if (runs.length === 0) return null;
  const experiments = groupRuns(runs);
  const o = { out, generatedAt: `${now.toISOString().replace('T', ' ').slice(0, 19)} UTC` };
  const html = join(out, 'report.html');
  const markdown = join(out, 'report.md');
  writeAtomic(html, renderHtml(experiments, o));
  writeAtomic(markdown, renderMarkdown(experiments, o));
  return { html, markdown, experiments: experiments.length, runs: runs.length };
}
