import { performance } from 'node:perf_hooks';
import { median } from '@paperkit/tensor-core';

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

/** Warm-up: at least this long and two calls, unless one call alone takes {@link SLOW_STEP_MS}. */
const WARMUP_MS = 100;
/** A step this slow gains nothing from a second warm-up call worth its time (stock cpu at 1024²). */
const SLOW_STEP_MS = 1000;
const MAX_WARMUP_CALLS = 50;

/**
 * Warm-up calls, discarded: V8 tiers up, wasm and OpenBLAS allocate their buffers, tfjs caches its
 * kernels. One call is not enough: on stock cpu the first two 64² matMuls take 100–130 ms each and the
 * third under 1 ms, which is how quick mode used to report `matmul 64 cpu` at 50–85 ms and a BLAS ratio
 * of 375–900×. Returns the last call's time.
 */
function warmUp(step: () => void): number {
  let total = 0;
  let last = 0;
  for (let calls = 1; calls <= MAX_WARMUP_CALLS; calls++) {
    const t = performance.now();
    step();
    last = performance.now() - t;
    total += last;
    if ((calls === 1 && last >= SLOW_STEP_MS) || (calls >= 2 && total >= WARMUP_MS)) break;
  }
  return last;
}

/**
 * Warms `step` up ({@link warmUp}: never part of the result), then repeats it until the budget is
 * spent and reports the median. cpu and wasm kernels run synchronously inside each op, so wall time
 * around `step` is the compute time. A step slower than the whole budget is timed once instead of
 * three times (stock cpu at 1024² takes seconds). `afterWarmup` runs between the warm-up and the timed
 * steps.
 */
export function measure(step: () => void, budget: Budget, afterWarmup?: () => void): Timing {
  const warm = warmUp(step);
  afterWarmup?.();
  const minIterations = warm >= budget.ms ? 1 : 3;
  const times: number[] = [];
  let total = 0;
  while ((total < budget.ms || times.length < minIterations) && times.length < budget.maxIterations) {
    const s = performance.now();
    step();
    const d = performance.now() - s;
    times.push(d);
    total += d;
    if (total > 4 * budget.ms) break;
  }
  return { ms: median(times), iterations: times.length };
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

/**
 * Times `baseline` and `variant` alternately, one of each per round, until the budget is spent, and
 * reports the median of each and the median per-round ratio. A ratio of two separate medians drifts
 * with the machine's load between the two measurements (here ±10% on a 100 ms step); pairs taken
 * back to back see the same load, so their ratio is what an overhead claim needs.
 */
export function measurePaired(baseline: () => void, variant: () => void, budget: Budget): PairedTiming {
  warmUp(baseline);
  warmUp(variant);
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

/** {@link measurePaired} for steps that return a promise (e.g. `model.trainOnBatch`). */
export async function measurePairedAsync(
  baseline: () => Promise<unknown>,
  variant: () => Promise<unknown>,
  budget: Budget,
): Promise<PairedTiming> {
  await baseline();
  await variant();
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  let total = 0;
  while ((total < budget.ms || a.length < 3) && a.length < budget.maxIterations) {
    // Alternate which one goes first, so neither always runs right after the other's allocations.
    const first = a.length % 2 === 0;
    const s0 = performance.now();
    await (first ? baseline() : variant());
    const s1 = performance.now();
    await (first ? variant() : baseline());
    const s2 = performance.now();
    const [tb, tv] = first ? [s1 - s0, s2 - s1] : [s2 - s1, s1 - s0];
    a.push(tb);
    b.push(tv);
    ratios.push(tv / tb);
    total += s2 - s0;
    if (total > 4 * budget.ms) break;
  }
  return { baseline: median(a), variant: median(b), ratio: median(ratios), rounds: a.length };
}
