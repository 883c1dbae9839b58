import { checkInteger, checkNonNegative, checkPositive, PaperkitInputError } from '../validate/errors.js';

/**
 * A learning-rate schedule: the rate used for the step with 0-based index `step` (the number of steps
 * already taken), like PyTorch's `LambdaLR` applied before each `optimizer.step()`.
 */
export type Schedule = (step: number) => number;

/** A schedule or a fixed rate. */
export type LearningRate = number | Schedule;

/** A constant rate. */
export function constantSchedule(lr: number): Schedule {
  checkPositive('lr', lr);
  return () => lr;
}

/** Options of {@link warmupCosineSchedule}. */
export interface WarmupCosineOptions {
  /** Peak rate reached at the end of warmup. */
  readonly peak: number;
  /** Linear warmup length in steps (0 = none). */
  readonly warmupSteps: number;
  /** Total steps; the cosine reaches `minLr` at this step and stays there. */
  readonly totalSteps: number;
  /** Final rate; default 0. */
  readonly minLr?: number;
}

/**
 * Linear warmup from peak/warmupSteps to `peak`, then half-cosine decay to `minLr` (the schedule of
 * nanoGPT-style transformer training).
 */
export function warmupCosineSchedule(o: WarmupCosineOptions): Schedule {
  checkPositive('peak', o.peak);
  checkInteger('warmupSteps', o.warmupSteps, 0);
  checkInteger('totalSteps', o.totalSteps, 1);
  const minLr = checkNonNegative('minLr', o.minLr ?? 0);
  if (o.warmupSteps > o.totalSteps)
    throw new PaperkitInputError('warmupSteps', o.warmupSteps, `an integer <= totalSteps (${o.totalSteps})`);
  if (minLr > o.peak) throw new PaperkitInputError('minLr', minLr, `a number <= peak (${o.peak})`);
  return (step) => {
    if (step < o.warmupSteps) return (o.peak * (step + 1)) / o.warmupSteps;
    const span = o.totalSteps - o.warmupSteps;
    if (span === 0 || step >= o.totalSteps) return minLr;
    const progress = (step - o.warmupSteps) / span;
    return minLr + 0.5 * (o.peak - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}

/** Resolves a {@link LearningRate} to a schedule, validating a fixed rate. */
export function toSchedule(lr: LearningRate, parameter = 'lr'): Schedule {
  if (typeof lr === 'function') return lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
    throw new PaperkitInputError(parameter, lr, 'a finite number >= 0 or a schedule function');
  return () => lr;
}
