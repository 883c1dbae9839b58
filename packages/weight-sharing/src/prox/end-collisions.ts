import { ceilLog2, type Partition } from './partition.js';

/**
 * Algorithm B (spec §I.3B, code `end_collisions_alg`): the first block of an isotonic fit is its
 * minimal prefix mean, so repeatedly take the argmin of the running means from the current start,
 * pool that block and continue after it. Ties pick the largest end (maximal blocks; the reference
 * code's `torch.argmin` picks the smallest, which splits equal-mean blocks). Each iteration is one
 * prefix sum + argmin (depth ⌈log2 d⌉); K iterations for K clusters, O(K·d) work.
 */
export function endCollisionsPartition(z: Float64Array): Partition {
  const d = z.length;
  const ends = new Int32Array(d);
  let count = 0;
  let iterations = 0;
  let i = 0;
  while (i < d) {
    if (i === d - 1) {
      ends[count++] = d;
      break;
    }
    iterations++;
    let s = 0;
    let m = 0;
    let bestS = 0;
    let bestM = 0;
    let best = i;
    for (let k = i; k < d; k++) {
      s += z[k]!;
      m += 1;
      // mean(i..k) ≤ best mean, cross-multiplied; "≤" moves ties to the larger k.
      if (k === i || s * bestM <= bestS * m) {
        best = k;
        bestS = s;
        bestM = m;
      }
    }
    ends[count++] = best + 1;
    i = best + 1;
  }
  return { ends: ends.slice(0, count), rounds: iterations, depth: iterations * ceilLog2(d) };
}
