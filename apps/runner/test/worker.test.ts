import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@paperkit/tensor-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../src/cli.js';
import type { RunManifest } from '../src/run/manifest.js';
import { packages } from './fixtures/worker-registry.mjs';
import { fakeIo, hasLiveMetrics, tempDir } from './helpers.js';

// The worker path needs the compiled worker entry; the tests run the rest of the runner from source.
// CI builds before it tests, so these run there; locally, build first:
// npx turbo run build --filter=@paperkit/runner...
const WORKER = new URL('../dist/run/worker.js', import.meta.url);
const REGISTRY = new URL('./fixtures/worker-registry.mjs', import.meta.url).href;
const built = existsSync(WORKER);
if (!built)
  console.warn(`worker tests skipped: ${fileURLToPath(WORKER)} is missing (build @paperkit/runner first)`);

const FAST = ['--backend', 'cpu', '--no-blas'];

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

function workerIo(cwd: string, extra: Partial<CliIo> = {}): ReturnType<typeof fakeIo> {
  return {
    ...fakeIo(cwd, packages),
    inProcess: false,
    workerUrl: WORKER,
    workerRegistry: REGISTRY,
    // Without vitest's `--conditions @paperkit/source` the worker resolves the compiled packages.
    workerExecArgv: [],
    ...extra,
  } as ReturnType<typeof fakeIo>;
}

/** The group folder of `id` (one config, backend cpu). */
function experimentDir(cwd: string, id: string): string {
  const root = join(cwd, 'runs', ...id.split('/'));
  const [hash] = readdirSync(root);
  return join(root, hash!, 'cpu');
}

function cellFiles(dir: string): { key: string; result: { metrics: Record<string, number> } }[] {
  return readdirSync(join(dir, 'cells')).map((f) => JSON.parse(readFileSync(join(dir, 'cells', f), 'utf8')));
}

function manifest(dir: string): RunManifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
}

