import { formatCitation } from '@paperkit/tensor-core';
import type { TextSink } from '../progress.js';
import type { ExperimentPackage } from '../registry.js';

/** `paperkit list`: experiments grouped by paper, one line each, headline marked with `*`. */
export function listCommand(packages: readonly ExperimentPackage[], stdout: TextSink): number {
  const all = packages.flatMap((p) => p.experiments.map((e) => ({ e, pkg: p.name })));
  if (all.length === 0) {
    stdout.write('no experiments are registered\n');
    return 0;
  }
  const width = Math.max(...all.map(({ e }) => e.id.length));
  const byPaper = new Map<string, typeof all>();
  for (const x of all) {
    const key = formatCitation(x.e.paper);
    const list = byPaper.get(key) ?? [];
    list.push(x);
    byPaper.set(key, list);
  }
  const lines: string[] = [];
  for (const [paper, list] of byPaper) {
    const pkgs = [...new Set(list.map((x) => x.pkg))].join(', ');
    lines.push(`${paper}  [${pkgs}]`);
    for (const { e } of list) lines.push(`  ${e.id.padEnd(width)} ${e.headline ? '*' : ' '} ${e.title}`);
    lines.push('');
  }
  lines.push("* headline experiment (run by 'paperkit repro'); presets: quick (default), full");
  stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
