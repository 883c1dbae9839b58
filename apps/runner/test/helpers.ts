import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  abortPoint,
  cellOf,
  defineExperiment,
  diff,
  type Experiment,
  grid,
  value,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import type { CliIo } from '../src/cli.js';
import type { ExperimentPackage } from '../src/registry.js';

/** A captured text stream. */
export class Capture {
  text = '';
  readonly isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** Fresh temp dir. */
export function tempDir(prefix = 'pk-runner-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Reads a JSON file. */
export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * Whether a live (temp) run folder under `root` (searched to depth 5)
 * has a metrics record yet, i.e. its experiment is running.
 */
export function hasLiveMetrics(root: string): boolean {
  const walk = (dir: string, depth: number): boolean => {
    if (!existsSync(dir) || depth > 5) return false;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.includes('.tmp-')) {
        try {
          if (readFileSync(join(path, 'metrics.jsonl'), 'utf8').length > 0) return true;
        } catch {
          // Not yet created.
        }
      } else if (!name.includes('.') && walk(path, depth + 1)) return true;
    }
    return false;
  };
  return walk(root, 0);
}

/**
 * CLI streams over a temp cwd and the fake packages. Runs are in-process: the fake experiments exist
 * only in this process, and the runner runs from TypeScript source, where no compiled worker exists
 * (test/worker.test.ts covers the worker path against the built dist).
 */
export function fakeIo(
  cwd: string,
  packages: readonly ExperimentPackage[] = FAKE_PACKAGES,
): CliIo & { stdout: Capture; stderr: Capture } {
  return {
    stdout: new Capture(),
    stderr: new Capture(),
    cwd,
    packages,
    handleSignals: true,
    inProcess: true,
  };
}

const PAPER = { title: 'A Fake Paper', authors: 'A. Fake', venue: 'arXiv', year: 2024 };

/** Two methods × one setting; each cell logs `steps` records; a seed-dependent metric. */
export const fastExperiment: Experiment = defineExperiment({
  id: 'fake/fast',
  paper: PAPER,
  title: 'fast fake experiment',
  headline: true,
  schema: z.strictObject({ steps: z.int().min(1), rate: z.number().positive(), tag: z.string() }),
  base: { steps: 50, rate: 0.5, tag: 'f' },
  presets: { quick: { steps: 5, tag: 'q' }, full: {} },
  cells: () => grid({ method: ['slow', 'fast'] }),
  metrics: { loss: { label: 'final loss', better: 'lower' }, noisy: { label: 'seed-dependent draw' } },
  cell(cfg, { method }, ctx) {
    const r = method === 'fast' ? 2 * cfg.rate : cfg.rate;
    const xs: number[] = [];
    const ys: number[] = [];
    ctx.progress.start('steps', cfg.steps);
    for (let i = 1; i <= cfg.steps; i++) {
      const loss = Math.exp(-r * i);
      ctx.log(i, { loss });
      ctx.progress.update(i);
      xs.push(i);
      ys.push(loss);
    }
    return {
      metrics: { loss: ys.at(-1)!, noisy: ctx.rng.stream('noise').uniform() },
      series: { loss: { x: xs, y: ys } },
    };
  },
  claims: () => [
    {
      id: 'faster',
      statement: 'the fast method ends lower',
      metric: diff('loss', { method: 'fast' }, { method: 'slow' }),
      expect: { op: '<', value: 0, margin: 0 },
      reference: { provenance: 'derived', value: -0.08, source: 'closed form e^{-2r n} − e^{-r n}' },
    },
    {
      id: 'noisy-half',
      statement: 'the draw averages about one half',
      metric: value('noisy', { method: 'fast' }),
      expect: { op: 'approx', value: 0.5, margin: 0.45 },
      reference: { provenance: 'paper', value: 0.5, source: 'Table 1' },
    },
  ],
  plots: () => [
    {
      kind: 'lines',
      id: 'loss',
      title: 'Loss curve',
      caption: 'Loss per step',
      series: 'loss',
      x: { label: 'step' },
      y: { label: 'loss', log: true },
    },
    {
      kind: 'bars',
      id: 'final',
      title: 'Final loss',
      caption: 'Final loss per method',
      metric: 'loss',
      y: { label: 'loss' },
    },
  ],
});

/** Three cells; the second throws (after the first completed), unless `failAt` is 0. */
export const failingExperiment: Experiment = defineExperiment({
  id: 'fake/fails',
  paper: PAPER,
  title: 'throws in its second cell',
  schema: z.strictObject({ failAt: z.int().min(0) }),
  base: { failAt: 2 },
  presets: { quick: {}, full: {} },
  cells: () => grid({ k: [1, 2, 3] }),
  metrics: { k2: { label: 'k squared' } },
  cell(cfg, { k }, ctx) {
    ctx.log(0, { k });
    if (k === cfg.failAt) throw new Error(`diverged at cell ${k}\nsecond line`);
    return { metrics: { k2: k * k } };
  },
});

/** Loops until aborted (with a safety cap), logging a record per iteration. */
export const slowExperiment: Experiment = defineExperiment({
  id: 'fake/slow',
  paper: { title: 'Another Paper', authors: 'B. Other', venue: 'ICML', year: 2023 },
  title: 'runs until Ctrl-C',
  schema: z.strictObject({ maxIterations: z.int() }),
  base: { maxIterations: 2000 },
  presets: { quick: {}, full: {} },
  cells: () => [cellOf({})],
  metrics: { iterations: { label: 'iterations' } },
  async cell(cfg, _p, ctx) {
    let i = 0;
    for (; i < cfg.maxIterations; i++) {
      await abortPoint(ctx.signal);
      ctx.log(i, { value: i });
      await new Promise((r) => setTimeout(r, 5));
    }
    return { metrics: { iterations: i } };
  },
});

/** A diverged run: its metric is NaN at every seed. */
export const nanExperiment: Experiment = defineExperiment({
  id: 'fake/nan',
  paper: PAPER,
  title: 'diverges',
  schema: z.strictObject({ lr: z.number() }),
  base: { lr: 1e20 },
  presets: { quick: {}, full: {} },
  cells: () => [cellOf({})],
  metrics: { loss: { label: 'loss' } },
  cell: (cfg) => ({ metrics: { loss: cfg.lr > 1 ? Number.NaN : 0.1 } }),
  claims: () => [
    {
      id: 'small',
      statement: 'the loss ends small',
      metric: value('loss'),
      expect: { op: '<', value: 1, margin: 0 },
    },
  ],
});

/** The fake registry used by CLI tests. */
export const FAKE_PACKAGES: readonly ExperimentPackage[] = [
  { name: '@paperkit/fake', experiments: [fastExperiment, failingExperiment, nanExperiment] },
  { name: '@paperkit/other', experiments: [slowExperiment] },
];
