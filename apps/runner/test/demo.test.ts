import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { packages } from '../src/registry.js';
import type { GroupSummary } from '../src/results/group.js';
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

function records(jsonl: string): Record<string, unknown>[] {
  return jsonl
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
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
      const group = join(only(join(cwd, 'runs', 'demo', 'mnist-mlp')), 'wasm');
      const dir = join(group, 'seed-7');
      folders.push(dir);
      if (run === 1) break;
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
      expect(m).toMatchObject({
        status: 'completed',
        backend: 'wasm',
        warnings: [],
        package: `@paperkit/cli@${(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version}`,
      });
      const s = JSON.parse(readFileSync(join(group, 'summary.json'), 'utf8')) as GroupSummary;
      const acc = s.statistics.find((x) => x.metric === 'testAccuracy')!;
      // 10 Adam steps on 500 digits: far above the 0.1 of guessing, far below the quick preset's 0.9.
      expect(acc.mean).toBeGreaterThan(0.3);
      // One seed: the verdict says so instead of passing or failing.
      expect(s.claims[0]!.verdict.status).toBe('inconclusive');
      expect(s.plots.map((p) => `${p.spec.kind}:${p.spec.id}`)).toEqual([
        'line:loss',
        'line:test-accuracy',
        'heatmap:confusion',
        'images:misclassified',
      ]);
      expect(readdirSync(join(group, 'plots')).sort()).toEqual(
        ['confusion', 'loss', 'misclassified', 'test-accuracy'].flatMap((p) => [`${p}.png`, `${p}.svg`]),
      );
    }
    const [a, b] = folders.map((d) => records(readFileSync(join(d!, 'metrics.jsonl'), 'utf8')));
    expect(a!.filter((r) => 'testAccuracy' in r).map((r) => r.step)).toEqual([5, 10]);
    // Same seed, same backend: the same numbers, record for record.
    expect(b).toEqual(a);
  });
});
