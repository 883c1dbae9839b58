import { checkInRange, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * Gradual magnitude pruning (Zhu & Gupta 2017, Eq. 1) over epochs, as the reference's
 * `SparsityScheduler`: pruning happens at the start of epochs `start`, `start + frequency`, … and
 * always at `end`, to the sparsity s(e) = s_f + (s_i − s_f)(1 − (e − start)/(end − start))³.
 * One-shot pruning is `start = end` with `initial = final`.
 */
export interface GmpOptions {
  /** Final sparsity s_f in [0, 1). */
  readonly sparsity: number;
  /** Initial sparsity s_i in [0, s_f]; default 0. */
  readonly initial?: number;
  /** First pruning epoch; default 0. */
  readonly start?: number;
  /** Last pruning epoch E_p (≥ start); default 15 (the paper's configs). */
  readonly end?: number;
  /** Epochs between pruning steps; default 1. `start` and `end` are always included. */
  readonly frequency?: number;
}

/** A validated GMP schedule. */
export interface GmpSchedule {
  readonly sparsity: number;
  readonly initial: number;
  readonly start: number;
  readonly end: number;
  readonly frequency: number;
  /** The sparsity prescribed at epoch `epoch` (s_i before `start`, s_f from `end` on). */
  sparsityAt(epoch: number): number;
  /** Whether the model is pruned at the start of epoch `epoch`. */
  prunesAt(epoch: number): boolean;
}

/** Validates {@link GmpOptions} and returns the schedule. */
export function gmpSchedule(options: GmpOptions): GmpSchedule {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError(
      'pruning',
      options,
      'an object { sparsity, initial?, start?, end?, frequency? }',
    );
  const sparsity = checkInRange('sparsity', options.sparsity, 0, 1, '[)');
  const initial = checkInRange('pruning.initial', options.initial ?? 0, 0, sparsity, '[]');
  const start = checkInteger('pruning.start', options.start ?? 0, 0);
  const end = checkInteger('pruning.end', options.end ?? 15, start);
  const frequency = checkInteger('pruning.frequency', options.frequency ?? 1, 1);
  if (start === end && initial !== sparsity)
    throw new PaperkitInputError(
      'pruning.initial',
      initial,
      `equal to sparsity (${sparsity}) for one-shot pruning (start = end = ${start})`,
    );
  return {
    sparsity,
    initial,
    start,
    end,
    frequency,
    sparsityAt(epoch: number): number {
      const rel = epoch - start;
      const span = end - start;
      // The endpoints are returned exactly (the cubic is off by rounding there), as in the reference.
      if (rel <= 0) return initial;
      if (rel >= span) return sparsity;
      return sparsity + (initial - sparsity) * (1 - rel / span) ** 3;
    },
    prunesAt(epoch: number): boolean {
      if (epoch < start || epoch > end) return false;
      return epoch === start || epoch === end || (epoch - start) % frequency === 0;
    },
  };
}
