import { checkInteger, checkOneOf, PaperkitInputError } from '@paperkit/tensor-core';
import type { GroupAssignment } from '../groups.js';

/**
 * How the dual step estimates the sparse model's overall accuracy Â (or loss, for EL+RB):
 * - `bufferMean`: the reference's `GroupCyclicBuffer.query()`: a count-weighted mean over the full
 *   buffers, which (all holding k values) is the *unweighted* mean of the group estimates. Under group
 *   imbalance it is not the quantity the dense baseline A^d measures (a sample-weighted accuracy).
 * - `groupPriorWeighted` (default): Σ_{g∈F} π_g Â_g / Σ_{g∈F} π_g over the full groups F, with π_g the
 *   training-set group frequencies: an estimate of the same sample-weighted accuracy as A^d.
 * - `batch`: the current mini-batch's mean (what the paper's no-buffer ablation uses).
 */
export type OverallEstimate = 'bufferMean' | 'groupPriorWeighted' | 'batch';

/** The three estimates. */
export const OVERALL_ESTIMATES: readonly OverallEstimate[] = ['bufferMean', 'groupPriorWeighted', 'batch'];

/** Serialized buffer state. */
export interface ReplayBufferState {
  readonly capacity: number;
  readonly numGroups: number;
  /** Per group: its values from oldest to newest. */
  readonly values: readonly (readonly number[])[];
}

/**
 * One FIFO of capacity k per group (the reference's `GroupCyclicBuffer`, k = 40 by default) holding
 * per-example values of the *current* model: correctness bits for CEAG, losses for EL+RB. Pushing a
 * batch appends each example's value to its group(s) in batch order, dropping the oldest. Ring buffers
 * with running sums make push O(1) per example and a group's mean O(1).
 */
export class GroupReplayBuffer {
  /** k. */
  readonly capacity: number;
  /** Number of groups. */
  readonly numGroups: number;
  private readonly data: Float64Array;
  private readonly head: Int32Array;
  private readonly length: Int32Array;
  private readonly sums: Float64Array;

  constructor(numGroups: number, capacity = 40) {
    this.numGroups = checkInteger('numGroups', numGroups, 1);
    this.capacity = checkInteger('capacity', capacity, 1);
    this.data = new Float64Array(numGroups * capacity);
    this.head = new Int32Array(numGroups);
    this.length = new Int32Array(numGroups);
    this.sums = new Float64Array(numGroups);
  }

  /** Appends `values[i]` to the buffer of each group example `i` of the batch belongs to. */
  push(batch: GroupAssignment, values: ArrayLike<number>): void {
    if (batch.numGroups !== this.numGroups)
      throw new PaperkitInputError('batch.numGroups', batch.numGroups, `${this.numGroups} (the buffer's)`);
    if (values === null || typeof values !== 'object' || values.length !== batch.count)
      throw new PaperkitInputError('values', values, `${batch.count} values (one per example)`);
    const k = this.capacity;
    for (const layer of batch.memberships)
      for (let i = 0; i < layer.length; i++) {
        const g = layer[i]!;
        const v = values[i]!;
        const at = g * k + this.head[g]!;
        if (this.length[g] === k) this.sums[g]! -= this.data[at]!;
        else this.length[g]!++;
        this.data[at] = v;
        this.sums[g]! += v;
        this.head[g] = (this.head[g]! + 1) % k;
        // Re-sum once per wrap so float losses cannot drift (bits sum exactly anyway).
        if (this.head[g] === 0) this.resum(g);
      }
  }

  /** Values held by group `g`. */
  size(g: number): number {
    return this.length[g]!;
  }

  /** The groups whose buffer is full, ascending: only these take part in the dual step. */
  full(): Int32Array {
    let n = 0;
    for (let g = 0; g < this.numGroups; g++) if (this.length[g] === this.capacity) n++;
    const out = new Int32Array(n);
    n = 0;
    for (let g = 0; g < this.numGroups; g++) if (this.length[g] === this.capacity) out[n++] = g;
    return out;
  }

  /** Mean of group `g`'s buffer (NaN when empty; a partial buffer's mean is still its mean). */
  mean(g: number): number {
    return this.length[g]! > 0 ? this.sums[g]! / this.length[g]! : Number.NaN;
  }

  /**
   * The overall estimate over the full groups `full` (see {@link OverallEstimate}); NaN when `full` is
   * empty and the mode needs buffers.
   * @param priors training-set group frequencies (for `groupPriorWeighted`)
   * @param batchMean the batch's mean (for `batch`)
   */
  overall(mode: OverallEstimate, full: Int32Array, priors?: ArrayLike<number>, batchMean?: number): number {
    checkOneOf('overallEstimate', mode, OVERALL_ESTIMATES);
    if (mode === 'batch') {
      if (batchMean === undefined)
        throw new PaperkitInputError('batchMean', batchMean, 'a number for "batch"');
      return batchMean;
    }
    if (full.length === 0) return Number.NaN;
    let num = 0;
    let den = 0;
    for (let k = 0; k < full.length; k++) {
      const g = full[k]!;
      const w = mode === 'bufferMean' ? 1 : priors?.[g];
      if (w === undefined)
        throw new PaperkitInputError('priors', priors, `${this.numGroups} group frequencies`);
      num += w * this.mean(g);
      den += w;
    }
    return num / den;
  }

  /** Empties every buffer. */
  reset(): void {
    this.data.fill(0);
    this.head.fill(0);
    this.length.fill(0);
    this.sums.fill(0);
  }

  /** The buffers as plain data (oldest first). */
  getState(): ReplayBufferState {
    const values: number[][] = [];
    for (let g = 0; g < this.numGroups; g++) values.push(this.ordered(g));
    return { capacity: this.capacity, numGroups: this.numGroups, values };
  }

  /** Restores {@link GroupReplayBuffer.getState} of a buffer with the same capacity and groups. */
  setState(state: ReplayBufferState): void {
    if (
      state === null ||
      typeof state !== 'object' ||
      state.capacity !== this.capacity ||
      state.numGroups !== this.numGroups
    )
      throw new PaperkitInputError(
        'state',
        state,
        `a buffer state with capacity ${this.capacity} and ${this.numGroups} groups`,
      );
    if (!Array.isArray(state.values) || state.values.length !== this.numGroups)
      throw new PaperkitInputError('state.values', state.values, `${this.numGroups} arrays`);
    state.values.forEach((v, g) => {
      if (!Array.isArray(v) || v.length > this.capacity || v.some((x) => !Number.isFinite(x)))
        throw new PaperkitInputError(`state.values[${g}]`, v, `at most ${this.capacity} finite numbers`);
    });
    this.reset();
    state.values.forEach((v, g) => {
      this.data.set(v, g * this.capacity);
      this.length[g] = v.length;
      this.head[g] = v.length % this.capacity;
      this.resum(g);
    });
  }

  private ordered(g: number): number[] {
    const k = this.capacity;
    const len = this.length[g]!;
    const start = len === k ? this.head[g]! : 0;
    const out: number[] = [];
    for (let j = 0; j < len; j++) out.push(this.data[g * k + ((start + j) % k)]!);
    return out;
  }

  private resum(g: number): void {
    let s = 0;
    for (let j = 0; j < this.length[g]!; j++) s += this.data[g * this.capacity + j]!;
    this.sums[g] = s;
  }
}
