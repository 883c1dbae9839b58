import { checkInteger, checkPositive } from '@paperkit/tensor-core';

/** Options of {@link horizonSchedule}. */
export interface HorizonScheduleOptions {
  /** Planned training steps T (the official `max_train_steps`). */
  readonly maxSteps: number;
  /** Base-optimizer steps between nowcasts; default 1000. */
  readonly period?: number;
  /** Largest horizon K (the first nowcast's k); default 40. */
  readonly maxHorizon?: number;
  /** Decay power p; default 2. */
  readonly decay?: number;
}

/** Rounds half to even, as numpy's `round` (the reference computes the schedule with numpy). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The horizon k of each nowcast (`optim/nino.py` of the official code): with N = max(1, ⌊T/period⌋),
 * k_j = round(linspace(K^{1/p}, 1, N)_j^p). Large jumps early and small ones late (e.g. T = 10 000,
 * period 1000: 40, 33, 26, 21, 16, 11, 8, 5, 3, 1).
 */
export function horizonSchedule(options: HorizonScheduleOptions): number[] {
  const t = checkInteger('maxSteps', options.maxSteps, 1);
  const period = checkInteger('period', options.period ?? 1000, 1);
  const kmax = checkInteger('maxHorizon', options.maxHorizon ?? 40, 1);
  const p = checkPositive('decay', options.decay ?? 2);
  const n = Math.max(1, Math.floor(t / period));
  const a = kmax ** (1 / p);
  return Array.from({ length: n }, (_, j) => {
    const x = n === 1 ? a : a + ((1 - a) * j) / (n - 1);
    return Math.max(1, roundHalfEven(x ** p));
  });
}

/** The horizon of the nowcast made at 0-based step `step`: `schedule[min(N−1, ⌊step/period⌋)]`. */
export function horizonAt(schedule: readonly number[], step: number, period: number): number {
  checkInteger('step', step, 0);
  checkInteger('period', period, 1);
  return schedule[Math.min(schedule.length - 1, Math.floor(step / period))]!;
}
