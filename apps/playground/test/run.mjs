// The playground's browser suite (`pnpm --filter @paperkit/playground test`, after `pnpm build`):
// serves dist/ on 127.0.0.1, drives Debian's Chromium with playwright-core, and for every package of
// the runner's registry opens its page on wasm, runs the headline at the preset the page picks
// (`browser` if the experiment has one, else `quick`), and checks its claims get the same verdicts as
// the built CLI's Node wasm run of the same config and seeds (run beside it). Also: the index lists
// every registered package and loads in under 2 s; no request leaves the site; each finished run's
// "download run folder" zip is accepted by `paperkit report`; Stop halts a run within 1 s and the page
// runs again. Screenshots and a results.json go to test-output/. One line per check; exit 1 on a failure.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { chromium } from 'playwright-core';

const app = fileURLToPath(new URL('..', import.meta.url));
const root = join(app, '..', '..');
const dist = join(app, 'dist');
const out = join(app, 'test-output');
const cli = join(root, 'apps', 'runner', 'dist', 'cli.js');
const RUN_TIMEOUT_MS = Number(process.env.PLAYGROUND_RUN_TIMEOUT_MS ?? 240_000);
const WEBGL = process.env.PLAYGROUND_WEBGL === '1';
// Same wasm kernels in Chromium and Node: the numbers agree up to float32 rounding at most.
const MAX_REL_DIFF = 1e-4;
const ONLY = process.env.PLAYGROUND_ONLY?.split(',') ?? null;

