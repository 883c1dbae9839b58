#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { parseCommand } from './args.js';
import { cleanCommand } from './commands/clean.js';
import { type ExecIo, type Job, runJobs, seedsFor } from './commands/exec.js';
import { listCommand } from './commands/list.js';
import { readmeCommand } from './commands/readme.js';
import { reportCommand } from './commands/report.js';
import { sweepCommand } from './commands/sweep.js';
import { workerCommand } from './commands/worker.js';
import { defaultRegistry } from './default-registry.js';
import { missingPackageHint } from './discover.js';
import { helpText } from './help.js';
import { packageSpec } from './package-version.js';
import { findExperiment, indexExperiments, planConfig, type RegisteredExperiment } from './plan.js';
import type { TextSink } from './progress.js';
import type { ExperimentPackage } from './registry.js';
import type { KnownExperiment } from './report/gather.js';
import type { GroupAggregate } from './results/group.js';
import { errorLine } from './run/manifest.js';
import { poolChild } from './sweep/child.js';
import { loadRegistry } from './sweep/registry-url.js';
import { EXIT, UsageError } from './usage-error.js';

/** What {@link main} reads and writes instead of the process globals (tests inject their own). */
export interface CliIo extends ExecIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Directory relative paths (`--out`) resolve against. */
  readonly cwd: string;
  /** Experiment packages; default the registry. */
  readonly packages?: readonly ExperimentPackage[];
  /** The built CLI that a local sweep forks for its worker processes; default this module. */
  readonly cliUrl?: URL;
  /** Node flags of a local sweep's worker processes. */
  readonly childExecArgv?: readonly string[];
}

