/**
 * One training run of the speed-up study: Adam, optionally wrapped with {@link withNowcasting}, with
 * validation losses evaluated on a fixed grid of steps and the nowcasts (step, k, wall time) recorded.
 */
import { Adam, type Optimizer, throwIfAborted, yieldToEventLoop } from '@paperkit/tensor-core';
import type { PreparedNowcast } from '../nowcast/nowcast.js';
import { horizonSchedule } from '../nowcast/schedule.js';
import { type NowcastEvent, withNowcasting } from '../optim/with-nowcasting.js';
import type { TaskInstance } from './tasks.js';

/** Settings of one training run. */
export interface RunSettings {
  /** Training steps T (nowcasts included). */
  readonly steps: number;
  /** Steps between nowcasts P; snapshots are taken every P/c steps. */
  readonly period: number;
  /** Snapshots per nowcast c. */
  readonly context: number;
  /** Largest horizon K and decay power p of the k schedule. */
  readonly maxHorizon: number;
  readonly decay: number;
  /** Fixed k instead of the schedule (linefit's default is 1). */
  readonly fixedK?: number;
  /** Adam learning rate. */
  readonly lr: number;
  /** Steps between validation evaluations (taken before that step's update). */
  readonly evalEvery: number;
}

/** What a run measured. */
export interface RunResult {
  /** Evaluated steps and their validation losses (the last entry is after step T). */
  readonly evalSteps: number[];
  readonly valLosses: number[];
  /** Nowcasts: the 1-based step whose update the nowcast replaced, its horizon and wall time. */
  readonly nowcasts: readonly NowcastEvent[];
  /** True when a validation loss or a nowcast was not finite (the run stops there). */
  readonly diverged: boolean;
  /** Wall time of the whole run and of the nowcasts alone, seconds. */
  readonly seconds: number;
  readonly nowcastSeconds: number;
}

/**
 * Trains `task` for `steps` steps with Adam, wrapped with `withNowcasting(adam, nowcaster, { period,
 * c, kSchedule })` when a nowcaster is given (k from `horizonSchedule`, or the constant `fixedK`).
 * Validation losses are evaluated before steps 0, evalEvery, 2·evalEvery, … and after the last step.
 * A non-finite validation loss or a nowcast that predicts non-finite weights ends the run as diverged.
 */
export async function trainWithNowcasts(
  task: TaskInstance,
  nowcaster: PreparedNowcast | null,
  s: RunSettings,
  signal: AbortSignal,
  log?: (step: number, values: Record<string, number>) => void,
): Promise<RunResult> {
  const evalSteps: number[] = [];
  const valLosses: number[] = [];
  const nowcasts: NowcastEvent[] = [];
  const kSchedule =
    s.fixedK ??
    horizonSchedule({ maxSteps: s.steps, period: s.period, maxHorizon: s.maxHorizon, decay: s.decay }).map(
      (k) => Math.min(k, nowcaster?.maxHorizon ?? k),
    );
  const opt: Optimizer = nowcaster
    ? withNowcasting(new Adam({ lr: s.lr }), nowcaster, {
        period: s.period,
        c: s.context,
        kSchedule,
        onNowcast: (e) => nowcasts.push(e),
      })
    : new Adam({ lr: s.lr });
  let diverged = false;
  const t0 = performance.now();
  const evaluate = async (i: number) => {
    const v = await task.valLoss();
    evalSteps.push(i);
    valLosses.push(v);
    log?.(i, { valLoss: v });
    if (!Number.isFinite(v)) diverged = true;
  };
  try {
    for (let i = 0; i < s.steps && !diverged; i++) {
      if (i % s.evalEvery === 0) {
        await evaluate(i);
        if (diverged) break;
        throwIfAborted(signal);
        await yieldToEventLoop();
      }
      try {
        task.step(opt).dispose();
      } catch (err) {
        // withNowcasting refuses a non-finite prediction (the history was diverging): the run ends here.
        if (!(err instanceof Error) || !/non-finite/.test(err.message)) throw err;
        diverged = true;
      }
    }
    if (!diverged) await evaluate(s.steps);
  } finally {
    opt.dispose();
  }
  return {
    evalSteps,
    valLosses,
    nowcasts,
    diverged,
    seconds: (performance.now() - t0) / 1000,
    nowcastSeconds: nowcasts.reduce((a, e) => a + e.seconds, 0),
  };
}

/**
 * Steps to reach `target`: the first evaluated step whose validation loss is ≤ target, or `censor`
 * (the budget) when none is (reported as "> T").
 */
export function stepsToTarget(
  r: RunResult,
  target: number,
  censor: number,
): { steps: number; reached: boolean } {
  for (let j = 0; j < r.evalSteps.length; j++)
    if (r.valLosses[j]! <= target) return { steps: r.evalSteps[j]!, reached: true };
  return { steps: censor, reached: false };
}
