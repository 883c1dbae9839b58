import type { BackendPreference } from '@paperkit/tensor-core';
import { packageSpec } from '../package-version.js';
import type { RegisteredExperiment } from '../plan.js';
import { StderrProgress, type TextSink } from '../progress.js';
import { executeRun, type RunOutcome } from '../run/execute.js';
import type { RunHost } from '../run/host.js';
import { inProcessHost } from '../run/in-process-host.js';
import { gitInfo } from '../run/manifest.js';
import type { HostBackend } from '../run/protocol.js';
import { backendSlug } from '../run/run-folder.js';
import { workerHost } from '../run/worker-host.js';
import type { SweepJob } from './plan.js';

/** Where and how a sweep process runs its jobs. */
export interface ExecutorOptions {
  readonly backend: BackendPreference;
  readonly blas: 'auto' | 'off';
  /** Run on this thread instead of a worker thread (tests from source). */
  readonly inProcess: boolean;
  /** URL of a module exporting `experiments`, for the worker thread (default the runner's registry). */
  readonly registry: string | null;
  readonly cwd: string;
}

/** Runs sweep jobs one at a time in this process, with the run command's worker-thread isolation. */
export interface Executor {
  readonly backend: HostBackend;
  /** The backend folder name of every run this executor writes. */
  readonly backendId: string;
  run(
    job: SweepJob,
    out: string,
    force: boolean,
    signal: AbortSignal,
    kill: AbortSignal,
  ): Promise<RunOutcome | null>;
  close(): Promise<void>;
}

/** Starts an executor: loads the backend once (rejects with the reason when it cannot). */
export async function createExecutor(
  index: ReadonlyMap<string, RegisteredExperiment>,
  o: ExecutorOptions,
  stderr: TextSink,
): Promise<Executor> {
  const host: RunHost = o.inProcess
    ? inProcessHost({ prefer: o.backend, blas: o.blas })
    : workerHost({ backend: { prefer: o.backend, blas: o.blas }, registry: o.registry });
  const warn = (m: string) => stderr.write(`paperkit: warning: ${m}\n`);
  let backend: HostBackend;
  try {
    backend = await host.backend(warn);
  } catch (err) {
    await host.close();
    throw err;
  }
  const git = gitInfo(o.cwd);
  return {
    backend,
    backendId: backendSlug(backend.info.label, backend.blasThreads),
    async run(job, out, force, signal, kill) {
      const reg = index.get(job.experiment);
      if (!reg) throw new Error(`experiment '${job.experiment}' is not registered here`);
      return executeRun({
        experiment: reg.experiment,
        packageSpec: packageSpec(reg.packageName),
        preset: job.preset,
        overrides: { ...job.overrides },
        config: job.config,
        seed: job.seed,
        out,
        git,
        host,
        backend,
        force,
        signal,
        kill,
        // A sweep shows one aggregated bar; per-run progress is not drawn.
        progress: new StderrProgress({ stream: { write: () => true }, prefix: '' }),
        onWarning: warn,
      });
    },
    close: () => host.close(),
  };
}
