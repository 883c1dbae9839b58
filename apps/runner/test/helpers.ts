import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineExperiment, type Experiment, throwIfAborted } from '@paperkit/tensor-core';
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

/**
 * Whether a live (temp) run folder of the experiment under `root` (`<out>/<package>/<name>`) has
 * a metrics record yet, i.e. its experiment is running. The temp folder exists a moment before
 * its metrics.jsonl does.
 */
export function hasLiveMetrics(root: string): boolean {
  if (!existsSync(root)) return false;
  for (const hash of readdirSync(root)) {
    for (const name of readdirSync(join(root, hash))) {
      if (!name.includes('.tmp-')) continue;
      try {
        if (readFileSync(join(root, hash, name, 'metrics.jsonl'), 'utf8').length > 0) return true;
      } catch {
        // Not yet created (or already renamed into place).
      }
    }
  }
  return false;
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

const schema = z.strictObject({ steps: z.int().min(1), rate: z.number().positive(), tag: z.string() });

/** Fast experiment: writes `steps` metric records and returns a summary, comparisons and two plots. */
export const fastExperiment: Experiment = defineExperiment({
  id: 'fake/fast',
  paper: 'A Fake Paper (2024)',
  title: 'fast fake experiment',
  headline: true,
  schema,
  presets: { quick: { steps: 5, rate: 0.5, tag: 'q' }, full: { steps: 50, rate: 0.5, tag: 'f' } },
  async run(cfg, ctx) {
    ctx.progress.start('steps', cfg.steps);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 1; i <= cfg.steps; i++) {
      throwIfAborted(ctx.signal);
      const loss = Math.exp(-cfg.rate * i) + ctx.rng.stream('noise').next() * 0;
      ctx.metrics.write({ step: i, loss });
      ctx.progress.update(i);
      xs.push(i);
      ys.push(loss);
    }
    const final = ys.at(-1)!;
    return {
      summary: { finalLoss: final, seed: ctx.seed, tag: cfg.tag, seedPlusOne: ctx.seed + 1 },
      comparisons: [
        { metric: 'final loss', ours: final, paper: 0.1, note: 'Table 1', holds: final < 0.1 },
        { metric: 'seed parity', ours: ctx.seed, paper: null, holds: ctx.seed % 2 === 0 },
      ],
      plots: [
        {
          kind: 'line',
          id: 'loss',
          title: 'Loss curve',
          x: { label: 'step' },
          y: { label: 'loss', log: true },
          series: [{ name: 'loss', x: xs, y: ys }],
        },
        {
          kind: 'bar',
          id: 'bars',
          title: 'Bars',
          categories: ['a', 'b'],
          groups: [{ name: 'g', values: [1, 2] }],
          y: { label: 'value' },
        },
      ],
      series: { loss: ys },
    };
  },
});

/** Throws after writing one metric. */
export const failingExperiment: Experiment = defineExperiment({
  id: 'fake/fails',
  paper: 'A Fake Paper (2024)',
  title: 'always throws',
  schema: z.strictObject({ at: z.int() }),
  presets: { quick: { at: 1 }, full: { at: 2 } },
  async run(cfg, ctx) {
    ctx.metrics.write({ step: 0, loss: 1 });
    throw new Error(`diverged at step ${cfg.at}\nsecond line`);
  },
});

/** Loops until aborted (with a safety cap), writing a metric per iteration. */
export const slowExperiment: Experiment = defineExperiment({
  id: 'fake/slow',
  paper: 'Another Paper (2023)',
  title: 'runs until Ctrl-C',
  schema: z.strictObject({ maxIterations: z.int() }),
  presets: { quick: { maxIterations: 2000 }, full: { maxIterations: 2000 } },
  async run(cfg, ctx) {
    for (let i = 0; i < cfg.maxIterations; i++) {
      throwIfAborted(ctx.signal);
      ctx.metrics.write({ step: i, value: i });
      await new Promise((r) => setTimeout(r, 5));
    }
    return { summary: {}, comparisons: [], plots: [] };
  },
});

/** The fake registry used by CLI tests. */
export const FAKE_PACKAGES: readonly ExperimentPackage[] = [
  { name: '@paperkit/fake', experiments: [fastExperiment, failingExperiment] },
  { name: '@paperkit/other', experiments: [slowExperiment] },
];
