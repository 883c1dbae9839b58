import { indexExperiments } from '../plan.js';
import type { TextSink } from '../progress.js';
import type { ExperimentPackage } from '../registry.js';
import { createExecutor, type Executor } from '../sweep/executor.js';
import { runQueueWorker } from '../sweep/queue.js';
import { connectRedis } from '../sweep/redis.js';
import { EXIT, UsageError } from '../usage-error.js';
import { sweepVersion } from './sweep.js';

/** A parsed `paperkit worker`. */
export interface WorkerCommand {
  readonly queue: string;
  readonly concurrency: number;
  readonly backend: string;
  readonly blas: 'auto' | 'off';
  readonly timeoutMs: number;
  readonly lockMs: number;
  readonly registry: string | null;
}

/**
 * `paperkit worker --queue redis://…`: serves a distributed sweep until Ctrl-C (finishing the jobs
 * in hand). Refuses a queue whose coordinator runs another paperkit version.
 */
export async function workerCommand(
  cmd: WorkerCommand,
  packages: readonly ExperimentPackage[],
  io: { stderr: TextSink; cwd: string; handleSignals?: boolean },
): Promise<number> {
  const redis = await connectRedis(cmd.queue);
  const executors: Executor[] = [];
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  if (io.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    const index = indexExperiments(packages);
    for (let i = 0; i < cmd.concurrency; i++)
      executors.push(
        await createExecutor(
          index,
          {
            backend: cmd.backend as never,
            blas: cmd.blas,
            inProcess: false,
            registry: cmd.registry,
            cwd: io.cwd,
          },
          io.stderr,
        ),
      );
    await runQueueWorker(
      redis,
      executors,
      { version: sweepVersion(), concurrency: cmd.concurrency, timeoutMs: cmd.timeoutMs, lockMs: cmd.lockMs },
      io.stderr,
      controller.signal,
    );
    return EXIT.aborted;
  } catch (err) {
    if (err instanceof Error && err.name === 'UnrecoverableError') throw new UsageError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const e of executors) await e.close();
    redis.disconnect();
  }
}