const t0 = Date.now();
let failed = 0;
let checks = 0;
function report(ok, name, detail = '') {
  checks++;
  if (!ok) failed++;
  const s = String(Math.round((Date.now() - t0) / 1000)).padStart(4);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(46)} ${s}s  ${detail}`);
}

if (!existsSync(join(dist, 'paper.html'))) {
  console.log('dist/ is missing: building the site (vite build)…');
  const b = spawnSync('npx', ['vite', 'build'], { cwd: app, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
if (!existsSync(cli)) {
  console.error(`FAIL the CLI is not built (${cli}): run 'pnpm build' first`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), 'paperkit-playground-'));

// The registry's packages, as the built CLI lists them (`[@paperkit/<pkg>]` after each paper).
const listed = spawnSync(process.execPath, [cli, 'list'], { encoding: 'utf8' });
const registered = [...listed.stdout.matchAll(/\[(@[^\]]+)\]\s*$/gm)].map((m) => m[1]);
report(listed.status === 0 && registered.length > 0, 'CLI lists the registry', registered.join(' '));

// --- static server -------------------------------------------------------------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};
const server = createServer((req, res) => {
  const path = normalize(join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  const file = path.endsWith('/') ? join(path, 'index.html') : path;
  if (!file.startsWith(dist) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

// --- Node reference runs (the built CLI, wasm without BLAS) ---------------------------------------
function nodeRun(id, preset, seeds) {
  const dir = join(scratch, 'node', id.replace('/', '-'));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        cli,
        'run',
        id,
        '--preset',
        preset,
        '--seeds',
        String(seeds),
        '--backend',
        'wasm',
        '--no-blas',
        '--out',
        dir,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-2000);
    });
    child.on('close', (code) => {
      const ms = Date.now() - started;
      const [pkg, name] = id.split('/');
      const found = [];
      const base = join(dir, pkg, name);
      if (existsSync(base))
        for (const h of readdirSync(base)) {
          const f = join(base, h, 'wasm', 'summary.json');
          if (existsSync(f)) found.push(JSON.parse(readFileSync(f, 'utf8')));
        }
      resolve({
        code,
        ms,
        summary: found[0] ?? null,
        error: code === 0 ? null : err.trim().split('\n').at(-1),
      });
    });
  });
}

// --- browser -------------------------------------------------------------------------------------
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'paperkit-chromium-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  acceptDownloads: true,
  args: [
    '--no-sandbox',
    '--enable-unsafe-swiftshader',
    '--use-angle=swiftshader',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const offsite = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
  offsite.push(url);
  return route.abort();
});

async function openPage(path) {
  const tab = await context.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  const started = Date.now();
  await tab.goto(`${origin}/${path}`, { waitUntil: 'load' });
  return { tab, errors, loadMs: Date.now() - started };
}

async function waitState(tab, states, timeout) {
  await tab.waitForFunction((s) => s.includes(document.body.dataset.state), states, {
    timeout,
    polling: 100,
  });
  return tab.evaluate(() => document.body.dataset.state);
}

const verdictsOf = (tab) =>
  tab.$$eval('table.claims[data-final="true"] tr[data-claim]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.claim, r.dataset.status])),
  );

/**
 * Largest relative difference between the page's and Node's per-seed metrics, wall-clock metrics
 * (unit s or ms, or named for time) left out: they measure the machine, not the method.
 */
function maxRelDiff(pageStats, nodeSummary) {
  let worst = 0;
  const clock = (m) => {
    const spec = nodeSummary.metrics[m] ?? {};
    return spec.unit === 's' || spec.unit === 'ms' || /second|time|wall/i.test(`${m} ${spec.label ?? ''}`);
  };
  for (const s of pageStats) {
    const n = nodeSummary.statistics.find((x) => x.cell === s.cell && x.metric === s.metric);
    if (!n || clock(s.metric)) continue;
    s.values.forEach((v, i) => {
      const w = Number(n.values[i]);
      if (!Number.isFinite(v) || !Number.isFinite(w)) return;
      worst = Math.max(worst, Math.abs(v - w) / Math.max(1e-12, Math.abs(v), Math.abs(w)));
    });
  }
  return worst;
}

// Index: lists every registered package, fast.
{
  const { tab, errors, loadMs } = await openPage('index.html');
  const names = await tab.$$eval('tr[data-package]', (rows) => rows.map((r) => r.dataset.package));
  report(
    JSON.stringify(names) === JSON.stringify(registered),
    'index lists the registry',
    `${names.length} packages`,
  );
  report(loadMs < 2000, 'index loads in < 2 s', `${loadMs} ms`);
  await tab
    .waitForFunction(
      () =>
        document.querySelectorAll('tr[data-status]').length ===
        document.querySelectorAll('tr[data-package]').length,
      null,
      {
        timeout: 120_000,
      },
    )
    .catch(() => {});
  const statuses = await tab.$$eval('tr[data-package]', (rows) =>
    rows.map((r) => `${r.dataset.package}=${r.dataset.status ?? 'pending'}`),
  );
  report(
    statuses.every((s) => s.endsWith('=ready') || s.endsWith('=unavailable')) && errors.length === 0,
    'index describes every package',
    statuses.filter((s) => !s.endsWith('=ready')).join(' ') || 'all ready',
  );
  await tab.screenshot({ path: join(out, 'index.png'), fullPage: true });
  await tab.close();
}

/** One paper page: run its headline on `backend`, compare with Node when `node` is given. */
async function runPage(pkg, backend, nodeRef) {
  const slug = pkg.replace(/^@[^/]+\//, '');
  const { tab, errors, loadMs } = await openPage(`paper.html?pkg=${slug}&backend=${backend}`);
  const row = { package: pkg, backend, loadMs };
  try {
    if (backend === 'wasm') report(loadMs < 2000, `${slug}: page loads in < 2 s`, `${loadMs} ms`);
    const state = await waitState(tab, ['ready', 'unavailable'], 120_000);
    if (state === 'unavailable') {
      row.unavailable = await tab.textContent('#unavailable');
      report(
        Boolean(row.unavailable?.includes('cannot run')),
        `${slug}: says it cannot run`,
        row.unavailable,
      );
      return row;
    }
    const meta = await tab.evaluate(() => ({
      experiment: document.querySelector('#experiment-choice').value,
      preset: document.querySelector('#preset-choice').value,
      seeds: Number(document.querySelector('#seed-count').value),
    }));
    Object.assign(row, meta);
    const node = nodeRef ? nodeRun(meta.experiment, meta.preset, meta.seeds) : null;
    await tab.click('#run');
    const end = await waitState(tab, ['done', 'failed'], RUN_TIMEOUT_MS).catch(() => 'timeout');
    await tab.screenshot({
      path: join(out, `${slug}${backend === 'wasm' ? '' : `-${backend}`}.png`),
      fullPage: true,
    });
    if (end !== 'done') {
      report(
        false,
        `${slug}: ${meta.experiment} runs on ${backend}`,
        `${end}: ${await tab.textContent('#status')} ${errors.join(' | ')}`,
      );
      await node;
      return row;
    }
    const timing = await tab.$eval('#timing', (t) => ({ ...t.dataset }));
    row.browserMs = Number(timing.wallMs);
    row.backendLabel = await tab.textContent('#backend');
    row.verdicts = await verdictsOf(tab);
    report(
      backend !== 'wasm' || row.backendLabel === 'wasm',
      `${slug}: ${meta.experiment} (${meta.preset} ×${meta.seeds}) on ${backend}`,
      `${(row.browserMs / 1000).toFixed(1)} s, ${Object.entries(row.verdicts)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    if (backend !== 'wasm') {
      // webgl against the page's own wasm run of the same config and seeds: reported, not judged.
      const wasm = rows.find((r) => r.package === pkg && r.backend === 'wasm');
      const stats = await tab.evaluate(() => window.__lastSummary?.statistics ?? []);
      if (wasm?.summary) {
        row.maxRelDiffVsWasm = maxRelDiff(stats, wasm.summary);
        const same = JSON.stringify(row.verdicts) === JSON.stringify(wasm.verdicts);
        row.verdictsAsWasm = same;
        report(
          true,
          `${slug}: ${backend} against wasm`,
          `verdicts ${same ? 'the same' : 'differ'}; max relative difference ${row.maxRelDiffVsWasm.toExponential(1)}`,
        );
      }
    }
    if (node) {
      const n = await node;
      row.nodeMs = n.ms;
      if (!n.summary) {
        report(false, `${slug}: Node reference run`, n.error ?? `exit ${n.code}`);
        return row;
      }
      const nodeVerdicts = Object.fromEntries(n.summary.claims.map((c) => [c.id, c.verdict.status]));
      row.nodeVerdicts = nodeVerdicts;
      report(
        n.summary.configHash === timing.configHash,
        `${slug}: same config as Node`,
        `${timing.configHash.slice(0, 8)} / ${n.summary.configHash.slice(0, 8)}`,
      );
      const pageStats = await tab.evaluate(() => window.__lastSummary?.statistics ?? []);
      row.summary = { metrics: n.summary.metrics, statistics: pageStats };
      row.maxRelDiff = maxRelDiff(pageStats, n.summary);
      report(
        JSON.stringify(row.verdicts) === JSON.stringify(nodeVerdicts),
        `${slug}: verdicts match Node wasm`,
        `node ${(n.ms / 1000).toFixed(1)} s; ${Object.keys(nodeVerdicts).length} claims`,
      );
      report(
        row.maxRelDiff <= MAX_REL_DIFF,
        `${slug}: numbers match Node wasm`,
        `max relative difference of the per-seed metrics ${row.maxRelDiff.toExponential(1)} (limit ${MAX_REL_DIFF})`,
      );
      // The run folder zip is what `paperkit report` reads.
      const [download] = await Promise.all([tab.waitForEvent('download'), tab.click('#download')]);
      const zipPath = join(scratch, `${slug}.zip`);
      await download.saveAs(zipPath);
      const dir = join(scratch, 'zips', slug);
      for (const [name, data] of Object.entries(unzipSync(readFileSync(zipPath)))) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), data);
      }
      const rep = spawnSync(process.execPath, [cli, 'report', '--out', join(dir, 'runs')], {
        encoding: 'utf8',
      });
      const md = existsSync(join(dir, 'runs', 'report.md'))
        ? readFileSync(join(dir, 'runs', 'report.md'), 'utf8')
        : '';
      report(
        rep.status === 0 && md.includes(meta.experiment) && !rep.stderr.includes('warning'),
        `${slug}: paperkit report accepts the zip`,
        rep.status === 0
          ? `${rep.stdout.split('\n')[0]}${rep.stderr ? ` (${rep.stderr.trim().split('\n')[0]})` : ''}`
          : rep.stderr.trim().split('\n').at(-1),
      );
    }
    if (errors.length) report(false, `${slug}: no page errors`, errors.join(' | '));
    return row;
  } finally {
    await tab.close();
  }
}

