import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { packages } from '../src/registry.js';
import type { SummaryFile } from '../src/run/execute.js';
import type { RunManifest } from '../src/run/manifest.js';
import { fakeIo, tempDir } from './helpers.js';

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

function only(dir: string): string {
  const [name] = readdirSync(dir);
  return join(dir, name!);
}

function stripWall(jsonl: string): unknown[] {
  return jsonl
    .trim()
    .split('\n')
    .map((l) => {
      const { wallMs: _, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

describe('demo/mnist-mlp (tiny preset smoke run; the quick preset is measured by hand, see README)', () => {
  it('trains above chance, writes all four plots, leaks nothing and replays identically', async () => {
    const folders: string[] = [];
    for (const run of [0, 1]) {
      const cwd = tempDir();
      const io = fakeIo(cwd, packages);
      expect(
        await main(
          ['run', 'demo/mnist-mlp', '--preset', 'tiny', '--seed', '7', '--backend', 'wasm', '--no-blas'],
          io,
        ),
      ).toBe(0);
      const dir = join(only(join(cwd, 'runs', 'demo', 'mnist-mlp')), 'seed-7');
      folders.push(dir);
      if (run === 1) break;
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
      expect(m).toMatchObject({
        status: 'completed',
        backend: 'wasm',
        warnings: [],
        package: '@paperkit/runner@0.1.0',
      });
      const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as SummaryFile;
      // 10 Adam steps on 500 digits: far above the 0.1 of guessing, far below the quick preset's 0.9.
      expect(s.summary.testAccuracy).toBeGreaterThan(0.3);
      expect(s.summary.steps).toBe(10);
      expect(s.comparisons[0]).toMatchObject({
        paper: 0.9,
        holds: (s.summary.testAccuracy as number) >= 0.9,
      });
      expect(s.plots.map((p) => `${p.kind}:${p.id}`)).toEqual([
        'line:loss',
        'line:test-accuracy',
        'heatmap:confusion',
        'images:misclassified',
      ]);
      expect(readdirSync(join(dir, 'plots')).sort()).toEqual(
        ['confusion', 'loss', 'misclassified', 'test-accuracy'].flatMap((p) => [`${p}.png`, `${p}.svg`]),
      );
    }
    const [a, b] = folders.map((d) => stripWall(readFileSync(join(d!, 'metrics.jsonl'), 'utf8')));
    expect(
      a!.filter((r) => 'testAccuracy' in (r as object)).map((r) => (r as { step: number }).step),
    ).toEqual([5, 10]);
    expect(b).toEqual(a);
  });
});
