import { cpus } from 'node:os';
import { packageSpec } from '../package-version.js';
import { indexExperiments, type RegisteredExperiment } from '../plan.js';
import type { TextSink } from '../progress.js';
import type { ExperimentPackage } from '../registry.js';
import { type GroupAggregate, summarizeGroup } from '../results/group.js';
import { configHash } from '../run/config-hash.js';
import { groupFolderPath } from '../run/run-folder.js';
import { runLocalSweep } from '../sweep/local.js';
import { parseGrid, planSweep, type SweepJob } from '../sweep/plan.js';
import { runQueueSweep } from '../sweep/queue.js';
import { connectRedis } from '../sweep/redis.js';
import type { JobEnd, SweepResult } from '../sweep/result.js';
import { EXIT } from '../usage-error.js';
import { claimLines, ensureWritable } from './exec.js';

/** A parsed `paperkit sweep`. */
export interface SweepCommand {
  readonly ids: readonly string[];
  readonly preset: string;
  readonly seeds: readonly number[] | null;
  readonly grid: readonly string[];
  readonly workers: number | null;
  readonly queue: string | null;
  readonly out: string;
  readonly backend: string;
  readonly blas: 'auto' | 'off';
  readonly force: boolean;
  readonly attempts: number;
  /** `--registry`: a module whose packages replace the runner's (also passed to the workers). */
  readonly registry: string | null;
  /** Aggregate each touched group and print its claims (default true; repro leaves it to the report). */
  readonly summarize?: boolean;
  /**
   * Filled, on a local pool, with each group's aggregation as soon as its last job ends, for the
   * report (repro): the main process then aggregates while the workers still run, instead of after.
   */
  readonly early?: Map<string, Promise<GroupAggregate | null>>;
}

/** The runner's version, which coordinator and workers must share. */
export function sweepVersion(): string {
  return packageSpec('@paperkit/cli');
}

/**
 * `paperkit sweep`: expands experiments × `--grid` settings × seeds into jobs (validated before any
 * runs), skips jobs whose completed run folder exists, runs the rest on a local pool of worker
 * processes (default) or through a BullMQ queue on Redis (`--queue`), then aggregates every group
 * the sweep touched and prints its claims. Exit 0 when every job completed, 1 when any failed (the
 * dead-letter list is printed), 130 on Ctrl-C.
 */
