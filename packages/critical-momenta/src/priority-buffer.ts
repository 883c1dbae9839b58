import { checkInteger, checkObject, PaperkitInputError } from '@paperkit/tensor-core';
import { MAX_TOP_C } from './config.js';

/** JSON form of a {@link PriorityKeys}. */
export interface PriorityKeysState {
  readonly capacity: number;
  readonly size: number;
  readonly keys: number[];
  readonly steps: number[];
  readonly smallest: number;
}

/**
 * The host-side half of a critical buffer: the priority keys of up to C slots, the step at which each
 * slot was written, and the reference's remembered argmin. Values live elsewhere (tensors or Float64
 * arrays) at the same slot indices, so one decision here drives both implementations.
 *
 * Keys are held in float64; the reference holds them as float32 tensors, so ties closer than float32
 * rounding may resolve differently (documented in the README).
 */
export class PriorityKeys {
  /** Capacity C. */
  readonly capacity: number;
  /** Number of filled slots. */
  size = 0;
  /** Priority of each slot (only the first `size` are meaningful). */
  readonly keys: Float64Array;
  /** Optimizer call (1-based) at which each slot was last written. */
  readonly steps: Float64Array;
  /**
   * Index found by the last priority test. The reference's FIFO branch (`critical_test`) writes here
   * without looking again, so it overwrites a stale index, initially 0 (Q6).
   */
  smallest = 0;

  constructor(capacity: number) {
    checkInteger('capacity', capacity, 0);
    if (capacity > MAX_TOP_C)
      throw new PaperkitInputError('capacity', capacity, `an integer <= ${MAX_TOP_C}`);
    this.capacity = capacity;
    this.keys = new Float64Array(capacity);
    this.steps = new Float64Array(capacity);
  }

  /** Whether every slot is filled. */
  get full(): boolean {
    return this.size === this.capacity;
  }

  /** First index of the smallest key (torch.argmin's tie rule). */
  argmin(): number {
    let j = 0;
    for (let i = 1; i < this.size; i++) if (this.keys[i]! < this.keys[j]!) j = i;
    return j;
  }

  /** Index of the slot written longest ago (clean mode's FIFO). */
  oldest(): number {
    let j = 0;
    for (let i = 1; i < this.size; i++) if (this.steps[i]! < this.steps[j]!) j = i;
    return j;
  }

  /**
   * The slot a new entry of priority `pi` goes to, or −1 when it is rejected.
   * Not full: the next free slot. Full and `fifo`: the stale argmin (`staleFifo`, reference) or the
   * oldest slot (clean). Full otherwise: the argmin, if `pi` is strictly larger than its key.
   */
  choose(pi: number, fifo: boolean, staleFifo: boolean): number {
    if (this.size < this.capacity) return this.size;
    if (fifo) return staleFifo ? this.smallest : this.oldest();
    this.smallest = this.argmin();
    return pi > this.keys[this.smallest]! ? this.smallest : -1;
  }

  /** Records that slot `j` now holds an entry of priority `pi` written at call `step`. */
  write(j: number, pi: number, step: number): void {
    this.keys[j] = pi;
    this.steps[j] = step;
    if (j === this.size) this.size++;
  }

  /** Multiplies every key by λ (once per call, after insertion). */
  decay(lambda: number): void {
    for (let i = 0; i < this.size; i++) this.keys[i]! *= lambda;
  }

  /** JSON snapshot. */
  toJSON(): PriorityKeysState {
    return {
      capacity: this.capacity,
      size: this.size,
      keys: Array.from(this.keys),
      steps: Array.from(this.steps),
      smallest: this.smallest,
    };
  }

  /** Rebuilds from {@link PriorityKeys.toJSON}, checking it fits `capacity`. */
  static fromJSON(s: PriorityKeysState, capacity: number, where: string): PriorityKeys {
    checkObject(where, s, `a saved buffer of capacity ${capacity}`);
    if (
      !s ||
      s.capacity !== capacity ||
      !Number.isInteger(s.size) ||
      s.size < 0 ||
      s.size > capacity ||
      s.keys?.length !== capacity ||
      s.steps?.length !== capacity ||
      !Number.isInteger(s.smallest) ||
      s.smallest < 0 ||
      s.smallest >= Math.max(1, capacity)
    )
      throw new PaperkitInputError(
        where,
        s,
        `a saved buffer of capacity ${capacity} (same topC as this optimizer)`,
      );
    for (const field of ['keys', 'steps'] as const)
      s[field].forEach((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
          throw new PaperkitInputError(`${where}.${field}[${i}]`, x, 'a finite number >= 0');
      });
    const k = new PriorityKeys(capacity);
    k.size = s.size;
    k.keys.set(s.keys);
    k.steps.set(s.steps);
    k.smallest = s.smallest;
    return k;
  }
}
