/**
 * The shared shape of the four prox algorithms of spec §I.3. Each one takes the terminal free positions
 * z (the sorted weights plus their displacement λ·velocity, §I.1 step 2) and returns the maximal-block
 * partition of the isotonic (non-decreasing) least-squares fit of z. Values are then computed from the
 * partition once, in `prox.ts`, so equal partitions give bit-identical outputs.
 */

/** A partition of the sorted slots 0..d−1 into consecutive blocks (clusters), with cost counters. */
export interface Partition {
  /** Exclusive end of each block in sorted order; the last entry is d. */
  readonly ends: Int32Array;
  /**
   * Sequential rounds of the algorithm: 1 for PAV (one pass), the number of outer iterations (= clusters
   * found) for end collisions, the number of merging rounds for imminent collisions, the number of
   * levels ⌈log2 d⌉ for search collisions.
   */
  readonly rounds: number;
  /**
   * Parallel depth in units of one elementwise step, counting a scan, argmin or scatter over s slots as
   * ⌈log2 s⌉ (PRAM model). For PAV it is d (a sequential pass). This is the quantity of the paper's
   * O(log³ d) claim for search collisions.
   */
  readonly depth: number;
}

/** ⌈log2 n⌉ for n ≥ 1 (0 for n = 1). */
export function ceilLog2(n: number): number {
  let l = 0;
  while (2 ** l < n) l++;
  return l;
}
