import { DivergenceError, throwIfAborted } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link trainSteps}. */
export interface StepLoopOptions {
  /** Number of steps. */
  readonly steps: number;
  /** Takes optimizer step `i` (0-based) and returns its minibatch loss (the loop disposes it). */
  readonly step: (i: number) => tf.Scalar;
  /** Stops between steps. */
  readonly signal: AbortSignal;
  /** Steps between host reads of the losses (divergence check, progress); default 50. */
  readonly readEvery?: number;
  /** Called after each read with the number of steps done and all losses so far. */
  readonly onRead?: (done: number, losses: Float64Array) => void;
  /** Called after step `done` (1-based) when `done % every === 0`, e.g. a population-loss evaluation. */
  readonly evaluate?: { readonly every: number; readonly fn: (done: number) => Promise<void> | void };
}

/**
 * Runs `steps` optimizer steps and returns every per-step minibatch loss. Losses stay on the device
 * and are read once per `readEvery` steps; a non-finite loss stops the run with tensor-core's
 * DivergenceError.
 */
export async function trainSteps(o: StepLoopOptions): Promise<Float64Array> {
  const every = o.readEvery ?? 50;
  const losses = new Float64Array(o.steps);
  let pending: tf.Scalar[] = [];
  let last: number | null = null;
  const flush = async (done: number) => {
    if (pending.length === 0) return;
    const stacked = tf.stack(pending);
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    tf.dispose(pending);
    const start = done - pending.length;
    pending = [];
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      if (!Number.isFinite(v)) throw new DivergenceError(start + k + 1, v, last, 'not finite');
      losses[start + k] = v;
      last = v;
    }
    o.onRead?.(done, losses.subarray(0, done));
  };
  try {
    for (let i = 0; i < o.steps; i++) {
      throwIfAborted(o.signal);
      pending.push(o.step(i));
      const done = i + 1;
      if (done % every === 0 || done === o.steps) await flush(done);
      if (o.evaluate && done % o.evaluate.every === 0) await o.evaluate.fn(done);
    }
  } finally {
    tf.dispose(pending);
  }
  return losses;
}

/** EMA with bias-free start: e₁ = x₁, e_t = β e_{t−1} + (1 − β) x_t. */
export function ema(x: ArrayLike<number>, beta: number): Float64Array {
  const out = new Float64Array(x.length);
  let e = x[0] ?? 0;
  for (let i = 0; i < x.length; i++) {
    e = i === 0 ? x[0]! : beta * e + (1 - beta) * x[i]!;
    out[i] = e;
  }
  return out;
}

/** Mean of the last `k` entries. */
export function tailMean(x: ArrayLike<number>, k: number): number {
  const n = Math.min(k, x.length);
  let s = 0;
  for (let i = x.length - n; i < x.length; i++) s += x[i]!;
  return s / n;
}

/**
 * Slowdown (§A.6 Tier 1): the extra fraction of steps a run needs for the EMA of its loss to reach
 * the baseline's final EMA loss, `steps_run / steps_base − 1`. Infinity when it never gets there.
 */
export function slowdown(baseline: ArrayLike<number>, run: ArrayLike<number>, beta = 0.98): number {
  const b = ema(baseline, beta);
  const r = ema(run, beta);
  const target = b[b.length - 1]!;
  const first = (x: Float64Array) => {
    for (let i = 0; i < x.length; i++) if (x[i]! <= target) return i + 1;
    return Number.POSITIVE_INFINITY;
  };
  return first(r) / first(b) - 1;
}
