import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initBackend } from '@paperkit/tensor-core';
import type { ExecOptions } from '../args.js';
import { packageSpec } from '../package-version.js';
import type { RegisteredExperiment } from '../plan.js';
import { StderrProgress, type TextSink } from '../progress.js';
import { formatValue } from '../report/aggregate.js';
import { wall } from '../report/html.js';
import { executeRun, type RunOutcome, RunStartError } from '../run/execute.js';
import type { RunHost } from '../run/host.js';
import { inProcessHost } from '../run/in-process-host.js';
import { errorLine, gitInfo } from '../run/manifest.js';
import { mkdirp } from '../run/mkdirp.js';
import type { RunFolder } from '../run/run-folder.js';
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

function printOutcome(stdout: TextSink, cwd: string, job: Job, seed: number, o: RunOutcome): void {
  const lines = [
    `${o.status.padEnd(9)} ${job.reg.experiment.id}  seed ${seed}  ${wall(o.manifest.wallMs)}  ${o.manifest.backend}  ${shown(cwd, o.dir)}`,
  ];
  if (o.manifest.error) lines.push(`  error: ${o.manifest.error}`);
  for (const w of o.manifest.warnings) lines.push(`  warning: ${w}`);
  for (const c of o.summary?.comparisons ?? []) {
    const holds = c.holds === true ? ' ✓' : c.holds === false ? ' ✗' : '';
    lines.push(`  ${c.metric}: ours ${formatValue(c.ours)}, paper ${formatValue(c.paper)}${holds}`);
  }
  stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Runs jobs × seeds in order in a worker thread (or in-process with `--in-process`),
 * wires Ctrl-C to the runs (first: abort, with a grace period before the worker is terminated;
 * second: terminate, finalise the live folder as aborted and exit at once), and prints one result
 * block per run on stdout; progress and notices go to stderr.
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
  let host: RunHost;
  let closeHost = async (): Promise<void> => {};
  if (opts.inProcess || io.inProcess === true) {
    try {
      host = inProcessHost(await initBackend({ prefer: opts.backend, blas: opts.blas, onWarning: warn }));
    } catch (err) {
      io.stderr.write(`paperkit: ${errorLine(err)}\n`);
      return EXIT.failed;
    }
  } else {
    const workers = workerHost({
      backend: { prefer: opts.backend, blas: opts.blas },
      ...(io.workerUrl ? { workerUrl: io.workerUrl } : {}),
      registry: io.workerRegistry ?? null,
      graceMs: io.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
      ...(io.workerExecArgv ? { execArgv: io.workerExecArgv } : {}),
    });
    host = workers.run;
    closeHost = () => workers.close();
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
    outer: for (const job of jobs)
      for (const seed of opts.seeds) {
        // A macrotask turn lets a Ctrl-C that arrived during an in-process run that never yielded be handled now.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (controller.signal.aborted) break outer;
        const id = job.reg.experiment.id;
        const progress = new StderrProgress({ stream: io.stderr, prefix: `[${id} seed ${seed}]` });
        let outcome: RunOutcome | null;
        try {
          outcome = await executeRun({
            experiment: job.reg.experiment,
            packageSpec: packageSpec(job.reg.packageName),
            preset: job.preset,
            overrides: job.overrides,
            config: job.config,
            seed,
            out: opts.out,
            git,
            host,
            signal: controller.signal,
            kill: kill.signal,
            progress,
            onStart: (backend) =>
              io.stderr.write(
                `paperkit: running ${id} (preset ${job.preset}, seed ${seed}) on ${backend.label}\n`,
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
          if (!(err instanceof RunStartError)) throw err;
          io.stderr.write(`paperkit: ${err.message}\n`);
          return EXIT.failed;
        }
        // Null: Ctrl-C stopped the run before its experiment started; nothing was written.
        if (outcome === null) break outer;
        printOutcome(io.stdout, io.cwd, job, seed, outcome);
        if (outcome.status === 'failed') failed++;
        if (outcome.status === 'aborted') break outer;
      }
  } finally {
    if (handle) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await closeHost();
  }
  if (controller.signal.aborted) return EXIT.aborted;
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