/**
 * The `paperkit` CLI. Returns the exit code instead of exiting: 0 ok, 1 a run failed, 2 bad input
 * (one line on stderr, with a near-miss suggestion where one exists), 130 aborted by Ctrl-C.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    if (argv[0] === '__pool-child') return await runPoolChild(argv.slice(1), io);
    const cmd = parseCommand(argv, io.cwd);
    const fromFlag = 'registry' in cmd && cmd.registry ? await loadRegistry(cmd.registry, io.cwd) : null;
    // Without --registry or injected packages: the monorepo's list, or the installed packages.
    const fallback = fromFlag || io.packages ? null : await defaultRegistry(io.cwd);
    const packages = fromFlag?.packages ?? io.packages ?? fallback!.packages;
    const discovery = fallback?.discovery ?? null;
    const registryUrl = fromFlag?.url ?? fallback?.url ?? null;
    if (registryUrl && !io.workerRegistry) io = { ...io, workerRegistry: registryUrl };
    switch (cmd.kind) {
      case 'help':
        io.stdout.write(helpText(cmd.topic));
        return EXIT.ok;
      case 'version':
        io.stdout.write(
          `${packageSpec('@paperkit/cli')} (tfjs-core ${tf.version_core}, node ${process.version})\n`,
        );
        return EXIT.ok;
      case 'list':
        if (discovery) {
          for (const p of discovery.problems) io.stderr.write(`paperkit: ${p}\n`);
          if (discovery.packages.length === 0) {
            io.stdout.write(
              `no @paperkit/* package with experiments is installed in ${io.cwd}; add one, e.g. npm install @paperkit/nupi\n`,
            );
            return discovery.problems.length > 0 ? EXIT.failed : EXIT.ok;
          }
        }
        return listCommand(packages, io.stdout);
      case 'report':
        return await reportCommand(cmd.out, knownExperiments(packages), io.stdout, io.stderr);
      case 'clean':
        return cleanCommand(cmd.out, io.stdout);
      case 'readme':
        return readmeCommand(cmd.files, cmd.out, io.stdout);
      case 'sweep':
        return await sweepCommand({ ...cmd, registry: registryUrl }, packages, {
          ...io,
          cliUrl: io.cliUrl ?? new URL(import.meta.url),
        });
      case 'worker':
        return await workerCommand({ ...cmd, registry: registryUrl }, packages, io);
      case 'run': {
        const index = indexExperiments(packages);
        if (discovery)
          for (const id of cmd.ids) {
            const hint = index.has(id) ? null : missingPackageHint(id, discovery);
            if (hint) throw new UsageError(hint);
          }
        const regs = [...new Set(cmd.ids)].map((id) => findExperiment(index, id));
        const jobs: Job[] = regs.map((reg) => ({
          reg,
          preset: cmd.preset,
          config: planConfig(reg.experiment, cmd.preset, cmd.sets),
          overrides: { ...cmd.sets },
        }));
        return await runJobs(jobs, cmd, io);
      }
      case 'repro': {
        const index = indexExperiments(packages);
        const heads = [...index.values()].filter((r) => r.experiment.headline === true);
        if (heads.length === 0)
          throw new UsageError(
            discovery
              ? `no installed @paperkit/* package has a headline experiment; add one, e.g. npm install @paperkit/nupi${discovery.problems.length ? ` (${discovery.problems.join('; ')})` : ''}`
              : 'no headline experiment is registered',
          );
        for (const p of packages)
          if (p.experiments.length > 0 && !p.experiments.some((e) => e.headline))
            io.stderr.write(`paperkit: warning: ${p.name} has no headline experiment; skipped\n`);
        const workers = Math.min(cmd.workers ?? cpus().length, totalSeeds(heads, cmd.seeds));
        // Headlines are independent runs: on more than one core they share a pool of worker
        // processes (sweep's), each with its share of the BLAS threads, instead of queueing behind
        // one thread. --workers 1 and --in-process keep the one-after-another run with per-seed lines.
        const pooled = workers > 1 && !cmd.inProcess && io.inProcess !== true;
        const early = new Map<string, Promise<GroupAggregate | null>>();
        const code = pooled
          ? await sweepCommand(
              {
                ids: heads.map((r) => r.experiment.id),
                preset: 'quick',
                seeds: cmd.seeds,
                grid: [],
                workers,
                queue: null,
                out: cmd.out,
                backend: cmd.backend,
                blas: cmd.blas,
                force: cmd.force,
                attempts: 1,
                registry: registryUrl,
                // The report below aggregates every group (it trusts no summary on disk): each as
                // soon as its last seed ends, while the other runs still use the cores.
                summarize: false,
                early,
              },
              packages,
              { ...io, cliUrl: io.cliUrl ?? new URL(import.meta.url) },
            )
          : await runJobs(
              heads.map((reg) => ({
                reg,
                preset: 'quick',
                config: planConfig(reg.experiment, 'quick', {}),
                overrides: {},
              })),
              cmd,
              io,
            );
        if (code === EXIT.aborted) return code;
        // Pooled runs print no claims as they finish: the report's aggregation prints the headlines'.
        const heading = new Set(heads.map((r) => r.experiment.id));
        const reportCode = await reportCommand(
          cmd.out,
          knownExperiments(packages),
          io.stdout,
          io.stderr,
          pooled ? (g) => heading.has(g.experiment) && g.preset === 'quick' : undefined,
          early,
        );
        return code !== EXIT.ok ? code : reportCode;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`paperkit: ${err.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`paperkit: ${errorLine(err)}\n`);
    return EXIT.failed;
  }
}

/** The hidden entry of a local sweep's worker processes (see sweep/child.ts). */
async function runPoolChild(argv: readonly string[], io: CliIo): Promise<number> {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const registry = get('--registry');
  const packages = registry
    ? (await loadRegistry(registry, io.cwd)).packages
    : (io.packages ?? (await defaultRegistry(io.cwd)).packages);
  await poolChild(packages, {
    out: get('--out')!,
    backend: (get('--backend') ?? 'auto') as never,
    blas: argv.includes('--no-blas') ? 'off' : 'auto',
    inProcess: false,
    registry: registry ? (await loadRegistry(registry, io.cwd)).url : null,
    cwd: io.cwd,
  });
  // The child lives until the coordinator sends 'exit'.
  await new Promise<never>(() => {});
  return EXIT.ok;
}

/** How many runs `repro` has: every headline's seeds at the quick preset. */
function totalSeeds(heads: readonly RegisteredExperiment[], seeds: readonly number[] | null): number {
  return heads.reduce((n, r) => n + seedsFor(r.experiment, 'quick', seeds).length, 0);
}

/** The registered experiments the report can re-aggregate, by id. */
function knownExperiments(packages: readonly ExperimentPackage[]): Map<string, KnownExperiment> {
  const map = new Map<string, KnownExperiment>();
  for (const p of packages)
    for (const e of p.experiments) map.set(e.id, { experiment: e, packageSpec: packageSpec(p.name) });
  return map;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