const rows = [];
for (const pkg of registered) {
  if (ONLY && !ONLY.some((o) => pkg.endsWith(o))) continue;
  rows.push(await runPage(pkg, 'wasm', true));
}

// Stop: a long run halts within 1 s and the page runs again.
{
  const { tab, errors } = await openPage('paper.html?pkg=cli&backend=wasm&preset=full');
  await waitState(tab, ['ready'], 120_000);
  await tab.click('#run');
  await tab.waitForFunction(() => document.querySelector('#progress').value > 0, null, {
    timeout: 60_000,
    polling: 50,
  });
  const t = Date.now();
  await tab.click('#stop');
  await waitState(tab, ['stopped'], 5000).catch(() => 'timeout');
  const stopMs = Date.now() - t;
  report(
    stopMs <= 1000,
    'Stop halts a running experiment within 1 s',
    `${stopMs} ms: ${await tab.textContent('#status')}`,
  );
  await tab.selectOption('#preset-choice', 'tiny');
  await tab.fill('#seed-count', '1');
  await tab.click('#run');
  const again = await waitState(tab, ['done', 'failed'], 120_000).catch(() => 'timeout');
  report(
    again === 'done' && errors.length === 0,
    'the page runs again after Stop',
    `${again}: ${await tab.textContent('#status')}`,
  );
  // A bad value is refused by the experiment's schema, next to its field.
  await tab.fill('#cfg-epochs', '100000');
  await tab.click('#run');
  await tab
    .waitForFunction(() => document.querySelector('#cfg-epochs-error').textContent !== '', null, {
      timeout: 10_000,
    })
    .catch(() => {});
  const msg = await tab.textContent('#cfg-epochs-error');
  report(
    /epochs = 100000/.test(msg ?? '') && /200/.test(msg ?? ''),
    'a bad config value is named next to its field',
    msg,
  );
  await tab.close();
}

