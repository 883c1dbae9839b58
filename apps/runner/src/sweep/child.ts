import { indexExperiments } from '../plan.js';
import type { ExperimentPackage } from '../registry.js';
import { errorLine } from '../run/manifest.js';
import { createExecutor, type ExecutorOptions } from './executor.js';
import type { FromChild, ToChild } from './local.js';

/**
 * A local sweep's worker process: loads the backend, reports it, then runs the jobs the coordinator
 * sends one at a time. `abort` (or SIGINT from the terminal, which reaches the whole process group)
 * stops the current run at its next abort point; its folder is left marked aborted.
 */
export async function poolChild(
  packages: readonly ExperimentPackage[],
  o: ExecutorOptions & { out: string },
): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  let executor: Awaited<ReturnType<typeof createExecutor>>;
  try {
    executor = await createExecutor(indexExperiments(packages), o, process.stderr);
  } catch (err) {
    send({ type: 'fatal', error: errorLine(err) });
    process.exit(1);
  }
  let abort = new AbortController();
  const kill = new AbortController();
  process.on('SIGINT', () => abort.abort());
  process.on('SIGTERM', () => abort.abort());
  let queue = Promise.resolve();
  process.on('message', (m: ToChild) => {
    if (m.type === 'abort') abort.abort();
    else if (m.type === 'exit') void queue.then(() => executor.close()).then(() => process.exit(0));
    else
      queue = queue.then(async () => {
        if (abort.signal.aborted) abort = new AbortController();
        try {
          const r = await executor.run(m.job, o.out, m.force, abort.signal, kill.signal);
          send({
            type: 'done',
            end: r
              ? { key: m.job.key, status: r.status, dir: r.dir, error: r.manifest.error }
              : { key: m.job.key, status: 'aborted', dir: null, error: 'aborted before it started' },
          });
        } catch (err) {
          send({ type: 'done', end: { key: m.job.key, status: 'failed', dir: null, error: errorLine(err) } });
        }
      });
  });
  send({ type: 'ready', backendId: executor.backendId });
}
