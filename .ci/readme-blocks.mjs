#!/usr/bin/env node
// README code blocks as tests, run in a consumer project that installed the packed tarballs
// (.ci/consumers.sh makes one):
//
//   node .ci/readme-blocks.mjs list  [--root R]               every checked block, README:line
//   node .ci/readme-blocks.mjs check --project P [--root R]   type-check each block under `strict`
//                                                             and run it with node; one line per block
//   node .ci/readme-blocks.mjs entries --project P            a strict (skipLibCheck: false) program
//                                                             importing every export of every
//                                                             installed @paperkit/* package
//
// Blocks are the ```ts / ```typescript / ```js fences of README.md, packages/*/README.md and
// apps/*/README.md. Each block is one ES module (top-level await allowed), so it must import what it
// uses and define its own data. Info-string flags: `no-run` (type-check only, e.g. a block that needs
// data or a browser) and `no-check` (skipped: a signature or a shell transcript). Failures are
// reported as `README path:line` of the offending line. Exits 1 if a block fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const RUN_TIMEOUT_MS = Number(process.env.README_BLOCK_TIMEOUT_MS ?? 180_000);
/** Blocks run two at a time: each is one mostly single-threaded Node process. */
const JOBS = Number(process.env.README_BLOCK_JOBS ?? 2);

/** Runs `fn` over `items` with at most `jobs` in flight. */
async function pool(items, jobs, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

/** Runs one emitted block with node; resolves with its exit status and stderr. */
function runNode(file, cwd) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status: timedOut ? -1 : status, stderr, timedOut });
    });
  });
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** README files of the monorepo, root first. */
function readmes(root) {
  const out = [join(root, 'README.md')];
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const f = join(dir, name, 'README.md');
      if (existsSync(f)) out.push(f);
    }
  }
  return out.filter((f) => existsSync(f));
}

