import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, load } from '../src/index.js';

const loaded = load();
const absent = loaded.failure === 'absent';
if (absent) console.warn(`[tensor-native] skipping the fuzz test: ${loaded.reason}`);
const driver = join(dirname(fileURLToPath(import.meta.url)), 'fuzz', 'fuzz-addon.mjs');

interface Summary {
  calls: number;
  stats: Record<string, { calls: number; returned: number; TypeError: number; RangeError: number }>;
  unexpected: string[];
  mismatches: number;
  guardViolations: number;
}

/** Runs the driver in a child process: a memory error kills the child, never the test runner. */
function fuzz(
  calls: number,
  seed: number,
): { status: number | null; signal: string | null; summary: Summary | null; stderr: string } {
  const run = spawnSync(
    process.execPath,
    [driver, '--addon', DEFAULT_ADDON_PATH, '--calls', String(calls), '--seed', String(seed)],
    {
      encoding: 'utf8',
      timeout: 240_000,
      maxBuffer: 1 << 24,
    },
  );
  const line = run.stdout.trim().split('\n').pop() ?? '';
  let summary: Summary | null = null;
  try {
    summary = JSON.parse(line) as Summary;
  } catch {
    summary = null;
  }
  return { status: run.status, signal: run.signal, summary, stderr: run.stderr };
}

describe.skipIf(absent)('addon fuzz (child process)', () => {
  it('10^5 random and adversarial calls of every entry point: each returns or throws a TypeError/RangeError, never a signal', () => {
    const { status, signal, summary, stderr } = fuzz(100_000, 20261206);
    expect(signal, stderr).toBeNull();
    expect(summary, stderr).not.toBeNull();
    const s = summary!;
    expect(s.unexpected).toEqual([]);
    expect(s.guardViolations).toBe(0); // nothing written outside any view
    expect(s.mismatches).toBe(0); // valid calls agree with the float64 reference
    expect(status).toBe(0);
    expect(s.calls).toBeGreaterThanOrEqual(100_000);
    // Every entry point was exercised both ways: some calls succeed, the adversarial ones throw.
    const entryPoints = Object.keys(s.stats);
    expect(entryPoints.length).toBe(20);
    for (const [name, st] of Object.entries(s.stats)) {
      expect(st.calls, name).toBeGreaterThan(4000);
      expect(st.returned, name).toBeGreaterThan(0);
      if (!['getThreads', 'numProcs', 'kernelThreads'].includes(name))
        expect(st.TypeError + st.RangeError, name).toBeGreaterThan(1000);
    }
  });
});
