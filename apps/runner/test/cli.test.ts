import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { packages as registered } from '../src/registry.js';
import { configHash } from '../src/run/config-hash.js';
import type { RunManifest } from '../src/run/manifest.js';
import { fakeIo, hasLiveMetrics, tempDir } from './helpers.js';

const FAST = ['--backend', 'cpu', '--no-blas'];

function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function runDir(out: string, id: string, config: unknown, seed: number): string {
  return join(out, ...id.split('/'), configHash(config).slice(0, 8), `seed-${seed}`);
}

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

describe('bad input exits with code 2 and one line on stderr', () => {
  const cases: [string[], string][] = [
    [
      ['run', 'demo/mnist-mpl'],
      "paperkit: unknown experiment 'demo/mnist-mpl'; did you mean 'demo/mnist-mlp'? (see 'paperkit list')\n",
    ],
    [['run', 'demo'], "paperkit: 'demo' is a package, not an experiment; its experiments: demo/mnist-mlp\n"],
    [
      ['run', 'demo/mnist-mlp', '--preset', 'quik'],
      "paperkit: unknown preset 'quik' for demo/mnist-mlp; did you mean 'quick'? (presets: quick, full, tiny)\n",
    ],
    [
      ['run', 'demo/mnist-mlp', '--set', 'epoch=2'],
      "paperkit: unknown config key 'epoch' for demo/mnist-mlp; did you mean 'epochs'? (keys: hidden, activation, epochs, batchSize, lr, trainSize, testSize, evalEvery, showMistakes)\n",
    ],
    [
      ['run', 'demo/mnist-mlp', '--set', 'epochs=three'],
      'paperkit: invalid config for demo/mnist-mlp: epochs: Invalid input: expected number, received string\n',
    ],
    [
      ['run', 'demo/mnist-mlp', '--set', 'lr=-1', '--set', 'hidden=[0]'],
      'paperkit: invalid config for demo/mnist-mlp: hidden.0: Too small: expected number to be >=1; lr: Too small: expected number to be >0\n',
    ],
    [
      ['run', 'demo/mnist-mlp', '--bakend', 'cpu'],
      "paperkit: unknown flag '--bakend' for 'paperkit run'; did you mean '--backend'?\n",
    ],
    [
      ['lst'],
      "paperkit: unknown command 'lst'; did you mean 'list'? (commands: list, run, report, repro, help)\n",
    ],
  ];
  for (const [argv, line] of cases)
    it(argv.join(' '), async () => {
      const io = fakeIo(tempDir(), registered);
      expect(await main(argv, io)).toBe(2);
      expect(io.stderr.text).toBe(line);
      expect(io.stdout.text).toBe('');
    });

  it('an unwritable output directory', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'file'), 'x');
    const io = fakeIo(cwd);
    expect(await main(['run', 'fake/fast', '--out', 'file/runs', ...FAST], io)).toBe(2);
    expect(io.stderr.text).toMatch(
      /^paperkit: cannot write to output directory '.*file\/runs' \(ENOTDIR\)\n$/,
    );
  });

  it('report of a directory without runs', async () => {
    const io = fakeIo(tempDir());
    expect(await main(['report', '--out', 'nothing'], io)).toBe(2);
    expect(io.stderr.text).toMatch(/^paperkit: output directory '.*nothing' does not exist/);
  });
});

describe('list', () => {
  it('groups experiments by paper, one line each, marking headlines', async () => {
    const io = fakeIo(tempDir());
    expect(await main(['list'], io)).toBe(0);
    const lines = io.stdout.text.split('\n');
    expect(lines[0]).toBe('A Fake Paper (2024)  [@paperkit/fake]');
    expect(lines[1]).toBe('  fake/fast  * fast fake experiment');
    expect(lines[2]).toBe('  fake/fails   always throws');
    expect(lines[4]).toBe('Another Paper (2023)  [@paperkit/other]');
    expect(io.stderr.text).toBe('');
  });
});

