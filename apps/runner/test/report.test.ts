import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { aggregateCell, holdsCell, meanStd } from '../src/report/aggregate.js';
import { writeReport } from '../src/report/index.js';
import type { SummaryFile } from '../src/run/execute.js';
import type { RunManifest } from '../src/run/manifest.js';
import { fakeIo, tempDir } from './helpers.js';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>t</title><rect width="10" height="10"/></svg>\n';

function manifest(over: Partial<RunManifest>): RunManifest {
  return {
    schemaVersion: 1,
    runId: '00000000-0000-4000-8000-000000000000',
    experiment: 'pkg/exp',
    title: 'An experiment',
    paper: 'Some Paper (2020)',
    package: '@paperkit/pkg@0.1.0',
    configHash: 'feedbeef00000000',
    seed: 0,
    preset: 'quick',
    overrides: {},
    backend: 'wasm+blas',
    tfjsVersion: '4.22.0',
    node: 'v20.0.0',
    platform: 'linux',
    arch: 'x64',
    gitSha: '0123456789abcdef0123456789abcdef01234567',
    gitDirty: true,
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:12.000Z',
    wallMs: 12_000,
    finalMemory: { numTensors: 0, numBytes: 0, numDataBuffers: 0 },
    status: 'completed',
    error: null,
    warnings: [],
    ...over,
  };
}

function writeRun(out: string, rel: string, m: RunManifest, summary: SummaryFile | null): void {
  const dir = join(out, rel);
  mkdirSync(join(dir, 'plots'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ lr: 0.1 }));
  if (summary) {
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    writeFileSync(
      join(dir, 'plots', 'curve.svg'),
      SVG.replace('<title>t</title>', `<title>curve ${m.seed}</title>`),
    );
    writeFileSync(join(dir, 'plots', 'curve.png'), 'png');
  }
}

function summary(loss: number, holds: boolean, tag: string): SummaryFile {
  return {
    experiment: 'pkg/exp',
    summary: { finalLoss: loss, tag },
    comparisons: [
      { metric: 'final loss', ours: loss, paper: 0.25, note: 'Table 2', holds },
      { metric: 'unjudged', ours: 1, paper: null },
    ],
    series: {},
    plots: [
      { id: 'curve', title: 'Loss | curve', kind: 'line', svg: 'plots/curve.svg', png: 'plots/curve.png' },
    ],
  };
}

function fixture(): string {
  const out = tempDir();
  writeRun(out, 'pkg/exp/feedbeef/seed-0', manifest({ seed: 0 }), summary(0.1, true, 'a'));
  writeRun(out, 'pkg/exp/feedbeef/seed-1', manifest({ seed: 1 }), summary(0.3, false, 'a'));
  writeRun(
    out,
    'pkg/exp/feedbeef/seed-2',
    manifest({ seed: 2, status: 'failed', error: 'diverged at step 3' }),
    null,
  );
  // Ignored: an attempt in progress, and the side folder of an aborted attempt.
  writeRun(out, 'pkg/exp/feedbeef/.seed-3.tmp-abcdef01', manifest({ seed: 3, status: 'running' }), null);
  writeRun(out, 'pkg/exp/feedbeef/seed-0.aborted-abcdef01', manifest({ seed: 0, status: 'aborted' }), null);
  writeRun(
    out,
    'other/one/0badc0de/seed-5',
    manifest({ experiment: 'other/one', title: 'Other', configHash: '0badc0de00000000', seed: 5 }),
    summary(2, true, 'b'),
  );
  return out;
}

describe('aggregation over seeds', () => {
  it('mean ± sample std, unanimous claims, mixed strings', () => {
    expect(meanStd([0.1, 0.3])).toEqual({ mean: 0.2, std: Math.sqrt(0.02), n: 2 });
    expect(aggregateCell([0.1, 0.3])).toBe('0.2 ± 0.1414');
    expect(aggregateCell([2, 4, 6])).toBe('4 ± 2');
    expect(aggregateCell([0.5])).toBe('0.5');
    expect(aggregateCell(['a', 'a'])).toBe('a');
    expect(aggregateCell(['a', 'b'])).toBe('a / b');
    expect(holdsCell([true])).toBe('✓');
    expect(holdsCell([true, true, true])).toBe('✓ (3/3)');
    expect(holdsCell([true, false])).toBe('✗ (1/2)');
    expect(holdsCell([null, undefined])).toBe('—');
  });
});

describe('report', () => {
  it('writes Markdown with tables against the paper, mean ± std over seeds, statuses and PNG links', () => {
    const out = fixture();
    const r = writeReport(out, new Date('2025-02-03T04:05:06Z'))!;
    expect(r).toMatchObject({ experiments: 2, runs: 4 });
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| other/one | Some Paper (2020) | quick | 1 | 1 completed | 1/1 |');
    expect(md).toContain('| pkg/exp | Some Paper (2020) | quick | 3 | 2 completed, 1 failed | 0/1 |');
    expect(md).toContain('**Ours vs paper (mean ± std over 2 seeds)**');
    expect(md).toContain('| final loss | 0.2 ± 0.1414 | 0.25 | ✗ (1/2) | Table 2 |');
    expect(md).toContain('| unjudged | 1 ± 0 | — | — |  |');
    expect(md).toContain('| finalLoss | 0.2 ± 0.1414 |');
    expect(md).toContain(
      '| 2 | failed | wasm+blas | 12.0 s | `pkg/exp/feedbeef/seed-2` | diverged at step 3 |',
    );
    expect(md).toContain('diverged at step 3');
    expect(md).toContain('![Loss | curve](pkg/exp/feedbeef/seed-0/plots/curve.png)');
    expect(md).not.toContain('seed-3');
    expect(md).not.toContain('aborted');
  });

  it('writes a self-contained HTML page with the SVG plots inline', () => {
    const out = fixture();
    writeReport(out);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>curve 0</title>');
    expect(html).not.toContain('<title>curve 1</title>');
    expect(html).not.toMatch(/<(img|script|link)\b/);
    expect(html).toContain('<a href="#exp-pkg-exp">pkg/exp</a>');
    expect(html).toContain('<span class="st st-failed">failed</span>');
    expect(html).toContain('0.2 ± 0.1414');
    expect(html).toContain('0123456789+dirty');
  });

  it('the report command prints the paths on stdout', async () => {
    const out = fixture();
    const io = fakeIo(out);
    expect(await main(['report', '--out', '.'], io)).toBe(0);
    expect(io.stdout.text).toBe(
      `report of 4 runs (2 experiments):\n${join(out, 'report.html')}\n${join(out, 'report.md')}\n`,
    );
    expect(io.stderr.text).toBe('');
  });

  it('no run folders is bad input', async () => {
    const io = fakeIo(tempDir());
    expect(await main(['report', '--out', '.'], io)).toBe(2);
    expect(io.stderr.text).toMatch(/^paperkit: no run folders under '.*'/);
  });
});
