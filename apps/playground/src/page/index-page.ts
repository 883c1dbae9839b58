import type { FromWorker, PackageMeta } from '../shared/protocol.js';
import { lazyPackages } from '../shared/registry.js';
import { byId, h } from './dom.js';
import { loadLastRun } from './results-store.js';
import { ExperimentWorker } from './worker-client.js';

// The index: one row per package of the runner's registry (no list of its own), filled in as the
// experiment thread describes each package: its headline, the preset its page runs, and the last
// run of that page in this browser.

const rows = new Map<string, HTMLTableRowElement>();
const body = byId('packages');
for (const p of lazyPackages) {
  const row = h(
    'tr',
    { 'data-package': p.name },
    h('th', { scope: 'row' }, h('a', { href: `paper.html?pkg=${encodeURIComponent(p.slug)}` }, p.name)),
    h('td', { class: 'headline' }, '…'),
    h('td', { class: 'preset' }, ''),
    h('td', { class: 'status' }, 'loading…'),
  );
  rows.set(p.name, row);
  body.append(row);
}

function lastRunText(name: string): string {
  const last = loadLastRun(name);
  if (!last) return 'not run in this browser yet';
  const n = (s: string) => last.verdicts.filter((v) => v.status === s).length;
  return `last run: ${n('holds')} hold, ${n('fails')} fail, ${n('inconclusive')} inconclusive (${last.preset}, ${last.backend}, ${(last.wallMs / 1000).toFixed(1)} s)`;
}

function show(meta: PackageMeta): void {
  const row = rows.get(meta.name);
  if (!row) return;
  const [headline, preset, status] = [...row.querySelectorAll('td')] as HTMLTableCellElement[];
  if (!meta.ok) {
    headline!.textContent = '—';
    status!.textContent = `cannot run in a browser: ${meta.error}`;
    row.dataset.status = 'unavailable';
    return;
  }
  const e = meta.experiments.find((x) => x.headline) ?? meta.experiments[0]!;
  headline!.replaceChildren(h('strong', {}, e.id), h('br'), e.title, h('br'), h('small', {}, e.paper));
  const p = e.presets.find((x) => x.name === e.defaultPreset)!;
  preset!.textContent = `${p.name}, ${p.seeds} seed(s)`;
  status!.textContent = lastRunText(meta.name);
  row.dataset.status = 'ready';
}

let next = 0;
const worker = new ExperimentWorker('cpu', (m: FromWorker) => {
  if (m.type !== 'described') return;
  show(m.meta);
  const p = lazyPackages[++next];
  if (p) worker.send({ type: 'describe', pkg: p.name });
  else byId('index-status').textContent = `${lazyPackages.length} packages described.`;
});
if (lazyPackages[0]) worker.send({ type: 'describe', pkg: lazyPackages[0].name });
