import { type BackendPreference, initBackend } from '@paperkit/tensor-core';
import type { RunHost } from './host.js';
import type { HostBackend } from './protocol.js';
import { hostBackend, runSeed } from './run-seed.js';

/**
 * Runs experiments on the main thread (`--in-process`, and the tests, which run the runner from
 * TypeScript source where no worker file exists). Ctrl-C is seen where the experiment returns to the
 * event loop: at every `abortPoint` (the cell loop has one between cells, tensor-core's `train` one per
 * check window), so a run stops there and is marked aborted, as in worker mode.
 */
export function inProcessHost(prefer: { prefer: BackendPreference; blas: 'auto' | 'off' }): RunHost {
  let backend: Promise<HostBackend> | null = null;
  return {
    backend(onWarning) {
      backend ??= initBackend({ prefer: prefer.prefer, blas: prefer.blas, onWarning }).then(hostBackend);
      return backend;
    },
    async run(spec, h, signals) {
      const b = await this.backend(h.onWarning);
      h.onStart(Date.now());
      return runSeed(spec.experiment, spec.config, {
        seed: spec.seed,
        preset: spec.preset,
        backend: b.info,
        signal: signals.abort,
        progress: h.progress,
        cached: spec.cached,
        onLog: h.onLog,
        onCell: h.onCell,
      });
    },
    async close() {},
  };
}
