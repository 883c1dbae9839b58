import * as tf from '@tensorflow/tfjs-core';
import { yieldToEventLoop } from '../experiment/abort.js';
import type { CellContext } from '../experiment/cell.js';
import { checkInteger, checkPositive, PaperkitInputError } from '../validate/errors.js';

/** One metrics record: the step and named numbers (or short strings). */
export type MetricRecord = { readonly step: number } & Readonly<Record<string, number | string>>;

/** Receives metrics records as training produces them. */
export interface MetricSink {
  /** Appends one record. */
  write(record: MetricRecord): void;
}

/** A sink that writes into an experiment cell's log (`ctx.log`), i.e. the run's `metrics.jsonl`. */
export function cellSink(ctx: Pick<CellContext, 'log'>): MetricSink {
  return {
    write: ({ step, ...values }) => ctx.log(step, values),
  };
}

/** Thrown when the loss becomes NaN/±Infinity or exceeds the configured bound. */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  /** Step at which divergence was detected (end of the check window). */
  readonly step: number;
  /** Last finite window-mean loss seen before, or null. */
  readonly lastFiniteLoss: number | null;
  constructor(step: number, loss: number, lastFiniteLoss: number | null, limit: string) {
    super(
      `training diverged by step ${step}: loss ${Number.isNaN(loss) ? 'NaN' : loss} (${limit}); ` +
        `last finite loss ${lastFiniteLoss ?? 'none'}. Lower the learning rate or enable gradient clipping.`,
    );
    this.step = step;
    this.lastFiniteLoss = lastFiniteLoss;
  }
}

/** Progress event of {@link train}. */
export interface TrainProgress {
  /** Steps completed. */
  readonly step: number;
  /** Total steps. */
  readonly total: number;
  /** Mean loss over the last check window. */
  readonly loss: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Number of steps. */
  readonly steps: number;
  /** Takes optimisation step `i` (0-based) and returns its loss; the loop disposes it. */
  readonly step: (i: number) => tf.Scalar;
  /**
   * Steps between host reads of the loss (divergence check, progress, metrics); default 10. Between
   * reads the losses are summed on the device, so a NaN at any step of the window is still caught.
   */
  readonly checkEvery?: number;
  /** Steps between evaluations; no evaluation when absent. Also runs after the last step. */
  readonly evalEvery?: number;
  /** Evaluation (after step `i` completed, i.e. at count `i`); its numbers go to the sink. */
  readonly evaluate?: (stepsDone: number) => Promise<Record<string, number>> | Record<string, number>;
  /** Stops the loop between steps; the loop then throws an AbortError. */
  readonly signal?: AbortSignal;
  /** Progress callback at every check. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Metric sink: receives `{ step, loss }` at each check and evaluation records. */
  readonly sink?: MetricSink;
  /** Loss above this counts as divergence (NaN/±Infinity always does). */
  readonly maxLoss?: number;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** Steps completed. */
  readonly steps: number;
  /** Window-mean losses at each check. */
  readonly losses: { step: number; loss: number }[];
  /** Evaluations in order. */
  readonly evals: ({ step: number } & Record<string, number>)[];
  /** Last window-mean loss. */
  readonly finalLoss: number;
}

/**
 * The shared training-loop driver: step budget, evaluation cadence, divergence guard, progress,
 * abort and metrics, with one host read per `checkEvery` steps instead of one per step.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  checkInteger('steps', o.steps, 1);
  const checkEvery = checkInteger('checkEvery', o.checkEvery ?? 10, 1);
  if (o.evalEvery !== undefined) checkInteger('evalEvery', o.evalEvery, 1);
  if (o.maxLoss !== undefined) checkPositive('maxLoss', o.maxLoss);
  if (typeof o.step !== 'function')
    throw new PaperkitInputError('step', o.step, 'a function (i) => loss scalar');
  const losses: { step: number; loss: number }[] = [];
  const evals: ({ step: number } & Record<string, number>)[] = [];
  let lastFinite: number | null = null;
  let windowSum: tf.Scalar | null = null;
  let windowCount = 0;

  const check = async (done: number): Promise<void> => {
    const sum = windowSum!;
    windowSum = null;
    const mean = (await sum.data())[0]! / windowCount;
    sum.dispose();
    windowCount = 0;
    if (!Number.isFinite(mean)) throw new DivergenceError(done, mean, lastFinite, 'not finite');
    if (o.maxLoss !== undefined && mean > o.maxLoss)
      throw new DivergenceError(done, mean, lastFinite, `above maxLoss ${o.maxLoss}`);
    lastFinite = mean;
    losses.push({ step: done, loss: mean });
    o.sink?.write({ step: done, loss: mean });
    o.onProgress?.({ step: done, total: o.steps, loss: mean });
    // A wasm/cpu step never returns to the event loop; without this turn a Ctrl-C (abort) could not
    // be delivered until training ended.
    await yieldToEventLoop();
  };

  try {
    for (let i = 0; i < o.steps; i++) {
      if (o.signal?.aborted) {
        const err = new Error(`training aborted at step ${i}`);
        err.name = 'AbortError';
        throw err;
      }
      const loss = o.step(i);
      if (!(loss instanceof tf.Tensor) || loss.size !== 1)
        throw new PaperkitInputError('step', loss, `a function returning a scalar loss tensor (step ${i})`);
      const prev: tf.Scalar | null = windowSum;
      windowSum = prev ? (tf.add(prev, loss) as tf.Scalar) : (tf.clone(loss) as tf.Scalar);
      prev?.dispose();
      loss.dispose();
      windowCount++;
      const done = i + 1;
      if (done % checkEvery === 0 || done === o.steps) await check(done);
      if (o.evaluate && ((o.evalEvery !== undefined && done % o.evalEvery === 0) || done === o.steps)) {
        const r = await o.evaluate(done);
        const rec = { step: done, ...r };
        evals.push(rec);
        o.sink?.write(rec);
      }
    }
  } finally {
    (windowSum as tf.Scalar | null)?.dispose();
  }
  return { steps: o.steps, losses, evals, finalLoss: losses.at(-1)!.loss };
}
