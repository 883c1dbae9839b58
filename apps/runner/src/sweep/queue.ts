import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TextSink } from '../progress.js';
import { errorLine } from '../run/manifest.js';
import { readManifest } from '../run/run-folder.js';
import { commitBundle, packRunFolder, type RunBundle } from './bundle.js';
import type { Executor } from './executor.js';
import type { SweepJob } from './plan.js';
import { type JobEnd, SweepProgress, type SweepResult } from './result.js';

/** The BullMQ queue every paperkit sweep uses in a Redis database. */
export const QUEUE_NAME = 'paperkit-sweep';
/** The Redis key holding the coordinator's paperkit version (workers refuse a mismatch). */
export const VERSION_KEY = 'paperkit:sweep:version';

/** What a queued job carries. */
interface JobData {
  readonly job: SweepJob;
  readonly force: boolean;
  readonly version: string;
}

/** Options of the coordinator. */
export interface QueueSweepOptions {
  readonly out: string;
  readonly force: boolean;
  readonly version: string;
  /** Attempts per job before it lands in the dead-letter list; default 3. */
  readonly attempts: number;
  /** First retry delay (doubles each retry). */
  readonly backoffMs: number;
}

/** A completed run of the job on any backend (distributed workers may run on other backends). */
function completedDir(out: string, j: SweepJob): string | null {
  const root = join(out, ...j.experiment.split('/'), j.configHash.slice(0, 8));
  let backends: string[] = [];
  try {
    backends = readdirSync(root);
  } catch {
    return null;
  }
  for (const b of backends) {
    const dir = join(root, b, `seed-${j.seed}`);
    if (readManifest(dir)?.status === 'completed') return dir;
  }
  return null;
}

/**
 * The coordinator of a distributed sweep: writes its version for the workers, enqueues every job not
 * completed in `out` (the job id is the run identity, so re-enqueueing after a restart is a no-op),
 * commits each completed job's returned run folder atomically into `out`, and collects jobs that
 * failed after every retry into the dead-letter list. Restartable: completed jobs still in the queue
 * are committed on the next start; `signal` stops waiting (the queued jobs stay for the next start).
 */
export async function runQueueSweep(
  jobs: readonly SweepJob[],
  redis: Redis,
  o: QueueSweepOptions,
  stderr: TextSink,
  signal: AbortSignal,
): Promise<SweepResult> {
  await redis.set(VERSION_KEY, o.version);
  const queue = new Queue<JobData, RunBundle>(QUEUE_NAME, { connection: redis });
  const events = new QueueEvents(QUEUE_NAME, { connection: redis.duplicate() });
  const ends: JobEnd[] = [];
  const deadLetter: SweepResult['deadLetter'][number][] = [];
  const progress = new SweepProgress(jobs.length, (l) => stderr.write(`${l}\n`));
  const pending = new Map<string, SweepJob>();
  const record = (end: JobEnd) => {
    ends.push(end);
    progress.tick(end);
  };
  try {
    await events.waitUntilReady();
    for (const j of jobs) {
      const done = o.force ? null : completedDir(o.out, j);
      if (done) {
        record({ key: j.key, status: 'reused', dir: done, error: null });
        continue;
      }
      if (o.force) {
        const old = await queue.getJob(j.key);
        if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
      }
      pending.set(j.key, j);
      await queue.add(
        'run',
        { job: j, force: o.force, version: o.version },
        {
          jobId: j.key,
          attempts: o.attempts,
          backoff: { type: 'exponential', delay: o.backoffMs },
          removeOnComplete: false,
          removeOnFail: false,
        },
      );
    }
    const settle = async (key: string): Promise<void> => {
      const j = pending.get(key);
      if (!j) return;
      const job: Job<JobData, RunBundle> | undefined = await queue.getJob(key);
      if (!job) return;
      const state = await job.getState();
      // An event and the poll can settle one job concurrently: only the first to get here records it.
      if (!pending.has(key)) return;
      if (state === 'completed') {
        pending.delete(key);
        try {
          const { dir } = commitBundle(o.out, job.returnvalue);
          record({ key, status: 'completed', dir, error: null });
        } catch (err) {
          record({
            key,
            status: 'failed',
            dir: null,
            error: `its result could not be committed (${errorLine(err)})`,
          });
        }
      } else if (state === 'failed' && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        pending.delete(key);
        const error = job.failedReason || 'failed';
        deadLetter.push({ key, error, attempts: job.attemptsMade });
        record({ key, status: 'failed', dir: null, error });
      }
    };
    const wake = (jobId: string) => void settle(jobId);
    events.on('completed', ({ jobId }) => wake(jobId));
    events.on('failed', ({ jobId }) => wake(jobId));
    // Events can be missed (coordinator restarts, reconnects): also poll every job now and then.
    for (const key of [...pending.keys()]) await settle(key);
    while (pending.size > 0 && !signal.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const key of [...pending.keys()]) await settle(key);
    }
    return { ends, deadLetter, aborted: signal.aborted };
  } finally {
    await events.close();
    await queue.close();
  }
}