/** Waits until the live (temp) folder of `id` has a metrics record: the experiment is running. */
async function untilRunning(cwd: string, id: string): Promise<void> {
  const root = join(cwd, 'runs', ...id.split('/'));
  for (let i = 0; i < 3000; i++) {
    if (hasLiveMetrics(root)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${id} never started`);
}

describe.skipIf(!built)('runs in a worker thread (built dist/run/worker.js)', () => {
  it('streams logs, cells and progress from the worker, with the backend and memory', async () => {
    const cwd = tempDir();
    const io = workerIo(cwd);
    expect(await main(['run', 'wfake/fast', '--seed', '3', ...FAST], io)).toBe(0);
    const dir = join(experimentDir(cwd, 'wfake/fast'), 'seed-3');
    const m = manifest(dir);
    expect(m).toMatchObject({ status: 'completed', error: null, backend: 'cpu', seed: 3, warnings: [] });
    expect(m.tfjsVersion).toMatch(/^4\./);
    expect(m.finalMemory).toEqual({ numTensors: 0, numBytes: 0, numDataBuffers: 0 });
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { cell: string; step: number; square: number });
    expect(metrics.filter((r) => r.cell === 'k=2').map((r) => [r.step, r.square])).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => [i, 2 * i * i]),
    );
    // The cells really ran off the main thread, with the same root stream as in-process.
    const cells = cellFiles(dir);
    expect(cells.map((c) => c.result.metrics)).toEqual([
      { inWorker: 1, thread: expect.any(Number), draw: Rng.fromSeed(3).stream('draw').next() },
      { inWorker: 1, thread: expect.any(Number), draw: Rng.fromSeed(3).stream('draw').next() },
    ]);
    expect(io.stderr.text).toContain('paperkit: running wfake/fast (preset quick, seed 3) on cpu\n');
    // The phase end always reaches the display, with the latest status and the cell's label.
    expect(io.stderr.text).toContain('[wfake/fast seed 3] [2/2 2] steps: 6/6 (100%)');
    expect(io.stderr.text).toContain('square 36');
    expect(io.stdout.text).toContain('completed wfake/fast  seed 3');
  });

  it('an error in the worker: status failed with its message, exit code 1', async () => {
    const cwd = tempDir();
    expect(await main(['run', 'wfake/fails', ...FAST], workerIo(cwd))).toBe(1);
    const dir = join(experimentDir(cwd, 'wfake/fails'), 'seed-0');
    const m = manifest(dir);
    expect(m.status).toBe('failed');
    expect(m.error).toBe('RangeError: broken at step 2 | second line');
    expect(m.finalMemory).not.toBeNull();
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe('{"cell":"all","step":0,"loss":1}\n');
  });

  it('a worker that exits without a result: status failed with its exit code', async () => {
    const cwd = tempDir();
    const io = workerIo(cwd);
    expect(await main(['run', 'wfake/crash', ...FAST], io)).toBe(1);
    const m = manifest(join(experimentDir(cwd, 'wfake/crash'), 'seed-0'));
    expect(m.status).toBe('failed');
    expect(m.error).toBe("the run's worker thread exited with code 3 before reporting a result");
    expect(m.finalMemory).toBeNull();
    expect(io.stdout.text).toContain('failed    wfake/crash  seed 0');
  });

  it('one worker serves consecutive runs; a crashed one is replaced for the next run', async () => {
    const cwd = tempDir();
    const io = workerIo(cwd);
    expect(await main(['run', 'wfake/fast', 'wfake/crash', '--seeds', '2', ...FAST], io)).toBe(1);
    const thread = (seed: number) =>
      cellFiles(join(experimentDir(cwd, 'wfake/fast'), `seed-${seed}`))[0]!.result.metrics.thread;
    expect(thread(1)).toBe(thread(0));
    const crashed = experimentDir(cwd, 'wfake/crash');
    // Both crash runs ran and failed: the second in a fresh worker.
    for (const seed of [0, 1]) expect(manifest(join(crashed, `seed-${seed}`)).status).toBe('failed');
    expect(io.stdout.text.match(/^failed {4}wfake\/crash/gm)).toHaveLength(2);
  });

  it('an experiment missing from the worker registry: one line on stderr, exit 1, no folder', async () => {
    const cwd = tempDir();
    const io = workerIo(cwd, {
      workerRegistry: new URL('./fixtures/empty-registry.mjs', import.meta.url).href,
    });
    expect(await main(['run', 'wfake/fast', ...FAST], io)).toBe(1);
    expect(io.stderr.text).toMatch(
      /^paperkit: experiment 'wfake\/fast' is not in the worker's registry .*empty-registry\.mjs\n$/,
    );
    expect(existsSync(join(cwd, 'runs', 'wfake'))).toBe(false);
  });

  it('Ctrl-C reaches a synchronous loop at once through the shared flag (no event-loop turn)', async () => {
    const cwd = tempDir();
    // A grace period the loop would have to outlast if only the 'abort' message could stop it.
    const io = workerIo(cwd, { abortGraceMs: 60_000 });
    const p = main(['run', 'wfake/spin', '--seeds', '2', ...FAST], io);
    await untilRunning(cwd, 'wfake/spin');
    process.emit('SIGINT');
    expect(await p).toBe(130);
    const parent = experimentDir(cwd, 'wfake/spin');
    expect(readdirSync(parent)).toEqual(['seed-0']);
    const m = manifest(join(parent, 'seed-0'));
    expect(m.status).toBe('aborted');
    // The experiment's own throwIfAborted fired: the worker was not terminated.
    expect(m.error).toBe('aborted by the user (AbortError: run aborted)');
    expect(m.finalMemory).not.toBeNull();
    expect(io.stderr.text).toContain('stopping after the current step');
  });

  it('a run that ignores Ctrl-C is terminated after the grace period and marked aborted', async () => {
    const cwd = tempDir();
    const io = workerIo(cwd, { abortGraceMs: 300 });
    const p = main(['run', 'wfake/stubborn', ...FAST], io);
    await untilRunning(cwd, 'wfake/stubborn');
    process.emit('SIGINT');
    expect(await p).toBe(130);
    const m = manifest(join(experimentDir(cwd, 'wfake/stubborn'), 'seed-0'));
    expect(m.status).toBe('aborted');
    expect(m.error).toBe(
      'aborted by the user (it did not stop within 300 ms of Ctrl-C; its worker thread was terminated)',
    );
    expect(m.finalMemory).toBeNull();
    expect(io.stdout.text).toContain('aborted   wfake/stubborn  seed 0');
  });

  it('a second Ctrl-C terminates the worker, finalises the folder and exits at once', async () => {
    const cwd = tempDir();
    const exits: number[] = [];
    const io = workerIo(cwd, { abortGraceMs: 60_000, exit: (code: number) => exits.push(code) });
    const p = main(['run', 'wfake/stubborn', ...FAST], io);
    await untilRunning(cwd, 'wfake/stubborn');
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(exits).toEqual([130]);
    const dir = join(experimentDir(cwd, 'wfake/stubborn'), 'seed-0');
    expect(manifest(dir)).toMatchObject({
      status: 'aborted',
      error: 'aborted by the user (second Ctrl-C: hard exit)',
    });
    // Without a real exit the run still winds down: the worker is gone and the folder stays as written.
    expect(await p).toBe(130);
    expect(manifest(dir).error).toBe('aborted by the user (second Ctrl-C: hard exit)');
  });
});
