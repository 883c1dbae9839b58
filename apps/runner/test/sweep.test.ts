import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { childEnv } from '../src/sweep/local.js';
import { packages } from './fixtures/worker-registry.mjs';
import { type Capture, fakeIo, tempDir } from './helpers.js';

// Sweeps fork the built CLI (dist/cli.js) for their worker processes; CI builds before it tests.
const CLI = new URL('../dist/cli.js', import.meta.url);
const REGISTRY = fileURLToPath(new URL('./fixtures/worker-registry.mjs', import.meta.url));
const built = existsSync(CLI);
const FAST = ['--backend', 'cpu', '--no-blas'];

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

function sweepIo(cwd: string) {
  return { ...fakeIo(cwd, packages), inProcess: false, cliUrl: CLI, childExecArgv: [] as string[] };
}

/** Every seed folder under `out`: `<id>/<hash8>/<backend>/seed-<n>` → metrics.jsonl text. */
function seedFolders(out: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string, rel: string[]) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      if (/^seed-\d+$/.test(d.name))
        found.set([...rel, d.name].join('/'), readFileSync(join(dir, d.name, 'metrics.jsonl'), 'utf8'));
      else walk(join(dir, d.name), [...rel, d.name]);
    }
  };
  walk(out, []);
  return found;
}

function hidden(out: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true }))
      if (d.isDirectory()) {
        if (d.name.startsWith('.')) found.push(join(dir, d.name));
        else walk(join(dir, d.name));
      }
  };
  walk(out);
  return found;
}

describe('sweep: bad input before any job runs', () => {
  it('an unknown grid key, a value the schema rejects, an unreachable Redis: one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['sweep', 'wfake/count', '--grid', 'm=1,2'],
        /^paperkit: --grid key 'm' is not a config key of wfake\/count; did you mean 'n'\? \(keys: n\)\n$/,
      ],
      [
        ['sweep', 'wfake/count', '--grid', 'n=2,-1'],
        /^paperkit: invalid config for wfake\/count: n: Too small/,
      ],
      [
        ['sweep', 'wfake/count', '--grid', 'n=[1,2'],
        /^paperkit: --grid value '\[1,2' has unbalanced brackets/,
      ],
      [
        ['sweep', 'wfake/count', '--queue', 'redis://127.0.0.1:1/0'],
        /^paperkit: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0 \(/,
      ],
      [
        ['sweep', 'wfake/count', '--queue', 'http://x'],
        /^paperkit: --queue must be a redis:\/\/ or rediss:\/\/ URL/,
      ],
    ];
    for (const [argv, line] of cases) {
      const io = sweepIo(tempDir());
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.text).toMatch(line);
    }
  });
});

describe.skipIf(!built)('local sweep (worker processes of the built CLI)', () => {
  it('2 experiments × 2 seeds on 2 workers: the same run folders as four `paperkit run`s; a rerun does no work', async () => {
    const cwd = tempDir();
    const io = sweepIo(cwd);
    const code = await main(
      [
        'sweep',
        'wfake/count',
        'wfake/fast',
        '--seeds',
        '2',
        '--workers',
        '2',
        '--registry',
        REGISTRY,
        ...FAST,
      ],
      io,
    );
    expect(code, io.stderr.text).toBe(0);
    expect(io.stdout.text).toMatch(/^sweep: 4 completed, 0 reused, 0 failed, 0 aborted of 4 in /);
    const swept = seedFolders(join(cwd, 'runs'));
    const direct = tempDir();
    for (const id of ['wfake/count', 'wfake/fast'])
      for (const seed of ['0', '1'])
        expect(await main(['run', id, '--seed', seed, ...FAST], { ...fakeIo(direct, packages) })).toBe(0);
    const ran = seedFolders(join(direct, 'runs'));
    expect([...swept.keys()].sort()).toEqual([...ran.keys()].sort());
    for (const [k, v] of ran) expect(swept.get(k), k).toBe(v);
    const again = sweepIo(cwd);
    expect(
      await main(
        [
          'sweep',
          'wfake/count',
          'wfake/fast',
          '--seeds',
          '2',
          '--workers',
          '2',
          '--registry',
          REGISTRY,
          ...FAST,
        ],
        again,
      ),
    ).toBe(0);
    expect(again.stdout.text).toMatch(/^sweep: 0 completed, 4 reused, 0 failed, 0 aborted of 4/);
  });

  it('Ctrl-C mid-sweep leaves valid folders; the rerun completes exactly the missing jobs', async () => {
    const cwd = tempDir();
    const io = sweepIo(cwd);
    const argv = [
      'sweep',
      'wfake/nap',
      '--grid',
      'ms=400,401,402,403,404,405',
      '--seeds',
      '1',
      '--workers',
      '2',
      '--registry',
      REGISTRY,
      ...FAST,
    ];
    const p = main(argv, io);
    for (let i = 0; i < 3000 && !/\[sweep\] 2\/6/.test(io.stderr.text); i++)
      await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGINT');
    expect(await p).toBe(130);
    const first = /sweep: (\d+) completed/.exec(io.stdout.text)!;
    const done = Number(first[1]);
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(6);
    const again = sweepIo(cwd);
    expect(await main(argv, again)).toBe(0);
    expect(again.stdout.text).toMatch(
      new RegExp(`^sweep: ${6 - done} completed, ${done} reused, 0 failed, 0 aborted of 6`),
    );
  });
});

