import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WrittenPlot } from '../run/execute.js';
import type { RunRecord } from './gather.js';

/** Plots of a run: those listed in summary.json, or every `plots/*.svg` when the list is absent. */
export function runPlots(run: RunRecord): WrittenPlot[] {
  const listed = run.summary?.plots;
  if (Array.isArray(listed)) return listed.filter((p) => existsSync(join(run.dir, p.svg)));
  let files: string[] = [];
  try {
    files = readdirSync(join(run.dir, 'plots'))
      .filter((f) => f.endsWith('.svg'))
      .sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const stem = f.slice(0, -4);
    const png = existsSync(join(run.dir, 'plots', `${stem}.png`)) ? `plots/${stem}.png` : null;
    return { id: stem, title: stem, kind: 'unknown', svg: `plots/${f}`, png };
  });
}

/** The SVG text of a plot with any XML declaration removed, ready to inline in HTML. */
export function inlineSvg(run: RunRecord, plot: WrittenPlot): string | null {
  try {
    return readFileSync(join(run.dir, plot.svg), 'utf8').replace(/^<\?xml[^>]*>\s*/, '');
  } catch {
    return null;
  }
}