describe('run writes complete run folders', () => {
  it('a fast experiment: config, manifest, metrics, summary, plots; nothing temporary left', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    expect(await main(['run', 'fake/fast', '--set', 'steps=7', ...FAST], io)).toBe(0);
    const config = { steps: 7, rate: 0.5, tag: 'q' };
    const dir = runDir(join(cwd, 'runs'), 'fake/fast', config, 0);
    expect(readJson(join(dir, 'config.json'))).toEqual(config);
    const m = readJson<RunManifest>(join(dir, 'manifest.json'));
    expect(m).toMatchObject({
      schemaVersion: 1,
      experiment: 'fake/fast',
      package: '@paperkit/fake@unknown',
      configHash: configHash(config),
      seed: 0,
      preset: 'quick',
      overrides: { steps: 7 },
      backend: 'cpu',
      status: 'completed',
      error: null,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
    });
    expect(m.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.tfjsVersion).toMatch(/^4\./);
    expect(m.wallMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(m.endedAt!)).toBeGreaterThanOrEqual(Date.parse(m.startedAt));
    expect(m.finalMemory).toMatchObject({ numTensors: expect.any(Number) });
    expect(m.gitSha === null || /^[0-9a-f]{40}$/.test(m.gitSha)).toBe(true);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(metrics[0].loss).toBeCloseTo(Math.exp(-0.5), 12);
    expect(metrics[0].wallMs).toEqual(expect.any(Number));
    const summary = readJson<{ summary: Record<string, unknown>; plots: { svg: string; png: string }[] }>(
      join(dir, 'summary.json'),
    );
    expect(summary.summary.finalLoss).toBeCloseTo(Math.exp(-3.5), 12);
    expect(summary.plots.map((p) => p.svg)).toEqual(['plots/loss.svg', 'plots/bars.svg']);
    for (const f of ['loss.svg', 'loss.png', 'bars.svg', 'bars.png'])
      expect(existsSync(join(dir, 'plots', f))).toBe(true);
    expect(readdirSync(join(dir, '..'))).toEqual(['seed-0']);
    expect(io.stdout.text).toContain('completed fake/fast  seed 0');
    expect(io.stdout.text).toContain('final loss: ours 0.0302, paper 0.1 ✓');
  });

  it('--seeds 2 writes one folder per seed under one config hash', async () => {
    const cwd = tempDir();
    expect(await main(['run', 'fake/fast', '--seeds', '2', ...FAST], fakeIo(cwd))).toBe(0);
    const parent = join(runDir(join(cwd, 'runs'), 'fake/fast', { steps: 5, rate: 0.5, tag: 'q' }, 0), '..');
    expect(readdirSync(parent).sort()).toEqual(['seed-0', 'seed-1']);
    expect(readJson<RunManifest>(join(parent, 'seed-1', 'manifest.json')).seed).toBe(1);
  });

  it('an experiment that throws leaves a valid folder with status failed and exit code 1', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    expect(await main(['run', 'fake/fails', ...FAST], io)).toBe(1);
    const dir = runDir(join(cwd, 'runs'), 'fake/fails', { at: 1 }, 0);
    const m = readJson<RunManifest>(join(dir, 'manifest.json'));
    expect(m.status).toBe('failed');
    expect(m.error).toBe('diverged at step 1 | second line');
    expect(m.endedAt).not.toBeNull();
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toMatch(
      /^\{"step":0,"loss":1,"wallMs":\d+\}\n$/,
    );
    expect(io.stdout.text).toContain('failed    fake/fails  seed 0');
  });

  it('Ctrl-C aborts the run: status aborted, valid folder, exit code 130; later seeds are skipped', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    const p = main(['run', 'fake/slow', '--seeds', '3', ...FAST], io);
    const parent = join(runDir(join(cwd, 'runs'), 'fake/slow', { maxIterations: 2000 }, 0), '..');
    // Wait until the first run has written a metric, then press Ctrl-C.
    for (let i = 0; i < 500 && !hasLiveMetrics(join(parent, '..')); i++)
      await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGINT');
    expect(await p).toBe(130);
    expect(readdirSync(parent)).toEqual(['seed-0']);
    const m = readJson<RunManifest>(join(parent, 'seed-0', 'manifest.json'));
    expect(m.status).toBe('aborted');
    expect(m.error).toMatch(/^aborted by the user/);
    expect(readFileSync(join(parent, 'seed-0', 'metrics.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(
      1,
    );
    expect(io.stderr.text).toContain('stopping after the current step');
  });

  it('a second Ctrl-C finalises the live folder as aborted and exits at once', async () => {
    const cwd = tempDir();
    const exits: number[] = [];
    const io = { ...fakeIo(cwd), exit: (code: number) => exits.push(code) };
    const p = main(['run', 'fake/slow', ...FAST], io);
    const parent = join(runDir(join(cwd, 'runs'), 'fake/slow', { maxIterations: 2000 }, 0), '..');
    for (
      let i = 0;
      i < 500 && !(existsSync(parent) && readdirSync(parent).some((n) => n.includes('.tmp-')));
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(exits).toEqual([130]);
    const m = readJson<RunManifest>(join(parent, 'seed-0', 'manifest.json'));
    expect(m.status).toBe('aborted');
    expect(m.error).toBe('aborted by the user (second Ctrl-C: hard exit)');
    await p;
  });
});

describe('where runs execute', () => {
  it('--in-process runs on the main thread (the debugging fallback)', async () => {
    const cwd = tempDir();
    const io = { ...fakeIo(cwd), inProcess: false };
    expect(await main(['run', 'fake/fast', '--in-process', ...FAST], io)).toBe(0);
    expect(io.stdout.text).toContain('completed fake/fast  seed 0');
  });

  it('without a compiled worker (here: from source) the run fails with one line saying what to do', async () => {
    const cwd = tempDir();
    const io = { ...fakeIo(cwd), inProcess: false };
    expect(await main(['run', 'fake/fast', ...FAST], io)).toBe(1);
    expect(io.stderr.text).toMatch(
      /^paperkit: the run worker .*\/src\/run\/worker\.js does not exist \(build the runner first, or pass --in-process\)\n$/,
    );
    expect(existsSync(join(cwd, 'runs', 'fake'))).toBe(false);
  });
});

describe('repro', () => {
  it('runs every headline at its quick preset and writes the report', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    expect(await main(['repro', ...FAST], io)).toBe(0);
    expect(io.stderr.text).toContain('@paperkit/other has no headline experiment; skipped');
    expect(existsSync(join(cwd, 'runs', 'report.html'))).toBe(true);
    expect(existsSync(join(cwd, 'runs', 'fake', 'fails'))).toBe(false);
    expect(io.stdout.text).toMatch(/report of 1 run \(1 experiment\):\n.*report\.html\n.*report\.md\n$/);
  });
});
