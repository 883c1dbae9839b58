import type { BackendPreference } from '@paperkit/tensor-core';
import type { FromWorker, ToWorker } from '../shared/protocol.js';

/** How long Stop waits for the experiment to reach an abort point before terminating its thread. */
export const STOP_GRACE_MS = 400;

/**
 * The page's experiment thread. Stop asks the run to abort; a cell that does not reach an abort point
 * within {@link STOP_GRACE_MS} has its worker terminated and replaced by a fresh one, so Stop always
 * takes effect within a second and the page can run again.
 */
export class ExperimentWorker {
  private worker: Worker;
  private readonly backend: BackendPreference;
  private readonly onMessage: (m: FromWorker) => void;

  constructor(backend: BackendPreference, onMessage: (m: FromWorker) => void) {
    this.backend = backend;
    this.onMessage = onMessage;
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data);
    w.onerror = (ev) => {
      ev.preventDefault();
      this.onMessage({ type: 'init-failed', error: ev.message || 'the experiment thread failed to load' });
    };
    const site = new URL('./', document.baseURI);
    const init: ToWorker = {
      type: 'init',
      backend: this.backend,
      wasmBase: new URL('wasm/', site).href,
      checkpointBase: new URL('checkpoints/', site).href,
    };
    w.postMessage(init);
    return w;
  }

  /** Sends a message to the experiment thread. */
  send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /**
   * Stops the running experiment: resolves `'aborted'` when it stopped at an abort point, or
   * `'terminated'` when its thread had to be replaced (the backend then initialises again).
   */
  stop(aborted: Promise<void>): Promise<'aborted' | 'terminated'> {
    this.send({ type: 'stop' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const replaced = new Promise<'terminated'>((resolve) => {
      timer = setTimeout(() => {
        this.worker.terminate();
        this.worker = this.spawn();
        resolve('terminated');
      }, STOP_GRACE_MS);
    });
    return Promise.race([
      aborted.then(() => {
        clearTimeout(timer);
        return 'aborted' as const;
      }),
      replaced,
    ]);
  }

  /** Ends the thread for good. */
  dispose(): void {
    this.worker.terminate();
  }
}
