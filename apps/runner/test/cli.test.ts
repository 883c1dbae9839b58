import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { packages as registered } from '../src/registry.js';
import type { GroupSummary } from '../src/results/group.js';
import { configHash } from '../src/run/config-hash.js';
import type { RunManifest } from '../src/run/manifest.js';
import { groupFolderPath } from '../src/run/run-folder.js';
import { fakeIo, hasLiveMetrics, readJson, tempDir } from './helpers.js';

const FAST = ['--backend', 'cpu', '--no-blas'];

function group(out: string, id: string, config: unknown): string {
  return groupFolderPath(out, id, configHash(config), 'cpu');
}

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

describe('bad input exits with code 2 and one line on stderr', () => {
  const cases: [string[], string | RegExp][] = [
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
      ['run', 'demo/mnist-mlp', '--set', '__proto__={"x":1}'],
      "paperkit: --set key '__proto__' is not a config key (reserved name)\n",
    ],
    [
      ['run', 'demo/mnist-mlp', '--set', 'lr=1', '--set', 'lr=2'],
      "paperkit: --set key 'lr' is given twice\n",
    ],
    [['run', 'demo/mnist-mlp', '--out='], "paperkit: --out needs a directory; got ''\n"],
    [
      ['lst'],
      "paperkit: unknown command 'lst'; did you mean 'list'? (commands: list, run, report, repro, sweep, worker, readme, clean, help)\n",
    ],
  ];
  for (const [argv, line] of cases)
    it(argv.join(' '), async () => {
      const io = fakeIo(tempDir(), registered);
      expect(await main(argv, io)).toBe(2);
      if (typeof line === 'string') expect(io.stderr.text).toBe(line);
      else expect(io.stderr.text).toMatch(line);
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
    expect(lines[0]).toBe('A. Fake (arXiv 2024). A Fake Paper.  [@paperkit/fake]');
    expect(lines[1]).toBe('  fake/fast  * fast fake experiment');
    expect(lines[2]).toBe('  fake/fails   throws in its second cell');
    expect(io.stdout.text).toContain('B. Other (ICML 2023). Another Paper.  [@paperkit/other]');
    expect(io.stderr.text).toBe('');
  });

  it('--registry lists and runs the experiments of another module instead', async () => {
    const registry = fileURLToPath(new URL('./fixtures/worker-registry.mjs', import.meta.url));
    const io = fakeIo(tempDir());
    expect(await main(['list', '--registry', registry], io)).toBe(0);
    expect(io.stdout.text).toContain('  wfake/count ');
    expect(io.stdout.text).not.toMatch(/^ {2}fake\/fast /m);
    const out = tempDir();
    const run = fakeIo(out);
    expect(
      await main(['run', 'wfake/count', '--seed', '2', '--registry', registry, '--out', out, ...FAST], run),
    ).toBe(0);
    expect(existsSync(join(out, 'wfake', 'count'))).toBe(true);
    const bad = fakeIo(tempDir());
    expect(await main(['list', '--registry', 'nowhere.mjs'], bad)).toBe(2);
    expect(bad.stderr.text).toMatch(/^paperkit: --registry: cannot import 'nowhere\.mjs'/);
  });
});

