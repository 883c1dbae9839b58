import { ceilLog2, type Partition } from './partition.js';

/**
 * Algorithm D (spec §I.3D, code `search_collisions_alg` / `merge` / `rightmost_collisions`), the
 * paper's parallel algorithm of depth O(log³ d). Slots are padded to n = 2^L with zero mass. At level
 * ℓ every block of s = 2^(ℓ+1) slots joins two already-solved halves; concatenation can only violate
 * order at the midpoint, and PAV would then create exactly one new block [i*, j*]: i* is the smallest
 * left-half slot whose "first block of the suffix problem" reaches into the right half (a predicate
 * monotone in i, found by binary search), and j* is that first block's end.
 *
 * Run sequentially here (O(d log² d) work); the counters report the parallel depth: per level, the
 * binary-search evaluations times the ⌈log2 s⌉ depth of one segmented prefix-sum/argmin, plus the
 * merge's scatter.
 */
export function searchCollisionsPartition(z: Float64Array): Partition {
  const d = z.length;
  const levels = ceilLog2(Math.max(d, 1));
  const n = 2 ** levels;
  // A cluster lives at its head slot: sums = Σ z over members, masses = member count; others hold 0.
  const sums = new Float64Array(n);
  const masses = new Float64Array(n);
  sums.set(z);
  masses.fill(1, 0, d);
  let depth = 0;

  // end(i): the last positive-mass slot k in [i, stop) minimising mean(z[i..k]) (ties → largest k, so
  // blocks are maximal), or −1 when [i, stop) has no mass ("+inf" prefixes in the reference code).
  const firstBlockEnd = (i: number, stop: number): number => {
    let s = 0;
    let m = 0;
    let bestS = 0;
    let bestM = 0;
    let best = -1;
    for (let k = i; k < stop; k++) {
      const mk = masses[k]!;
      if (mk === 0) continue;
      s += sums[k]!;
      m += mk;
      if (best < 0 || s * bestM <= bestS * m) {
        best = k;
        bestS = s;
        bestM = m;
      }
    }
    return best;
  };

  for (let level = 0; level < levels; level++) {
    const s = 2 ** (level + 1);
    const h = s / 2;
    let maxEvaluations = 0;
    for (let b = 0; b < n; b += s) {
      const mid = b + h;
      // Blocks whose right half is all padding cannot merge (done in parallel, they cost the same depth).
      if (mid >= d) continue;
      const stop = b + s;
      let lo = b;
      let hi = mid;
      let evaluations = 0;
      let foundEnd = -1;
      while (lo < hi) {
        const i = (lo + hi) >>> 1;
        const e = firstBlockEnd(i, stop);
        evaluations++;
        if (e >= mid) {
          hi = i;
          foundEnd = e;
        } else lo = i + 1;
      }
      maxEvaluations = Math.max(maxEvaluations, evaluations);
      if (lo === mid) continue;
      // lo may be a member slot of a left-half cluster: its prefixes equal those of the next head.
      let head = lo;
      while (head < mid && masses[head] === 0) head++;
      if (head >= mid) continue; // the next head is in the right half: the halves are already in order
      let total = 0;
      let mass = 0;
      for (let k = head; k <= foundEnd; k++) {
        total += sums[k]!;
        mass += masses[k]!;
        sums[k] = 0;
        masses[k] = 0;
      }
      sums[head] = total;
      masses[head] = mass;
    }
    depth += (maxEvaluations + 1) * (level + 1);
  }

  const ends = new Int32Array(d);
  let count = 0;
  let pos = 0;
  for (let k = 0; k < d; k++) {
    const m = masses[k]!;
    if (m > 0) {
      pos += m;
      ends[count++] = pos;
    }
  }
  return { ends: ends.slice(0, count), rounds: levels, depth };
}
