import { performance } from 'node:perf_hooks';

/** Timing of one case on one setup. */
export interface Timing {
  /** Median wall time of one iteration, ms. */
  readonly ms: number;
  /** Iterations measured (after the warm-up). */
  readonly iterations: number;
}

/** Time budget per case and setup. */
export interface Budget {
  /** Stop repeating once this much time was measured, ms. */
  readonly ms: number;
  readonly maxIterations: number;
}

/**
 * Runs `step` once to warm up (V8 tiers up, wasm and OpenBLAS allocate their buffers), then repeats
 * it until the budget is spent and reports the median. cpu and wasm kernels run synchronously
 * inside each op, so wall time around `step` is the compute time. A warm-up slower than the whole
 * budget is reported as the single measurement rather than run again (stock cpu at 1024² takes seconds).
 * `afterWarmup` runs between the warm-up and the timed steps (and not at all in that single case).
 */
export function measure(step: () => void, budget: Budget, afterWarmup?: () => void): Timing {
  const t0 = performance.now();
  step();
  const warm = performance.now() - t0;
  if (warm >= budget.ms) return { ms: warm, iterations: 1 };
  afterWarmup?.();
  const times: number[] = [];
  let total = 0;
  while ((total < budget.ms || times.length < 3) && times.length < budget.maxIterations) {
    const s = performance.now();
    step();
    const d = performance.now() - s;
    times.push(d);
    total += d;
    if (total > 4 * budget.ms) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const ms = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { ms, iterations: times.length };
}