describe('run: cells, seeds, groups and verdicts', () => {
  it('writes a seed folder per seed (cells, metrics, results) and one aggregated group', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    expect(await main(['run', 'fake/fast', '--set', 'steps=7', ...FAST], io)).toBe(0);
    const config = { steps: 7, rate: 0.5, tag: 'q' };
    const g = group(join(cwd, 'runs'), 'fake/fast', config);
    // Three seeds by default (the experiment declares none).
    expect(readdirSync(g).sort()).toEqual([
      'plots',
      'results.csv',
      'results.jsonl',
      'seed-0',
      'seed-1',
      'seed-2',
      'summary.json',
    ]);
    const dir = join(g, 'seed-1');
    expect(readJson(join(dir, 'config.json'))).toEqual(config);
    const m = readJson<RunManifest>(join(dir, 'manifest.json'));
    expect(m).toMatchObject({
      schemaVersion: 2,
      experiment: 'fake/fast',
      package: '@paperkit/fake@unknown',
      configHash: configHash(config),
      seed: 1,
      preset: 'quick',
      overrides: { steps: 7 },
      backend: 'cpu',
      backendId: 'cpu',
      blasThreads: null,
      status: 'completed',
      error: null,
      cells: { total: 2, completed: ['method=slow', 'method=fast'], reused: [] },
      resumedFrom: null,
    });
    expect(m.paper).toBe('A. Fake (arXiv 2024). A Fake Paper.');
    expect(readdirSync(join(dir, 'cells')).length).toBe(2);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(14);
    expect(metrics[0]).toEqual({ cell: 'method=slow', step: 1, loss: Math.exp(-0.5) });
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('seed,cell,method,loss,noisy');
    expect(csv[1]).toMatch(/^1,method=slow,slow,0\.0301973834223185\d*,0\.\d+$/);
    const s = readJson<GroupSummary>(join(g, 'summary.json'));
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.claims.map((c) => [c.id, c.verdict.status])).toEqual([
      ['faster', 'holds'],
      ['noisy-half', 'inconclusive'],
    ]);
    for (const f of ['loss.svg', 'loss.png', 'final.svg', 'final.png'])
      expect(existsSync(join(g, 'plots', f))).toBe(true);
    expect(readFileSync(join(g, 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(io.stdout.text).toContain('completed fake/fast  seed 0');
    expect(io.stdout.text).toContain('✓ holds         faster: the fast method ends lower');
    // The reference always carries its provenance label.
    expect(io.stdout.text).toContain('reference -0.08 [derived] closed form');
    expect(io.stdout.text).toContain('reference 0.5 [paper] Table 1');
  });

  it('a rerun reuses completed seeds; --force recomputes them; --seed adds one seed to the group', async () => {
    const cwd = tempDir();
    expect(await main(['run', 'fake/fast', '--seeds', '2', ...FAST], fakeIo(cwd))).toBe(0);
    const again = fakeIo(cwd);
    expect(await main(['run', 'fake/fast', '--seeds', '2', ...FAST], again)).toBe(0);
    expect(again.stdout.text).toMatch(
      /^reused {4}fake\/fast {2}seed 0 .*completed earlier; --force recomputes/m,
    );
    const forced = fakeIo(cwd);
    expect(await main(['run', 'fake/fast', '--seeds', '2', '--force', ...FAST], forced)).toBe(0);
    expect(forced.stdout.text).toContain('completed fake/fast  seed 1');
    const more = fakeIo(cwd);
    expect(await main(['run', 'fake/fast', '--seed', '5', ...FAST], more)).toBe(0);
    expect(more.stdout.text).toContain('over 3 seeds (0, 1, 5)');
  });

  it('a cell that throws: status failed, completed cells kept; the rerun reuses them and runs the rest', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    expect(await main(['run', 'fake/fails', '--seed', '0', ...FAST], io)).toBe(1);
    const dir = join(group(join(cwd, 'runs'), 'fake/fails', { failAt: 2 }), 'seed-0');
    const m = readJson<RunManifest>(join(dir, 'manifest.json'));
    expect(m.status).toBe('failed');
    expect(m.error).toBe('diverged at cell 2 | second line');
    expect(m.cells.completed).toEqual(['k=1']);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(
      '{"cell":"k=1","step":0,"k":1}\n{"cell":"k=2","step":0,"k":2}\n',
    );
    expect(io.stdout.text).toContain('failed    fake/fails  seed 0');
    // Same config: the failure is deterministic, but cell k=1 is reused, not recomputed.
    const again = fakeIo(cwd);
    expect(await main(['run', 'fake/fails', '--seed', '0', ...FAST], again)).toBe(1);
    const m2 = readJson<RunManifest>(join(dir, 'manifest.json'));
    expect(m2.cells.reused).toEqual(['k=1']);
    expect(m2.resumedFrom).toBe(m.runId);
    expect(again.stderr.text).toContain('reusing 1 completed cell(s)');
  });

  it('a non-finite metric fails its claim with the reason, never a pass', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    expect(await main(['run', 'fake/nan', ...FAST], io)).toBe(0);
    expect(io.stdout.text).toContain('✗ fails         small: the loss ends small');
    expect(io.stdout.text).toContain('non-finite value (NaN) at seed 0');
    const s = readJson<GroupSummary>(
      join(group(join(cwd, 'runs'), 'fake/nan', { lr: 1e20 }), 'summary.json'),
    );
    expect(s.statistics[0]!.values).toEqual(['NaN', 'NaN', 'NaN']);
  });

  it('Ctrl-C aborts the run: status aborted, valid folder, exit code 130; later seeds are skipped', async () => {
    const cwd = tempDir();
    const io = fakeIo(cwd);
    const p = main(['run', 'fake/slow', '--seeds', '3', ...FAST], io);
    const g = group(join(cwd, 'runs'), 'fake/slow', { maxIterations: 2000 });
    for (let i = 0; i < 500 && !hasLiveMetrics(join(cwd, 'runs')); i++)
      await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGINT');
    expect(await p).toBe(130);
    expect(readdirSync(g)).toEqual(['seed-0']);
    const m = readJson<RunManifest>(join(g, 'seed-0', 'manifest.json'));
    expect(m.status).toBe('aborted');
    expect(m.error).toMatch(/^aborted by the user/);
    expect(readFileSync(join(g, 'seed-0', 'metrics.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(1);
    expect(io.stderr.text).toContain('stopping after the current step');
  });

  it('a second Ctrl-C finalises the live folder as aborted and exits at once', async () => {
    const cwd = tempDir();
    const exits: number[] = [];
    const io = { ...fakeIo(cwd), exit: (code: number) => exits.push(code) };
    const p = main(['run', 'fake/slow', ...FAST], io);
    const g = group(join(cwd, 'runs'), 'fake/slow', { maxIterations: 2000 });
    for (let i = 0; i < 500 && !(existsSync(g) && readdirSync(g).some((n) => n.includes('.tmp-'))); i++)
      await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(exits).toEqual([130]);
    const m = readJson<RunManifest>(join(g, 'seed-0', 'manifest.json'));
    expect(m.status).toBe('aborted');
    expect(m.error).toBe('aborted by the user (second Ctrl-C: hard exit)');
    await p;
  });
});

describe('where runs execute', () => {
  it('--in-process runs on the main thread (the debugging fallback)', async () => {
    const cwd = tempDir();
    const io = { ...fakeIo(cwd), inProcess: false };
    expect(await main(['run', 'fake/fast', '--seeds', '1', '--in-process', ...FAST], io)).toBe(0);
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
    expect(io.stdout.text).toMatch(
      /report of 3 runs \(1 experiment\):\n.*report\.html\n.*report\.md\n.*results\.csv\n$/,
    );
  });
});
