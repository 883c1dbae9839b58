import type { Partition } from './partition.js';

/**
 * Algorithm A (spec §I.3A): pool-adjacent-violators, the sequential production path. One left-to-right
 * pass over a stack of (sum, count) blocks; a new block is pooled with its predecessor while
 * mean(prev) ≥ mean(top), compared by cross-multiplication (s_p·m_t ≥ s_t·m_p) so that ties merge
 * (maximal blocks) exactly as in the other three algorithms. O(d) amortised.
 */
export function pavPartition(z: Float64Array): Partition {
  const d = z.length;
  const sums = new Float64Array(d);
  const counts = new Float64Array(d);
  const ends = new Int32Array(d);
  let top = -1;
  for (let k = 0; k < d; k++) {
    let s = z[k]!;
    let m = 1;
    while (top >= 0 && sums[top]! * m >= s * counts[top]!) {
      s += sums[top]!;
      m += counts[top]!;
      top--;
    }
    top++;
    sums[top] = s;
    counts[top] = m;
    ends[top] = k + 1;
  }
  return { ends: ends.slice(0, top + 1), rounds: 1, depth: d };
}
