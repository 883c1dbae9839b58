#!/usr/bin/env node
// Measures the two performance targets of `paperkit sweep` with the built CLI (pnpm build first):
//
//   1. Local pool: 8 short CPU-bound jobs (wfake/spin, `--ms` of busy loop each) with --workers 1
//      (one after another) and --workers 2, in the same process, alternating, `--rounds` times; prints
//      the wall times and the ratio (target on a 2-core machine: ≤ 0.6).
//   2. Queue overhead: against a loopback redis-server started here (no persistence, free port), one
//      `paperkit worker` and a coordinator; sweeps of 1 and of `--jobs` jobs that do nothing
//      (wfake/count with n = 1); overhead per job = (T(N) − T(1)) / (N − 1), i.e. enqueue → run folder
//      committed, without the fixed start-up of the coordinator (target ≤ 50 ms). Skipped without
//      redis-server.
//
// Usage: node apps/runner/scripts/sweep-perf.mjs [--ms 1500] [--rounds 2] [--jobs 30]
// Run it on an otherwise idle machine: it measures wall time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { ms: { type: 'string' }, rounds: { type: 'string' }, jobs: { type: 'string' } },
});
const spinMs = Number(values.ms ?? 1500);
const rounds = Number(values.rounds ?? 2);
const queueJobs = Number(values.jobs ?? 30);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const registry = fileURLToPath(new URL('../test/fixtures/worker-registry.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'paperkit-sweep-perf-'));

/** Runs the CLI to completion; resolves with its wall time in ms (rejects on a non-zero exit). */
function timed(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`paperkit ${args.join(' ')} exited ${code}:\n${err.slice(-2000)}`));
    });
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function localPool() {
  const job = ['wfake/spin', '--grid', `capMs=${spinMs}`, '--seeds', '8', '--registry', registry, '--force'];
  const seq = [];
  const par = [];
  for (let r = 0; r < rounds; r++) {
    seq.push(await timed(['sweep', ...job, '--workers', '1', '--out', join(scratch, `seq-${r}`)]));
    par.push(await timed(['sweep', ...job, '--workers', '2', '--out', join(scratch, `par-${r}`)]));
  }
  const best = (a) => Math.min(...a);
  console.log(
    `local pool, 8 jobs of ${spinMs} ms CPU: one after another ${fmt(best(seq))}, K = 2 ${fmt(best(par))}, ` +
      `ratio ${(best(par) / best(seq)).toFixed(3)} (target ≤ 0.6; best of ${rounds})`,
  );
}

async function queueOverhead() {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.log('queue overhead: skipped (no redis-server on PATH)');
    return;
  }
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await new Promise((r) => setTimeout(r, 500));
  const worker = spawn(
    process.execPath,
    [cli, 'worker', '--queue', url, '--registry', registry, '--concurrency', '1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    await new Promise((resolve, reject) => {
      let log = '';
      worker.stderr.on('data', (d) => {
        log += d;
        if (/ready on/.test(log)) resolve();
      });
      worker.on('exit', (c) => reject(new Error(`worker exited ${c}: ${log}`)));
    });
    // Distinct seeds for every sweep: a job key already in the queue would be reused, not run.
    let next = 0;
    const sweep = (n) => {
      const seeds = Array.from({ length: n }, () => next++).join(',');
      return timed([
        'sweep',
        'wfake/count',
        '--grid',
        'n=1',
        '--seed-list',
        seeds,
        '--queue',
        url,
        '--registry',
        registry,
        '--out',
        join(scratch, `q${next}`),
      ]);
    };
    const t1 = Math.min(await sweep(1), await sweep(1));
    const tn = Math.min(await sweep(queueJobs), await sweep(queueJobs));
    console.log(
      `queue overhead, jobs that do nothing, one worker: 1 job ${fmt(t1)}, ${queueJobs} jobs ${fmt(tn)}, ` +
        `${((tn - t1) / (queueJobs - 1)).toFixed(1)} ms per job (target ≤ 50)`,
    );
  } finally {
    worker.kill('SIGTERM');
    redis.kill('SIGTERM');
  }
}

try {
  await localPool();
  await queueOverhead();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
