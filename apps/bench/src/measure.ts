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

/** Paired timing of a baseline and a variant, see {@link measurePaired}. */
export interface PairedTiming {
  /** Median time of the baseline, ms. */
  readonly baseline: number;
  /** Median time of the variant, ms. */
  readonly variant: number;
  /** Median over the rounds of variant ÷ baseline, each pair timed back to back. */
  readonly ratio: number;
  /** Rounds measured (after one warm-up of each). */
  readonly rounds: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times `baseline` and `variant` alternately, one of each per round, until the budget is spent, and
 * reports the median of each and the median per-round ratio. A ratio of two separate medians drifts
 * with the machine's load between the two measurements (here ±10% on a 100 ms step); pairs taken
 * back to back see the same load, so their ratio is what an overhead claim needs.
 */
export function measurePaired(baseline: () => void, variant: () => void, budget: Budget): PairedTiming {
  baseline();
  variant();
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  let total = 0;
  while ((total < budget.ms || a.length < 3) && a.length < budget.maxIterations) {
    const s0 = performance.now();
    baseline();
    const s1 = performance.now();
    variant();
    const s2 = performance.now();
    a.push(s1 - s0);
    b.push(s2 - s1);
    ratios.push((s2 - s1) / (s1 - s0));
    total += s2 - s0;
    if (total > 4 * budget.ms) break;
  }
  return { baseline: median(a), variant: median(b), ratio: median(ratios), rounds: a.length };
}
