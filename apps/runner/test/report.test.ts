import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { configHash } from '../src/run/config-hash.js';
import { groupFolderPath } from '../src/run/run-folder.js';
import { FAKE_PACKAGES, fakeIo, tempDir } from './helpers.js';

const FAST = ['--backend', 'cpu', '--no-blas'];

afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

/** A runs folder with fake/fast over 3 seeds and one fake/fails failure. */
async function populated(): Promise<{ cwd: string; out: string; group: string }> {
  const cwd = tempDir();
  expect(await main(['run', 'fake/fast', ...FAST], fakeIo(cwd))).toBe(0);
  await main(['run', 'fake/fails', '--seed', '0', ...FAST], fakeIo(cwd));
  const out = join(cwd, 'runs');
  return {
    cwd,
    out,
    group: groupFolderPath(out, 'fake/fast', configHash({ steps: 5, rate: 0.5, tag: 'q' }), 'cpu'),
  };
}

async function report(cwd: string, packages = FAKE_PACKAGES) {
  const io = fakeIo(cwd, packages);
  const code = await main(['report'], io);
  return {
    code,
    io,
    html: readFileSync(join(cwd, 'runs', 'report.html'), 'utf8'),
    md: readFileSync(join(cwd, 'runs', 'report.md'), 'utf8'),
  };
}

describe('report', () => {
  it('claims with provenance and verdicts, statistics over seeds, plots inline, a merged CSV', async () => {
    const { cwd } = await populated();
    const r = await report(cwd);
    expect(r.code).toBe(0);
    expect(r.io.stdout.text).toMatch(/^report of 4 runs \(2 experiments\):\n/);
    expect(r.md).toContain('| fake/fast | 3 | cpu | 1 holds · 1 inconclusive |');
    expect(r.md).toMatch(
      /\| \*\*faster\*\*: the fast method ends lower \| -0\.0\d+ \| `loss\[method=fast\] − loss\[method=slow\]` < 0 \| -0\.08 \[derived\] closed form/,
    );
    expect(r.md).toContain('0.5 [paper] Table 1');
    expect(r.html).toContain('<span class="prov prov-derived">derived</span>');
    expect(r.html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    expect(r.html).not.toMatch(/<(script|img|link|iframe|object)\b/i);
    const csv = readFileSync(join(cwd, 'runs', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('experiment,config_hash,backend,preset,cell,metric,n,mean,ci95_low,ci95_high,values');
    expect(csv.filter((l) => l.startsWith('fake/fast,'))).toHaveLength(4);
    expect(r.md).toContain('diverged at cell 2');
  });

  it('survives damaged folders with one warning each, naming the folder and the field', async () => {
    const { cwd, group } = await populated();
    writeFileSync(join(group, 'seed-0', 'manifest.json'), '{ not json');
    writeFileSync(
      join(group, 'seed-1', 'manifest.json'),
      JSON.stringify({ schemaVersion: 2, experiment: 'fake/fast' }),
    );
    rmSync(join(group, 'seed-2', 'cells'), { recursive: true });
    mkdirSync(join(group, '.seed-7.tmp-0123abcd'));
    const r = await report(cwd);
    expect(r.code).toBe(0);
    const warns = r.io.stderr.text.trim().split('\n');
    expect(warns.some((w) => /seed-0: skipped \(manifest\.json not valid JSON/.test(w))).toBe(true);
    expect(
      warns.some((w) => /seed-1: skipped \(manifest\.json does not match the manifest schema\)/.test(w)),
    ).toBe(true);
    expect(warns.some((w) => /seed-2: skipped \(2 of its 2 cells are missing or damaged\)/.test(w))).toBe(
      true,
    );
    expect(
      warns.some((w) =>
        /\.seed-7\.tmp-0123abcd: interrupted attempt left behind \('paperkit clean' removes it\)/.test(w),
      ),
    ).toBe(true);
    // `clean` removes the leftover.
    const io = fakeIo(cwd);
    expect(await main(['clean'], io)).toBe(0);
    expect(io.stdout.text).toContain('removed 1 leftover');
    expect(existsSync(join(group, '.seed-7.tmp-0123abcd'))).toBe(false);
  });

  it('never writes through a planted symlink, never reads a file outside the folder, never inlines foreign SVG', async () => {
    const { cwd, out, group } = await populated();
    const victim = join(cwd, 'victim.txt');
    const secret = join(cwd, 'secret.txt');
    writeFileSync(victim, 'untouched');
    writeFileSync(secret, 'TOP-SECRET');
    symlinkSync(victim, join(out, 'report.html.part'));
    symlinkSync(victim, join(out, 'report.md'));
    // A cell file replaced by a symlink to a secret, and an SVG with a script in the plots folder.
    const cells = readdirSync(join(group, 'seed-0', 'cells'));
    rmSync(join(group, 'seed-0', 'cells', cells[0]!));
    symlinkSync(secret, join(group, 'seed-0', 'cells', cells[0]!));
    writeFileSync(join(group, 'plots', 'evil.svg'), '<svg><script>alert(1)</script></svg>');
    const r = await report(cwd);
    expect(r.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(r.html).not.toContain('TOP-SECRET');
    expect(r.html).not.toContain('alert(1)');
    expect(r.io.stderr.text).toMatch(/cells\/.*: a symbolic link \(not followed\)/);
  });

  it('escapes text from the folders: a title or label with markup stays text', async () => {
    const { cwd, group } = await populated();
    // Without the registry the stored summary is used: plant markup in it.
    const s = JSON.parse(readFileSync(join(group, 'summary.json'), 'utf8'));
    s.title = '<script>alert("t")</script>';
    s.claims[0].statement = '<img src=x onerror=alert(1)>';
    s.plots[0].spec.title = '<script>alert("p")</script>';
    writeFileSync(join(group, 'summary.json'), JSON.stringify(s));
    const r = await report(cwd, []);
    expect(r.code).toBe(0);
    expect(r.html).not.toMatch(/<script|<img/i);
    expect(r.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('a damaged stored summary (no registry to re-aggregate) is one warning, not a crash', async () => {
    const { cwd, group } = await populated();
    writeFileSync(
      join(group, 'summary.json'),
      JSON.stringify({ schemaVersion: 1, experiment: 'fake/fast', claims: 'nope' }),
    );
    const r = await report(cwd, []);
    expect(r.code).toBe(0);
    expect(r.io.stderr.text).toMatch(/summary\.json field '[a-z]+': /);
  });
});
