import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TextSink } from '../progress.js';
import { readManifest, runFolderPath } from '../run/run-folder.js';
import type { SweepJob } from './plan.js';
import type { JobEnd, SweepResult } from './result.js';
import { SweepProgress } from './result.js';

/** Messages from the coordinator to a pool child. */
export type ToChild = { type: 'job'; job: SweepJob; force: boolean } | { type: 'abort' } | { type: 'exit' };

/** Messages from a pool child to the coordinator. */
export type FromChild =
  | { type: 'ready'; backendId: string }
  | { type: 'fatal'; error: string }
  | { type: 'done'; end: JobEnd };

/** Options of {@link runLocalSweep}. */
export interface LocalSweepOptions {
  readonly workers: number;
  readonly out: string;
  readonly force: boolean;
  /** Arguments every child gets after `__pool-child` (backend flags, `--out`, `--registry`). */
  readonly childArgs: readonly string[];
  /** The built CLI the children run. */
  readonly cliUrl: URL;
  /** Node flags of the children; default none. */
  readonly execArgv?: readonly string[];
  /** Called as each job ends (completed, reused, failed or aborted). */
  readonly onEnd?: (end: JobEnd) => void;
}

/**
 * A child's environment: its share of the cores as OpenBLAS threads (read when the BLAS loads), so
 * workers × threads ≤ cores instead of every child spinning one thread per core. A user's own
 * OPENBLAS_NUM_THREADS is kept.
 */
export function childEnv(workers: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.OPENBLAS_NUM_THREADS) return env;
  return { ...env, OPENBLAS_NUM_THREADS: String(Math.max(1, Math.floor(cpus().length / workers))) };
}

interface Child {
  readonly proc: ChildProcess;
  backendId: string | null;
  busy: SweepJob | null;
  exited: boolean;
}

/**
 * Runs sweep jobs on a pool of child processes (each runs its jobs in a worker thread, exactly as
 * `paperkit run` does, into the same output root): jobs whose completed run folder exists are
 * reused, the rest are dispatched one per idle child. `signal` (Ctrl-C) stops dispatching and aborts
 * the children's current runs; every finished folder stays valid, so a rerun completes only the rest.
 */
export async function runLocalSweep(
  jobs: readonly SweepJob[],
  o: LocalSweepOptions,
  stderr: TextSink,
  signal: AbortSignal,
): Promise<SweepResult> {
  if (!existsSync(o.cliUrl))
    throw new Error(
      `the sweep's worker processes need the built CLI ${fileURLToPath(o.cliUrl)} (build the runner first)`,
    );
  const children: Child[] = [];
  const ends: JobEnd[] = [];
  const progress = new SweepProgress(jobs.length, (l) => stderr.write(`${l}\n`));
  let pending: SweepJob[] = [];
  return new Promise<SweepResult>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      for (const c of children) if (!c.exited) c.proc.send({ type: 'exit' } satisfies ToChild);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ ends, deadLetter: [], aborted: signal.aborted });
    };
    const record = (end: JobEnd) => {
      ends.push(end);
      progress.tick(end);
      o.onEnd?.(end);
    };
    const dispatch = () => {
      if (settled) return;
      if (!signal.aborted)
        for (const c of children)
          if (c.backendId !== null && c.busy === null && !c.exited && pending.length > 0) {
            c.busy = pending.shift()!;
            c.proc.send({ type: 'job', job: c.busy, force: o.force } satisfies ToChild);
          }
      const running = children.some((c) => c.busy !== null);
      if (!running && (pending.length === 0 || signal.aborted)) finish();
    };
    const onAbort = () => {
      pending = [];
      for (const c of children) if (!c.exited && c.busy) c.proc.send({ type: 'abort' } satisfies ToChild);
      dispatch();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let readyOnce = false;
    for (let i = 0; i < o.workers; i++) {
      const proc = fork(fileURLToPath(o.cliUrl), ['__pool-child', ...o.childArgs], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: [...(o.execArgv ?? [])],
        env: childEnv(o.workers),
        serialization: 'advanced',
      });
      const c: Child = { proc, backendId: null, busy: null, exited: false };
      children.push(c);
      let errText = '';
      proc.stderr?.on('data', (d: Buffer) => {
        errText = (errText + String(d)).slice(-2000);
      });
      proc.on('message', (m: FromChild) => {
        if (m.type === 'fatal') finish(new Error(m.error));
        else if (m.type === 'ready') {
          c.backendId = m.backendId;
          if (!readyOnce) {
            readyOnce = true;
            // Jobs already completed on this backend are reused; the rest are queued.
            pending = [];
            for (const j of jobs) {
              const dir = runFolderPath(o.out, j.experiment, j.configHash, m.backendId, j.seed);
              if (!o.force && readManifest(dir)?.status === 'completed')
                record({ key: j.key, status: 'reused', dir, error: null });
              else pending.push(j);
            }
          }
          dispatch();
        } else if (m.type === 'done') {
          c.busy = null;
          record(m.end);
          dispatch();
        }
      });
      proc.on('exit', (code) => {
        c.exited = true;
        if (c.busy) {
          record({
            key: c.busy.key,
            status: 'failed',
            dir: null,
            error: `its worker process exited with code ${code}`,
          });
          c.busy = null;
        }
        if (!settled && children.every((x) => x.exited))
          finish(
            readyOnce
              ? undefined
              : new Error(
                  `the sweep's worker processes exited before starting (${errText.trim().split('\n').at(-1) ?? `code ${code}`})`,
                ),
          );
        else dispatch();
      });
    }
  });
}