describe.skipIf(!built)('repro on worker processes', () => {
  it('--workers 2 runs the headlines on the pool: the same run folders as --workers 1, then the report', async () => {
    const pooled = tempDir();
    const io = sweepIo(pooled);
    const argv = ['repro', '--seeds', '2', '--registry', REGISTRY, ...FAST];
    expect(await main([...argv, '--workers', '2'], io), io.stderr.text).toBe(0);
    expect(io.stderr.text).toContain('on 2 local worker process(es)');
    expect(io.stdout.text).toMatch(/^sweep: 2 completed, 0 reused, 0 failed, 0 aborted of 2 in /);
    // The claims are printed once, from the report's aggregation, before the report's paths.
    expect(io.stdout.text.match(/ {2}wfake\/fast: \d+ claim\(s\) over 2 seeds/g)).toHaveLength(1);
    expect(io.stdout.text).toMatch(/claim\(s\) over 2 seeds[\s\S]*report of 2 runs/);
    expect(existsSync(join(pooled, 'runs', 'report.html'))).toBe(true);
    // Groups were aggregated as their last seed ended: a fresh report from the folders alone agrees.
    const csv = readFileSync(join(pooled, 'runs', 'results.csv'), 'utf8');
    const md = readFileSync(join(pooled, 'runs', 'report.md'), 'utf8').replace(
      /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g,
      'T',
    );
    expect(csv.split('\n').length).toBeGreaterThan(2);
    const again = sweepIo(pooled);
    expect(await main(['report', '--registry', REGISTRY], again), again.stderr.text).toBe(0);
    expect(readFileSync(join(pooled, 'runs', 'results.csv'), 'utf8')).toBe(csv);
    expect(
      readFileSync(join(pooled, 'runs', 'report.md'), 'utf8').replace(
        /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g,
        'T',
      ),
    ).toBe(md);
    const serial = tempDir();
    const one = fakeIo(serial, packages);
    expect(await main(['repro', '--seeds', '2', '--workers', '1', ...FAST], one), one.stderr.text).toBe(0);
    expect(one.stderr.text).not.toContain('worker process');
    expect(one.stdout.text).toMatch(/^completed wfake\/fast {2}seed 0 /);
    const a = seedFolders(join(pooled, 'runs'));
    const b = seedFolders(join(serial, 'runs'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBe(2);
    for (const [k, v] of b) expect(a.get(k), k).toBe(v);
  });
});

describe('childEnv', () => {
  it("gives each pool child its share of the cores as OpenBLAS threads, and keeps the user's setting", () => {
    const cores = cpus().length;
    expect(childEnv(1, {}).OPENBLAS_NUM_THREADS).toBe(String(cores));
    expect(childEnv(cores, {}).OPENBLAS_NUM_THREADS).toBe('1');
    expect(childEnv(4 * cores, {}).OPENBLAS_NUM_THREADS).toBe('1');
    expect(childEnv(2, { OPENBLAS_NUM_THREADS: '3', X: 'y' })).toEqual({ OPENBLAS_NUM_THREADS: '3', X: 'y' });
  });
});

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const redisBin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
});