export async function sweepCommand(
  cmd: SweepCommand,
  packages: readonly ExperimentPackage[],
  io: {
    stdout: TextSink;
    stderr: TextSink;
    cwd: string;
    cliUrl: URL;
    childExecArgv?: readonly string[];
    handleSignals?: boolean;
  },
): Promise<number> {
  const index = indexExperiments(packages);
  const jobs = planSweep(index, cmd.ids, cmd.preset, parseGrid(cmd.grid), cmd.seeds);
  ensureWritable(cmd.out);
  const redis = cmd.queue ? await connectRedis(cmd.queue) : null;
  const controller = new AbortController();
  const onSignal = () => {
    io.stderr.write('\npaperkit: stopping the sweep (finished runs are kept; rerun to complete the rest)\n');
    controller.abort();
  };
  if (io.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const t0 = Date.now();
  let result: SweepResult;
  try {
    io.stderr.write(
      `paperkit: sweep of ${jobs.length} job(s) ${redis ? `through ${cmd.queue!.replace(/\/\/[^@]*@/, '//')}` : `on ${cmd.workers ?? cpus().length} local worker process(es)`}\n`,
    );
    if (redis)
      result = await runQueueSweep(
        jobs,
        redis,
        { out: cmd.out, force: cmd.force, version: sweepVersion(), attempts: cmd.attempts, backoffMs: 1000 },
        io.stderr,
        controller.signal,
      );
    else {
      const childArgs = [
        '--out',
        cmd.out,
        '--backend',
        cmd.backend,
        ...(cmd.blas === 'off' ? ['--no-blas'] : []),
        ...(cmd.registry ? ['--registry', cmd.registry] : []),
      ];
      const early = cmd.early;
      result = await runLocalSweep(
        jobs,
        {
          workers: cmd.workers ?? Math.max(1, cpus().length),
          out: cmd.out,
          force: cmd.force,
          childArgs,
          cliUrl: io.cliUrl,
          ...(io.childExecArgv ? { execArgv: io.childExecArgv } : {}),
          ...(early ? { onEnd: aggregateWhenComplete(jobs, index, cmd.out, early) } : {}),
        },
        io.stderr,
        controller.signal,
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    redis?.disconnect();
  }
  const counts = (s: string) => result.ends.filter((e) => e.status === s).length;
  io.stdout.write(
    `sweep: ${counts('completed')} completed, ${counts('reused')} reused, ${counts('failed')} failed, ${counts('aborted')} aborted of ${jobs.length} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  for (const e of result.ends) if (e.status === 'failed') io.stdout.write(`  failed ${e.key}: ${e.error}\n`);
  if (result.deadLetter.length > 0) {
    io.stdout.write(`dead-letter list (${result.deadLetter.length}):\n`);
    for (const d of result.deadLetter)
      io.stdout.write(`  ${d.key} after ${d.attempts} attempt(s): ${d.error}\n`);
  }
  // One aggregate per group the sweep touched (experiment × config × backend).
  const groups = new Map<string, { dir: string; job: (typeof jobs)[number] }>();
  for (const e of result.ends) {
    if (!e.dir || (e.status !== 'completed' && e.status !== 'reused')) continue;
    const job = jobs.find((j) => j.key === e.key)!;
    const backendId = e.dir.split(/[\\/]/).at(-2)!;
    const dir = groupFolderPath(cmd.out, job.experiment, configHash(job.config), backendId);
    groups.set(dir, { dir, job });
  }
  for (const { dir, job } of cmd.summarize === false ? [] : groups.values()) {
    const reg = index.get(job.experiment)!;
    const g = await summarizeGroup(dir, reg.experiment, job.config, packageSpec(reg.packageName));
    if (g.summary) io.stdout.write(`${claimLines(g.summary).join('\n')}\n`);
  }
  if (result.aborted) return EXIT.aborted;
  return result.ends.some((e) => e.status === 'failed' || e.status === 'aborted') ? EXIT.failed : EXIT.ok;
}

/**
 * A job-end listener that starts a group's aggregation (one at a time, in this process) once every
 * job of its experiment and config has ended, completed or reused. A group with a failed or aborted
 * job is left to the report.
 */
function aggregateWhenComplete(
  jobs: readonly SweepJob[],
  index: ReadonlyMap<string, RegisteredExperiment>,
  out: string,
  early: Map<string, Promise<GroupAggregate | null>>,
): (end: JobEnd) => void {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const left = new Map<string, number>();
  for (const j of jobs)
    left.set(`${j.experiment}|${j.configHash}`, (left.get(`${j.experiment}|${j.configHash}`) ?? 0) + 1);
  const broken = new Set<string>();
  let chain: Promise<unknown> = Promise.resolve();
  return (end) => {
    const job = byKey.get(end.key);
    if (!job) return;
    const group = `${job.experiment}|${job.configHash}`;
    if (end.status !== 'completed' && end.status !== 'reused') broken.add(group);
    const n = (left.get(group) ?? 1) - 1;
    left.set(group, n);
    if (n > 0 || broken.has(group) || !end.dir) return;
    const reg = index.get(job.experiment)!;
    const dir = groupFolderPath(out, job.experiment, job.configHash, end.dir.split(/[\\/]/).at(-2)!);
    const p = chain.then(() =>
      summarizeGroup(dir, reg.experiment, job.config, packageSpec(reg.packageName)).catch(() => null),
    );
    chain = p;
    early.set(dir, p);
  };
}
