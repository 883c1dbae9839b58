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

/** metrics.jsonl records. */
function metrics(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The only group folder of `id` (one config, one backend). */
function onlyRun(out: string, id: string): string {
  const root = join(out, ...id.split('/'));
  const [hash] = readdirSync(root);
  const [backend] = readdirSync(join(root, hash!));
  return join(root, hash!, backend!);
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
    const { done } = cli([
      'run',
      'demo/mnist-mlp',
      '--preset',
      'tiny',
      '--seed',
      '0',
      '--backend',
      'wasm',
      '--out',
      out,
    ]);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const dir = join(onlyRun(out, 'demo/mnist-mlp'), 'seed-0');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(m).toMatchObject({ status: 'completed', backend: expected, warnings: [] });
    expect(m.finalMemory?.numTensors).toBe(0);
    // Moving the run into a worker changes no number: the same run in-process writes the same metrics.
    const local = tempDir();
    const io = fakeIo(local, packages);
    expect(
      await main(['run', 'demo/mnist-mlp', '--preset', 'tiny', '--seed', '0', '--backend', 'wasm'], io),
    ).toBe(0);
    const here = join(onlyRun(join(local, 'runs'), 'demo/mnist-mlp'), 'seed-0');
    expect(metrics(dir).map((r) => r.step)).toEqual([5, 10, 10]);
    expect(metrics(dir)).toEqual(metrics(here));
    const untimed = (d: string): unknown => {
      const [cell] = readdirSync(join(d, 'cells'));
      const c = JSON.parse(readFileSync(join(d, 'cells', cell!), 'utf8')) as {
        result: { metrics: Record<string, unknown> };
      };
      const { trainSeconds: _t, ...rest } = c.result.metrics;
      return rest;
    };
    expect(untimed(dir)).toEqual(untimed(here));
    expect(r.stdout).toMatch(
      new RegExp(`^completed demo/mnist-mlp  seed 0  \\S+ s  ${expected.replace('+', '\\+')}(-\\d+t)?  `),
    );
    expect(r.stderr).toContain(`paperkit: running demo/mnist-mlp (preset tiny, seed 0) on ${expected}\n`);
  });

  it('SIGINT stops a long experiment at its next abort point: exit 130, folder aborted', async () => {
    const out = tempDir();
    // The full preset trains for minutes; tensor-core's train loop checks the shared flag every window.
    const { child, done } = cli([
      'run',
      'demo/mnist-mlp',
      '--preset',
      'full',
      '--seed',
      '0',
      '--backend',
      'wasm',
      '--no-blas',
      '--out',
      out,
    ]);
    const root = join(out, 'demo', 'mnist-mlp');
    let running = false;
    for (let i = 0; i < 6000 && !running && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 10));
      running = hasLiveMetrics(root);
    }
    expect(running).toBe(true);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    const dir = join(onlyRun(out, 'demo/mnist-mlp'), 'seed-0');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(m.status).toBe('aborted');
    // The loop's own abort point saw the shared flag; the 10 s grace did not have to terminate it.
    expect(m.error).toMatch(/^aborted by the user \(AbortError: training aborted at step \d+\)$/);
    expect(r.stdout).toMatch(/^aborted {3}demo\/mnist-mlp {2}seed 0 /);
    expect(r.stderr).toContain('paperkit: stopping after the current step');
  });
});
