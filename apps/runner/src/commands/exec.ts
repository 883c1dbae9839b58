import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defaultSeeds, type Experiment } from '@paperkit/tensor-core';
import type { ExecOptions } from '../args.js';
import { packageSpec } from '../package-version.js';
import type { RegisteredExperiment } from '../plan.js';
import { StderrProgress, type TextSink } from '../progress.js';
import { formatExpectation, formatReference, formatVerdictValue, verdictMark } from '../results/format.js';
import { type GroupSummary, summarizeGroup } from '../results/group.js';
import { wall } from '../results/wall.js';
import { configHash } from '../run/config-hash.js';
import { executeRun, type RunOutcome, RunStartError } from '../run/execute.js';
import type { RunHost } from '../run/host.js';
import { inProcessHost } from '../run/in-process-host.js';
import { errorLine, gitInfo } from '../run/manifest.js';
import { mkdirp } from '../run/mkdirp.js';
import type { HostBackend } from '../run/protocol.js';
import { backendSlug, groupFolderPath, type RunFolder } from '../run/run-folder.js';
import { DEFAULT_ABORT_GRACE_MS, workerHost } from '../run/worker-host.js';
import { EXIT, UsageError } from '../usage-error.js';

/** One experiment to run with its resolved config. */
export interface Job {
  readonly reg: RegisteredExperiment;
  readonly preset: string;
  readonly config: unknown;
  readonly overrides: Record<string, unknown>;
}

/** The streams and process hooks the executing commands need. */
export interface ExecIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly cwd: string;
  /** Install SIGINT/SIGTERM handlers (default true). */
  readonly handleSignals?: boolean;
  /** Hard exit on the second Ctrl-C (injectable for tests); default `process.exit`. */
  readonly exit?: (code: number) => void;
  /**
   * Run experiments on the main thread instead of in a worker thread (as `--in-process`).
   * Tests use it: they run the runner from TypeScript source, where no compiled worker exists, and
   * inject registries that only exist in their own process.
   */
  readonly inProcess?: boolean;
  /** Worker entry (default the compiled `run/worker.js` next to the runner). */
  readonly workerUrl?: URL;
  /** URL of a module exporting `experiments` that the worker imports instead of the runner's registry. */
  readonly workerRegistry?: string;
  /** How long the first Ctrl-C waits for a run to stop before terminating its worker; default 10 s. */
  readonly abortGraceMs?: number;
  /**
   * Node flags of the workers; default this process's. Tests pass `[]`: vitest's `--conditions
   * @paperkit/source` would make the compiled worker import TypeScript source.
   */
  readonly workerExecArgv?: readonly string[];
}