/** Fenced code blocks of one README: language, flags, first code line (1-based) and text. */
export function blocksOf(file, text) {
  const lines = text.split('\n');
  const blocks = [];
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(```+|~~~+)\s*([\w-]*)\s*(.*)$/.exec(lines[i]);
    if (!open && fence) {
      open = {
        marker: fence[2],
        lang: fence[3].toLowerCase(),
        flags: fence[4].split(/[\s,]+/).filter(Boolean),
        start: i + 2,
        code: [],
      };
    } else if (open && fence && lines[i].trim().startsWith(open.marker) && fence[3] === '') {
      if (LANGS.has(open.lang))
        blocks.push({
          file,
          line: open.start,
          lang: open.lang,
          flags: open.flags,
          code: open.code.join('\n'),
        });
      open = null;
    } else if (open) open.code.push(lines[i]);
  }
  return blocks;
}

function collect(root) {
  return readmes(root).flatMap((f) => blocksOf(relative(root, f), readFileSync(f, 'utf8')));
}

function slug(b) {
  return `${
    b.file
      .replace(/README\.md$/, '')
      .replace(/[^\w]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'root'
  }_L${b.line}`;
}

async function check(project, root) {
  const dir = join(project, 'readme');
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(project, 'readme-out'), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const blocks = collect(root).filter((b) => !b.flags.includes('no-check'));
  const byName = new Map();
  for (const b of blocks) {
    const name = slug(b);
    const ts = b.lang === 'ts' || b.lang === 'typescript';
    // `export {}` keeps a block without imports a module (top-level await, own scope).
    writeFileSync(join(dir, `${name}.${ts ? 'ts' : 'mts'}`), `${b.code}\nexport {};\n`);
    byName.set(name, { ...b, errors: [], runError: null, ms: 0 });
  }
  writeFileSync(
    join(project, 'tsconfig.readme.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          allowJs: true,
          checkJs: false,
          types: ['node'],
          // The blocks are what is checked here; libraries' own .d.ts are checked by `entries`
          // (and tfjs-layers' declarations have errors of their own under skipLibCheck: false).
          skipLibCheck: true,
          rootDir: 'readme',
          outDir: 'readme-out',
          noEmitOnError: false,
        },
        include: ['readme'],
      },
      null,
      2,
    ),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.readme.json'],
    {
      cwd: project,
      encoding: 'utf8',
    },
  );
  for (const m of `${tsc.stdout}`.matchAll(/^readme\/(\w+)\.m?ts\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)) {
    const b = byName.get(m[1]);
    if (b) b.errors.push({ line: b.line + Number(m[2]) - 1, text: `${m[4]}: ${m[5]}` });
  }
  const runs = [...byName].filter(([, b]) => !b.flags.includes('no-run'));
  await pool(runs, JOBS, async ([name, b]) => {
    const file = join(
      project,
      'readme-out',
      `${name}.${b.lang === 'ts' || b.lang === 'typescript' ? 'js' : 'mjs'}`,
    );
    if (!existsSync(file)) {
      b.runError = 'not emitted';
      return;
    }
    const t = Date.now();
    const run = await runNode(file, project);
    b.ms = Date.now() - t;
    if (run.status !== 0) {
      const err =
        run.stderr.split('\n').find((l) => /Error|error|at /.test(l)) ?? run.stderr.trim().split('\n')[0];
      b.runError = run.timedOut
        ? `timed out after ${RUN_TIMEOUT_MS / 1000}s`
        : `exit ${run.status}: ${(err ?? '').trim()}`;
    }
  });
  let failing = 0;
  for (const b of byName.values()) {
    const where = `${b.file}:${b.line}`;
    const bad = b.errors.length > 0 || b.runError;
    if (bad) failing++;
    const mode = b.flags.includes('no-run')
      ? 'type-checked'
      : `type-checked, ran ${(b.ms / 1000).toFixed(1)}s`;
    console.log(`${bad ? 'FAIL' : 'ok  '} ${where} (${mode})`);
    for (const e of b.errors) console.log(`       ${b.file}:${e.line}: ${e.text}`);
    if (b.runError) console.log(`       ${where}: run: ${b.runError}`);
  }
  console.log(`readme blocks: ${byName.size - failing} ok, ${failing} failing, ${blocks.length} checked`);
  return failing === 0 ? 0 : 1;
}

function entries(project) {
  const scope = join(project, 'node_modules', '@paperkit');
  const lines = [];
  let n = 0;
  for (const name of readdirSync(scope).sort()) {
    const pkg = JSON.parse(readFileSync(join(scope, name, 'package.json'), 'utf8'));
    for (const key of Object.keys(pkg.exports ?? { '.': null })) {
      if (key === './package.json' || key.includes('*')) continue;
      if (!pkg.exports?.[key]?.types && key !== '.') continue;
      const spec = key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`;
      lines.push(`import * as m${n++} from '${spec}';`);
    }
  }
  lines.push(`export const all = [${Array.from({ length: n }, (_, i) => `m${i}`).join(', ')}];`);
  mkdirSync(join(project, 'entries'), { recursive: true });
  writeFileSync(join(project, 'entries', 'all.ts'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(project, 'tsconfig.entries.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          // tfjs-core's own declarations need the DOM types (ImageData, WebGLTexture) and @types/long,
          // as in any tfjs project: TypeScript's default lib has DOM and every @types package is seen.
          lib: ['ES2023', 'DOM'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          noEmit: true,
        },
        include: ['entries'],
      },
      null,
      2,
    ),
  );
  console.log(lines.join('\n'));
  return 0;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(arg('root', join(here, '..')));
const cmd = process.argv[2];
if (cmd === 'list') {
  for (const b of collect(root))
    console.log(`${b.file}:${b.line} ${b.lang}${b.flags.length ? ` [${b.flags.join(' ')}]` : ''}`);
} else if (cmd === 'check') {
  process.exitCode = await check(resolve(arg('project', '.')), root);
} else if (cmd === 'entries') {
  process.exitCode = entries(resolve(arg('project', '.')));
} else {
  console.error('usage: readme-blocks.mjs list|check|entries [--project P] [--root R]');
  process.exitCode = 2;
}
