import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../src/run/manifest.js';
import { RunFolder, runFolderPath } from '../src/run/run-folder.js';
import { tempDir } from './helpers.js';

const BASE: Omit<RunManifest, 'runId'> = {
  schemaVersion: 2,
  experiment: 'x/y',
  title: 't',
  paper: 'p',
  package: '@paperkit/x@0.1.0',
  configHash: 'abcdef0123456789'.repeat(4),
  seed: 0,
  preset: 'quick',
  overrides: {},
  backend: 'cpu',
  blasThreads: null,
  backendId: 'cpu',
  tfjsVersion: '4.22.0',
  node: process.version,
  platform: process.platform,
  arch: process.arch,
  gitSha: null,
  gitDirty: null,
  startedAt: new Date().toISOString(),
  endedAt: null,
  wallMs: null,
  finalMemory: null,
  status: 'running',
  error: null,
  warnings: [],
  cells: { total: 1, completed: [], reused: [] },
  resumedFrom: null,
};

function manifestAt(dir: string): RunManifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
}

describe('RunFolder', () => {
  it('keeps a valid running manifest in a hidden temp dir until commit, then renames it into place', () => {
    const out = tempDir();
    const target = runFolderPath(out, 'x/y', BASE.configHash, 'cpu', 0);
    const f = RunFolder.create(target, { a: 1 }, BASE);
    expect(existsSync(target)).toBe(false);
    expect(f.temp.startsWith(join(target, '..', '.seed-0.tmp-'))).toBe(true);
    expect(manifestAt(f.temp)).toMatchObject({ status: 'running', runId: f.runId });
    f.appendMetric({ step: 1, loss: 0.5 });
    f.finalize('completed', null);
    f.finalize('failed', 'ignored: only the first finalize counts');
    expect(f.commit()).toBe(target);
    expect(readdirSync(join(target, '..'))).toEqual(['seed-0']);
    const m = manifestAt(target);
    expect(m.status).toBe('completed');
    expect(m.error).toBeNull();
    expect(m.wallMs).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(target, 'metrics.jsonl'), 'utf8')).toBe('{"step":1,"loss":0.5}\n');
    // Non-finite numbers are kept as strings, never null.
    expect(JSON.parse(readFileSync(join(target, 'config.json'), 'utf8'))).toEqual({ a: 1 });
  });

  it('a completed run replaces an older one; a failed attempt never replaces a completed run', () => {
    const out = tempDir();
    const target = runFolderPath(out, 'x/y', BASE.configHash, 'cpu', 0);
    const first = RunFolder.create(target, {}, BASE);
    first.finalize('completed', null);
    first.commit();
    const second = RunFolder.create(target, {}, BASE);
    second.finalize('completed', null);
    expect(second.commit()).toBe(target);
    expect(manifestAt(target).runId).toBe(second.runId);
    const third = RunFolder.create(target, {}, BASE);
    third.finalize('aborted', 'aborted by the user');
    const side = third.commit();
    expect(side).toBe(`${target}.aborted-${third.runId.slice(0, 8)}`);
    expect(manifestAt(target).runId).toBe(second.runId);
    expect(manifestAt(side)).toMatchObject({ status: 'aborted', error: 'aborted by the user' });
    expect(readdirSync(join(target, '..')).sort()).toEqual([
      'seed-0',
      `seed-0.aborted-${third.runId.slice(0, 8)}`,
    ]);
  });

  it('a failed attempt replaces an earlier failed one', () => {
    const out = tempDir();
    const target = runFolderPath(out, 'x/y', BASE.configHash, 'cpu', 0);
    const a = RunFolder.create(target, {}, BASE);
    a.finalize('failed', 'boom');
    a.commit();
    const b = RunFolder.create(target, {}, BASE);
    b.finalize('failed', 'boom again');
    expect(b.commit()).toBe(target);
    expect(manifestAt(target).error).toBe('boom again');
  });
});

describe('mkdirp', () => {
  it('creates nested directories, accepts existing ones, and reports a file in the way', async () => {
    const { mkdirp } = await import('../src/run/mkdirp.js');
    const { statSync, writeFileSync } = await import('node:fs');
    const root = tempDir();
    mkdirp(join(root, 'a', 'b', 'c'));
    mkdirp(join(root, 'a', 'b', 'c'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    writeFileSync(join(root, 'f'), '');
    expect(() => mkdirp(join(root, 'f', 'x'))).toThrow(/ENOTDIR/);
  });
});