/** Options of a queue worker. */
export interface QueueWorkerOptions {
  readonly version: string;
  readonly concurrency: number;
  /** A job running longer than this is aborted and retried (ms). */
  readonly timeoutMs: number;
  /** BullMQ lock: a worker that dies loses its job to another after this long (ms). */
  readonly lockMs: number;
}

/**
 * `paperkit worker`: pulls sweep jobs from the queue, runs each into a private temp folder with the
 * run command's isolation, and returns the run folder (compressed) as the job's result. Refuses, at
 * connection, a queue whose coordinator runs another paperkit version. A failed or timed-out run
 * throws, so BullMQ retries it with backoff; a worker killed mid-job loses its lock and the stalled
 * job is re-queued for another worker. Resolves when `signal` fires (after the current jobs end).
 */
export async function runQueueWorker(
  redis: Redis,
  executors: readonly Executor[],
  o: QueueWorkerOptions,
  stderr: TextSink,
  signal: AbortSignal,
): Promise<void> {
  const coordinator = await redis.get(VERSION_KEY);
  if (coordinator !== null && coordinator !== o.version)
    throw new UnrecoverableError(
      `the sweep's coordinator runs ${coordinator}; this worker runs ${o.version} (install the same paperkit version)`,
    );
  const idle = [...executors];
  const worker = new Worker<JobData, RunBundle>(
    QUEUE_NAME,
    async (job) => {
      if (job.data.version !== o.version)
        throw new UnrecoverableError(`job from paperkit ${job.data.version}; this worker runs ${o.version}`);
      const executor = idle.pop();
      if (!executor) throw new Error('no idle executor (concurrency exceeds executors)');
      const out = mkdtempSync(join(tmpdir(), 'paperkit-worker-'));
      const abort = new AbortController();
      const onStop = () => abort.abort();
      signal.addEventListener('abort', onStop, { once: true });
      const timer = setTimeout(() => abort.abort(), o.timeoutMs);
      try {
        const r = await executor.run(job.data.job, out, true, abort.signal, new AbortController().signal);
        if (!r) throw new Error('the run stopped before it started');
        if (r.status !== 'completed')
          throw new Error(
            abort.signal.aborted && !signal.aborted
              ? `timed out after ${Math.round(o.timeoutMs / 1000)} s`
              : (r.manifest.error ?? r.status),
          );
        stderr.write(`paperkit worker: ${job.data.job.key} completed on ${executor.backendId}\n`);
        return packRunFolder(out, r.dir);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onStop);
        rmSync(out, { recursive: true, force: true });
        idle.push(executor);
      }
    },
    {
      connection: redis.duplicate(),
      concurrency: Math.min(o.concurrency, executors.length),
      lockDuration: o.lockMs,
      stalledInterval: Math.max(1000, Math.floor(o.lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('failed', (job, err) =>
    stderr.write(`paperkit worker: ${job?.id ?? '?'} failed: ${errorLine(err)}\n`),
  );
  await worker.waitUntilReady();
  stderr.write(
    `paperkit worker: ready on ${executors[0]!.backendId} (${o.version}), concurrency ${Math.min(o.concurrency, executors.length)}\n`,
  );
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.close();
}
