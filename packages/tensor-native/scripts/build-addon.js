#!/usr/bin/env node
// Install step of @paperkit/tensor-native: builds the BLAS addon with node-gyp when it can, and
// otherwise leaves it absent. It never fails the install (exit 0 always): a machine without a C
// compiler or BLAS headers still gets a working paperkit, on the stock tfjs kernels.
//
// Environment:
//   PAPERKIT_NATIVE_SKIP=1               do not build (and remove a previous build)
//   PAPERKIT_NATIVE_CBLAS_HEADER=name.h  header to include instead of cblas.h (Linux)
//   PAPERKIT_NATIVE_BLAS_LIB=name        library to link instead of openblas (-l<name>, Linux)
//   PAPERKIT_NATIVE_VERBOSE=1            stream the compiler output
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const addonFile = join(buildDir, 'Release', 'tensor_native.node');
const logFile = join(root, 'native-build.log');
const env = process.env;

function say(message) {
  console.log(`@paperkit/tensor-native: ${message}`);
}

function absent(reason) {
  rmSync(buildDir, { recursive: true, force: true });
  say(`native BLAS addon not built (${reason}); paperkit will use the stock tfjs kernels.`);
  process.exit(0);
}

function truthy(value) {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** node-gyp as [command, leading args]: the package manager's own copy first, then any on PATH. */
function findNodeGyp() {
  const candidates = [];
  if (env.npm_config_node_gyp) candidates.push(env.npm_config_node_gyp);
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed next to us: fall through to the package manager's bundled copy
  }
  if (env.npm_execpath) {
    const pm = dirname(env.npm_execpath);
    candidates.push(join(pm, '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')); // npm
    candidates.push(join(pm, '..', 'dist', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')); // pnpm
  }
  const prefix = resolve(dirname(process.execPath), '..');
  for (const pm of ['npm', 'pnpm', 'corepack']) {
    candidates.push(
      join(prefix, 'lib', 'node_modules', pm, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    );
    candidates.push(
      join(prefix, 'lib', 'node_modules', pm, 'dist', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    );
  }
  for (const c of candidates) {
    if (c.endsWith('.js') && existsSync(c)) return [process.execPath, [c]];
    if (!c.endsWith('.js') && existsSync(c)) return [c, []];
  }
  const probe = spawnSync('node-gyp', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? ['node-gyp', []] : null;
}

if (truthy(env.PAPERKIT_NATIVE_SKIP)) absent('PAPERKIT_NATIVE_SKIP is set');
if (process.platform !== 'linux' && process.platform !== 'darwin' && process.platform !== 'freebsd') {
  absent(`platform ${process.platform} is not supported`);
}
const gyp = findNodeGyp();
if (!gyp) absent('node-gyp was not found');

const args = ['rebuild'];
// Build against this Node's own headers when it ships them (Debian/NodeSource layouts do), so
// node-gyp never needs to download a header tarball.
const prefix = resolve(dirname(process.execPath), '..');
if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const defines = [];
if (env.PAPERKIT_NATIVE_CBLAS_HEADER) defines.push(`-Dcblas_header=${env.PAPERKIT_NATIVE_CBLAS_HEADER}`);
if (env.PAPERKIT_NATIVE_BLAS_LIB) defines.push(`-Dblas_lib=${env.PAPERKIT_NATIVE_BLAS_LIB}`);
if (defines.length > 0) args.push('--', ...defines);

const verbose = truthy(env.PAPERKIT_NATIVE_VERBOSE);
const [cmd, lead] = gyp;
const run = spawnSync(cmd, [...lead, ...args], {
  cwd: root,
  encoding: 'utf8',
  stdio: verbose ? 'inherit' : 'pipe',
  timeout: 10 * 60 * 1000,
});
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
if (!verbose) writeFileSync(logFile, output);
if (run.status !== 0 || !existsSync(addonFile)) {
  const first =
    output.split('\n').find((l) => /fatal error|error:|cannot find|not found/i.test(l)) ??
    run.error?.message ??
    `node-gyp exited with ${run.status}`;
  absent(`build failed: ${first.trim()}; full log in native-build.log`);
}

// Resolve every symbol now (RTLD_NOW) so a library that links but cannot load is caught here.
const check = spawnSync(
  process.execPath,
  [
    '-e',
    `const os=require('node:os');const m={exports:{}};process.dlopen(m,${JSON.stringify(addonFile)},os.constants.dlopen.RTLD_NOW);if(typeof m.exports.sgemmBatched!=='function')throw new Error('exports are missing');console.log(m.exports.vendor)`,
  ],
  { encoding: 'utf8' },
);
if (check.status !== 0) {
  const line = (check.stderr || '').split('\n').find((l) => l.trim().length > 0) ?? 'unknown error';
  absent(`built but cannot load: ${line.trim()}`);
}
say(`built against ${check.stdout.trim()}`);