/** Fails with a one-line usage error unless files can be created in `out` (created when missing). */
export function ensureWritable(out: string): void {
  const probe = join(out, `.paperkit-write-test-${process.pid}`);
  try {
    mkdirp(out);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write to output directory '${out}' (${code ?? errorLine(err)})`);
  }
}

function shown(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function printSeed(stdout: TextSink, cwd: string, job: Job, seed: number, o: RunOutcome): void {
  const m = o.manifest;
  const reused =
    o.status === 'reused'
      ? ' (completed earlier; --force recomputes)'
      : m.cells.reused.length > 0
        ? ` (${m.cells.reused.length} of ${m.cells.total} cells reused from an interrupted run)`
        : '';
  const lines = [
    `${o.status.padEnd(9)} ${job.reg.experiment.id}  seed ${seed}  ${wall(m.wallMs)}  ${m.backendId}  ${shown(cwd, o.dir)}${reused}`,
  ];
  if (m.error && o.status !== 'reused') lines.push(`  error: ${m.error}`);
  for (const w of m.warnings) lines.push(`  warning: ${w}`);
  stdout.write(`${lines.join('\n')}\n`);
}

/** The claims block printed after an experiment's seeds: ours over seeds, criterion, reference with provenance, verdict. */
export function claimLines(s: GroupSummary): string[] {
  const lines: string[] = [];
  const n = s.seeds.length;
  lines.push(
    `  ${s.experiment}: ${s.claims.length} claim(s) over ${s.deterministic ? 'a deterministic run' : `${n} seed${n === 1 ? '' : 's'} (${s.seeds.join(', ')})`}`,
  );
  for (const c of s.claims) {
    const digits = c.digits ?? undefined;
    lines.push(`  ${verdictMark(c.verdict.status).padEnd(15)} ${c.id}: ${c.statement}`);
    lines.push(
      `      ours ${formatVerdictValue(c.verdict, digits)} · criterion ${c.metric} ${formatExpectation(c.expect)} · reference ${formatReference(c.reference ?? undefined)}`,
    );
    if (c.verdict.status !== 'holds') lines.push(`      ${c.verdict.reason}`);
  }
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

/**
 * Runs jobs × seeds in order in a worker thread (or in-process with `--in-process`), wires Ctrl-C to
 * the runs (first: abort, with a grace period before the worker is terminated; second: terminate,
 * finalise the live folder as aborted and exit at once), prints one line per seed and, after each
 * experiment, its claims over all completed seeds of its group folder. Progress and notices go to stderr.
 * @returns exit code: 0 all completed, 1 some failed, 130 aborted.
 */
export async function runJobs(jobs: readonly Job[], opts: ExecOptions, io: ExecIo): Promise<number> {
  ensureWritable(opts.out);
  const warned = new Set<string>();
  // A replacement worker initialises its backend again, so the same warning could repeat.
  const warn = (m: string): void => {
    if (warned.has(m)) return;
    warned.add(m);
    io.stderr.write(`paperkit: warning: ${m}\n`);
  };
  const host: RunHost =
    opts.inProcess || io.inProcess === true
      ? inProcessHost({ prefer: opts.backend, blas: opts.blas })
      : workerHost({
          backend: { prefer: opts.backend, blas: opts.blas },
          ...(io.workerUrl ? { workerUrl: io.workerUrl } : {}),
          registry: io.workerRegistry ?? null,
          graceMs: io.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
          ...(io.workerExecArgv ? { execArgv: io.workerExecArgv } : {}),
        });
  let backend: HostBackend;
  try {
    backend = await host.backend(warn);
  } catch (err) {
    io.stderr.write(`paperkit: ${errorLine(err)}\n`);
    await host.close();
    return EXIT.failed;
  }
  const git = gitInfo(io.cwd);
  const controller = new AbortController();
  const kill = new AbortController();
  let active: RunFolder | null = null;
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\npaperkit: stopping after the current step (press Ctrl-C again to exit now)\n');
      controller.abort();
      return;
    }
    kill.abort();
    try {
      if (active && active.current.status === 'running') {
        active.finalize('aborted', 'aborted by the user (second Ctrl-C: hard exit)');
        io.stderr.write(`paperkit: aborted; folder left at ${active.commit()}\n`);
      }
    } catch {
      // Exiting anyway: the manifest on disk is still valid JSON (written atomically).
    }
    (io.exit ?? process.exit)(EXIT.aborted);
  };
  const handle = io.handleSignals ?? true;
  if (handle) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  let failed = 0;
  try {
    outer: for (const job of jobs) {
      const e = job.reg.experiment;
      const seeds = seedsFor(e, job.preset, opts.seeds);
      if (e.deterministic && opts.seeds !== null && opts.seeds.length > 1)
        io.stderr.write(
          `paperkit: ${e.id} is deterministic (its numbers do not depend on the seed): running seed ${seeds[0]} only\n`,
        );
      let ran = false;
      for (const seed of seeds) {
        // A macrotask turn lets a Ctrl-C that arrived during an in-process run that never yielded be handled now.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (controller.signal.aborted) break outer;
        const progress = new StderrProgress({ stream: io.stderr, prefix: `[${e.id} seed ${seed}]` });
        let outcome: RunOutcome | null;
        try {
          outcome = await executeRun({
            experiment: e,
            packageSpec: packageSpec(job.reg.packageName),
            preset: job.preset,
            overrides: job.overrides,
            config: job.config,
            seed,
            out: opts.out,
            git,
            host,
            backend,
            force: opts.force,
            signal: controller.signal,
            kill: kill.signal,
            progress,
            onStart: (reused) =>
              io.stderr.write(
                `paperkit: running ${e.id} (preset ${job.preset}, seed ${seed}) on ${backend.info.label}${reused > 0 ? `, reusing ${reused} completed cell(s)` : ''}\n`,
              ),
            onWarning: warn,
            onOutput: (text) => {
              progress.clear();
              io.stderr.write(text);
            },
            onActive: (f) => {
              active = f;
            },
          });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
            // The disk filled while the run folder was written: say where, and leave it marked.
            const live = active as RunFolder | null;
            const where = live ? live.dir : ((err as { folder?: string }).folder ?? opts.out);
            try {
              live?.finalize('failed', `disk full while writing (${code})`);
            } catch {
              // The manifest cannot be rewritten either; 'paperkit clean' removes the attempt.
            }
            io.stderr.write(
              `paperkit: disk full (${code}) while writing ${shown(io.cwd, where)}; the partial attempt is left there ('paperkit clean --out ${shown(io.cwd, opts.out)}' removes it)\n`,
            );
            return EXIT.failed;
          }
          if (!(err instanceof RunStartError)) throw err;
          io.stderr.write(`paperkit: ${err.message}\n`);
          return EXIT.failed;
        }
        // Null: Ctrl-C stopped the run before its experiment started; nothing was written.
        if (outcome === null) break outer;
        ran = true;
        printSeed(io.stdout, io.cwd, job, seed, outcome);
        if (outcome.status === 'failed') failed++;
        if (outcome.status === 'aborted') break outer;
      }
      if (ran) {
        const dir = groupFolderPath(
          opts.out,
          e.id,
          configHash(job.config),
          backendSlug(backend.info.label, backend.blasThreads),
        );
        const g = await summarizeGroup(dir, e, job.config, packageSpec(job.reg.packageName));
        if (g.summary)
          io.stdout.write(`${claimLines(g.summary).join('\n')}\n  results: ${shown(io.cwd, dir)}\n`);
        else for (const w of g.warnings) io.stdout.write(`  warning: ${w}\n`);
      }
    }
  } finally {
    if (handle) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await host.close();
  }
  if (controller.signal.aborted) return EXIT.aborted;
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

/** Seeds of a job: the user's, else the experiment's default for the preset; a deterministic experiment runs one. */
export function seedsFor(e: Experiment, preset: string, given: readonly number[] | null): number[] {
  if (given !== null) return e.deterministic ? given.slice(0, 1) : [...given];
  return Array.from({ length: defaultSeeds(e, preset) }, (_, i) => i);
}