function startWorker(url: string, log: Capture): ChildProcess {
  const w = spawn(
    process.execPath,
    [fileURLToPath(CLI), 'worker', '--queue', url, '--registry', REGISTRY, '--lock-ms', '2000', ...FAST],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  w.stderr!.on('data', (d: Buffer) => log.write(String(d)));
  procs.push(w);
  return w;
}

describe.skipIf(!built || !redisBin)('distributed sweep on a real Redis (loopback, no persistence)', () => {
  it('two workers, one SIGKILLed mid-job: every job done exactly once; a throwing job lands in the dead-letter list', async () => {
    const port = await freePort();
    const redis = spawn(
      redisBin!,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        'pw',
      ],
      { stdio: 'ignore' },
    );
    procs.push(redis);
    const url = `redis://:pw@127.0.0.1:${port}/0`;
    for (let i = 0; i < 100; i++) {
      const io = sweepIo(tempDir());
      // A wrong password is refused in one line before any job.
      if (
        (await main(
          ['sweep', 'wfake/count', '--queue', `redis://:nope@127.0.0.1:${port}/0`, '--registry', REGISTRY],
          io,
        )) === 2 &&
        /refused the password/.test(io.stderr.text)
      )
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const logA = fakeIo(tempDir()).stderr;
    const logB = fakeIo(tempDir()).stderr;
    const a = startWorker(url, logA);
    startWorker(url, logB);
    for (let i = 0; i < 6000 && !(/ready on/.test(logA.text) && /ready on/.test(logB.text)); i++)
      await new Promise((r) => setTimeout(r, 10));
    const cwd = tempDir();
    const io = sweepIo(cwd);
    const sweep = main(
      ['sweep', 'wfake/nap', '--seeds', '3', '--queue', url, '--registry', REGISTRY, ...FAST],
      io,
    );
    // Both workers take a 1.5 s job at once; kill A while it holds one.
    await new Promise((r) => setTimeout(r, 800));
    a.kill('SIGKILL');
    const code = await sweep;
    expect(code, io.stderr.text + io.stdout.text).toBe(0);
    expect(io.stdout.text).toMatch(/^sweep: 3 completed, 0 reused, 0 failed, 0 aborted of 3/);
    const folders = seedFolders(join(cwd, 'runs'));
    expect([...folders.keys()].map((k) => k.split('/').at(-1)).sort()).toEqual([
      'seed-0',
      'seed-1',
      'seed-2',
    ]);
    expect(hidden(join(cwd, 'runs'))).toEqual([]);
    // Worker B finished the killed worker's job too.
    expect(logB.text.match(/completed on/g)!.length).toBeGreaterThanOrEqual(2);
    // A throwing job is retried, then lands in the dead-letter list with its error.
    const failing = sweepIo(cwd);
    expect(
      await main(
        [
          'sweep',
          'wfake/fails',
          '--seed',
          '0',
          '--queue',
          url,
          '--attempts',
          '2',
          '--registry',
          REGISTRY,
          ...FAST,
        ],
        failing,
      ),
    ).toBe(1);
    expect(failing.stdout.text).toMatch(/^sweep: 0 completed, 0 reused, 1 failed, 0 aborted of 1/);
    expect(failing.stdout.text).toMatch(
      /dead-letter list \(1\):\n {2}wfake\/fails\|[0-9a-f]{16}\|0 after 2 attempt\(s\): RangeError: broken at step 2/,
    );
    // A rerun of the completed sweep does no work.
    const again = sweepIo(cwd);
    expect(
      await main(
        ['sweep', 'wfake/nap', '--seeds', '3', '--queue', url, '--registry', REGISTRY, ...FAST],
        again,
      ),
    ).toBe(0);
    expect(again.stdout.text).toMatch(/^sweep: 0 completed, 3 reused/);
  }, 120_000);
});
