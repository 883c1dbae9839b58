import type { BackendInfo } from '@paperkit/tensor-core';
import type { RunHost } from './host.js';
import { runExperiment } from './run-experiment.js';

/**
 * Runs experiments on the main thread, on the backend the caller already initialised (`--in-process`,
 * and the tests, which run the runner from TypeScript source where no worker file exists). Ctrl-C
 * is then only seen where the experiment returns to the event loop, and a second Ctrl-C can only
 * exit between such turns: a debugging fallback, not the default.
 */
export function inProcessHost(backend: BackendInfo): RunHost {
  return async (spec, h, signals) => {
    h.onStart(backend, Date.now());
    return runExperiment(spec.experiment, spec.config, {
      seed: spec.seed,
      preset: spec.preset,
      backend,
      signal: signals.abort,
      progress: h.progress,
      onMetric: h.onMetric,
    });
  };
}
