#!/usr/bin/env node
// Root postinstall of the monorepo: runs @tensorflow/tfjs-node's own install script (denied in
// pnpm-workspace.yaml `allowBuilds`) with its output captured, and prints one line.
//
// The script downloads libtensorflow and the prebuilt addon from Google's storage. Where that host is
// unreachable (a firewall, these CI machines) it used to print a 25-line stack trace on every install
// although nothing was wrong: tfjs-node is optional and initBackend falls back to wasm. Proxies and
// mirrors are honoured as tfjs-node documents them (HTTPS_PROXY, TFJS_NODE_CDN_STORAGE,
// TFJS_NODE_BASE_URI, npm_config_tfjs_binding_binary_host_mirror). PAPERKIT_SKIP_TFJS_NODE=1 skips
// the attempt. Always exits 0: a missing native backend never fails an install.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

function say(line) {
  process.stdout.write(`tfjs-node: ${line}\n`);
}

function main() {
  if (process.env.PAPERKIT_SKIP_TFJS_NODE === '1') return;
  let dir;
  try {
    const fromCore = createRequire(join(root, 'packages', 'tensor-core', 'package.json'));
    dir = dirname(fromCore.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return; // not installed (e.g. a filtered install): nothing to do
  }
  const lib = join(dir, 'lib');
  const built =
    existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  if (built) return;
  const res = spawnSync(process.execPath, ['scripts/install.js'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, npm_config_loglevel: 'silent' },
  });
  if (res.status === 0) {
    say('native TensorFlow backend installed (initBackend prefers it)');
    return;
  }
  const text = `${res.stdout ?? ''}\n${res.stderr ?? ''}`;
  const cause =
    /(getaddrinfo \S+ [\w.-]+|ECONNREFUSED [\w.:-]+|ETIMEDOUT|ECONNRESET|certificate[^\n]*|404[^\n]*)/.exec(
      text,
    )?.[1] ?? (res.error ? res.error.message : `install script exited with ${res.status ?? res.signal}`);
  say(
    `libtensorflow could not be installed (${cause.trim()}); the native backend is off and initBackend uses wasm. ` +
      'Behind a proxy or mirror see README "Native backends".',
  );
}

try {
  main();
} catch (err) {
  say(`install skipped (${err instanceof Error ? err.message : String(err)})`);
}