if (WEBGL)
  for (const pkg of registered)
    if (!ONLY || ONLY.some((o) => pkg.endsWith(o))) rows.push(await runPage(pkg, 'webgl', false));

report(offsite.length === 0, 'no request leaves the site', offsite.slice(0, 3).join(' '));
await context.close();
server.close();
writeFileSync(
  join(out, 'results.json'),
  `${JSON.stringify(
    rows.map(({ summary, ...r }) => r),
    null,
    2,
  )}\n`,
);
const secs = (ms) => (ms ? `${(ms / 1000).toFixed(1)} s` : '—');
console.log('\n| package | headline | preset × seeds | Chromium wasm | Chromium webgl | Node wasm (CLI) |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows.filter((x) => x.backend === 'wasm')) {
  const gl = rows.find((x) => x.package === r.package && x.backend === 'webgl');
  console.log(
    `| ${r.package} | ${r.experiment ?? '—'} | ${r.preset ?? '—'} × ${r.seeds ?? '—'} | ${secs(r.browserMs)} | ${secs(gl?.browserMs)} | ${secs(r.nodeMs)} |`,
  );
}
rmSync(scratch, { recursive: true, force: true });
console.log(
  `\n${checks - failed} passed, ${failed} failed (${Math.round((Date.now() - t0) / 1000)} s); screenshots in ${out}`,
);
process.exit(failed === 0 ? 0 : 1);
