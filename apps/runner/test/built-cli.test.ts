import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@paperkit/tensor-core';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { packages } from '../src/registry.js';
import type { RunManifest } from '../src/run/manifest.js';
import { fakeIo, hasLiveMetrics, tempDir } from './helpers.js';

// The real thing: the built CLI in a child process, its runs in worker threads, a real SIGINT. CI
// builds before it tests; locally, build first: npx turbo run build --filter=@paperkit/runner...
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../dist/run/worker.js', import.meta.url));
const built = existsSync(CLI) && existsSync(WORKER);
if (!built)
  console.warn(`built-CLI tests skipped: ${CLI} or ${WORKER} is missing (build @paperkit/runner first)`);

interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): { child: ChildProcess; done: Promise<Exited> } {
  const env = { ...process.env };
  // Whatever the test runner puts there (e.g. source conditions) must not reach the built CLI.
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += String(c);
  });
  child.stderr!.on('data', (c) => {
    stderr += String(c);
  });
  const done = new Promise<Exited>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** metrics.jsonl without the wall-clock field. */
function metrics(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { wallMs: _, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

function onlyRun(out: string, id: string): string {
  const root = join(out, ...id.split('/'));
  const [hash] = readdirSync(root);
  return join(root, hash!);
}

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

describe.skipIf(!built)('the built CLI runs experiments in worker threads', () => {
  it('demo/mnist-mlp (tiny): completes, and the manifest has the backend label of the worker', async () => {
    // The label the main thread would get; the worker must load the same accelerator (N-API addon).
    const expected = (await initBackend({ prefer: 'wasm' })).label;
    const out = tempDir();
    const { done } = cli(['run', 'demo/mnist-mlp', '--preset', 'tiny', '--backend', 'wasm', '--out', out]);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const dir = join(onlyRun(out, 'demo/mnist-mlp'), 'seed-0');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(m).toMatchObject({ status: 'completed', backend: expected, warnings: [] });
    expect(m.finalMemory?.numTensors).toBe(0);
    // Moving the run into a worker changes no number: the same run in-process writes the same metrics.
    const local = tempDir();
    const io = fakeIo(local, packages);
    expect(await main(['run', 'demo/mnist-mlp', '--preset', 'tiny', '--backend', 'wasm'], io)).toBe(0);
    const here = join(onlyRun(join(local, 'runs'), 'demo/mnist-mlp'), 'seed-0');
    expect(metrics(dir).map((r) => r.step)).toEqual([5, 10, 10]);
    expect(metrics(dir)).toEqual(metrics(here));
    const untimed = (d: string): unknown => {
      const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as {
        summary: Record<string, unknown>;
        comparisons: unknown;
      };
      const { stepsPerSecond: _a, trainSeconds: _b, ...summary } = s.summary;
      return { summary, comparisons: s.comparisons };
    };
    expect(untimed(dir)).toEqual(untimed(here));
    expect(r.stdout).toMatch(
      new RegExp(`^completed demo/mnist-mlp  seed 0  \\S+ s  ${expected.replace('+', '\\+')}  `),
    );
    expect(r.stderr).toContain(`paperkit: running demo/mnist-mlp (preset tiny, seed 0) on ${expected}\n`);
  });

  it('SIGINT stops a long synchronous experiment at its next check: exit 130, folder aborted', async () => {
    const out = tempDir();
    // nupi/rate-constraint runs plain Float64 loops that never yield to the event loop (~15-45 s).
    const { child, done } = cli([
      'run',
      'nupi/rate-constraint',
      '--backend',
      'cpu',
      '--no-blas',
      '--out',
      out,
    ]);
    const root = join(out, 'nupi', 'rate-constraint');
    let running = false;
    for (let i = 0; i < 6000 && !running && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 10));
      running = hasLiveMetrics(root);
    }
    expect(running).toBe(true);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    const dir = join(onlyRun(out, 'nupi/rate-constraint'), 'seed-0');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(m.status).toBe('aborted');
    // The experiment's own throwIfAborted saw the shared flag; the 10 s grace did not have to terminate it.
    expect(m.error).toBe('aborted by the user (AbortError: run aborted)');
    expect(r.stdout).toMatch(/^aborted {3}nupi\/rate-constraint {2}seed 0 /);
    expect(r.stderr).toContain('paperkit: stopping after the current step');
  });
});
