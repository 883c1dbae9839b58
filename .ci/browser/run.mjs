// Browser checks in a project that installed the packed tarballs, esbuild and playwright-core
// (.ci/browser.sh sets it up): every library's main entry bundles for platform=browser with no
// externals; the example page's gzipped size against tfjs-core + the same backends alone; the page
// runs in Debian's headless Chromium and prints the README's numbers. One line per check; exit 1 on
// a failure.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
const project = process.cwd();
const out = join(project, 'site');
mkdirSync(out, { recursive: true });
const MAX_RATIO = 1.3;
const NODE_ONLY = new Set(['@paperkit/tensor-native']); // an N-API addon: Node by definition
let failed = 0;
const t0 = Date.now();
function report(ok, name, detail) {
  if (!ok) failed++;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(34)} ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s  ${detail}`,
  );
}
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

async function bundle(contents, file, minify = true) {
  const r = await esbuild.build({
    stdin: { contents, resolveDir: project, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    write: false,
    logLevel: 'silent',
    outfile: file,
  });
  const js = r.outputFiles[0].contents;
  if (file) writeFileSync(file, js);
  return { bytes: js.length, gzip: gzipSync(js, { level: 9 }).length };
}

// 1. Every library's main entry, bundled for the browser with nothing external.
const scope = join(project, 'node_modules', '@paperkit');
for (const dir of readdirSync(scope).sort()) {
  const name = `@paperkit/${dir}`;
  if (NODE_ONLY.has(name) || dir === 'cli') continue;
  try {
    const s = await bundle(`export * from '${name}';`);
    report(true, `bundle ${name}`, `${kb(s.bytes)} min, ${kb(s.gzip)} gzip`);
  } catch (err) {
    report(
      false,
      `bundle ${name}`,
      (err.errors ?? [err])
        .map((e) => e.text ?? String(e))
        .slice(0, 3)
        .join(' | '),
    );
  }
}

// 2. The example page against tfjs-core + the same backends.
let page;
try {
  page = await bundle(readFileSync(join(here, 'page.mjs'), 'utf8'), join(out, 'page.js'));
  const base = await bundle(readFileSync(join(here, 'baseline.mjs'), 'utf8'), join(out, 'baseline.js'));
  const ratio = page.gzip / base.gzip;
  report(
    ratio <= MAX_RATIO,
    'bundle size vs tfjs-core alone',
    `page ${kb(page.bytes)} min / ${kb(page.gzip)} gzip; tfjs-core+wasm+cpu+gradients ${kb(base.bytes)} / ${kb(base.gzip)}; ratio ${ratio.toFixed(3)} (limit ${MAX_RATIO})`,
  );
} catch (err) {
  report(
    false,
    'bundle the example page',
    (err.errors ?? [err])
      .map((e) => e.text ?? String(e))
      .slice(0, 3)
      .join(' | '),
  );
}

// 3. The page in headless Chromium.
if (page) {
  const wasmDir = join(project, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(out, f));
  writeFileSync(
    join(out, 'index.html'),
    '<!doctype html><meta charset="utf-8"><body>…</body><script type="module" src="page.js"></script>\n',
  );
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = join(
      out,
      decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html',
    );
    try {
      const body = readFileSync(path.startsWith(out) ? path : join(out, 'missing'));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'paperkit-chromium-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const tab = context.pages()[0] ?? (await context.newPage());
    const logs = [];
    tab.on('console', (m) => logs.push(m.text()));
    tab.on('pageerror', (e) => logs.push(String(e)));
    await tab.goto(url);
    await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 120_000 });
    const r = await tab.evaluate(() => window.__result);
    const ok =
      !r.error &&
      ['wasm', 'webgl'].includes(r.backend) &&
      Math.abs(r.x - 1) < 1e-3 &&
      Math.abs(r.lambda - 1) < 1e-3;
    report(
      ok,
      'chromium runs the README example',
      r.error
        ? `${r.error.split('\n')[0]} ${logs.slice(0, 3).join(' | ')}`
        : `${JSON.stringify(r)} (README: x ≈ 1, λ ≈ 1)`,
    );
  } catch (err) {
    report(false, 'chromium runs the README example', String(err).split('\n')[0]);
  } finally {
    await context.close();
    server.close();
  }
}
console.log(`browser: ${Math.round((Date.now() - t0) / 1000)}s`);
process.exitCode = failed > 0 ? 1 : 0;
