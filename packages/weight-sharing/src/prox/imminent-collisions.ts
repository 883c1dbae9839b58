import { ceilLog2, type Partition } from './partition.js';

/**
 * Algorithm C (spec §I.3C, code `imminent_collisions_alg`): every round pools, all at once, each maximal
 * run of clusters whose means do not increase (z_{k−1} ≥ z_k, cross-multiplied), by a mass-weighted
 * scatter-mean; it stops when a round pools nothing. Each round is a scan plus a scatter (depth
 * ⌈log2 d⌉). Fast on realistic inputs (1–3 rounds) but d − 1 rounds on the adversarial input of §I.3C,
 * where a heavy left cluster absorbs one particle per round.
 */
export function imminentCollisionsPartition(z: Float64Array): Partition {
  const d = z.length;
  let sums = Float64Array.from(z);
  let masses = new Float64Array(d).fill(1);
  let ends = new Int32Array(d);
  for (let k = 0; k < d; k++) ends[k] = k + 1;
  let n = d;
  let nextSums = new Float64Array(d);
  let nextMasses = new Float64Array(d);
  let nextEnds = new Int32Array(d);
  let rounds = 0;
  let checks = 0;
  while (n > 1) {
    checks++;
    let g = 0;
    nextSums[0] = sums[0]!;
    nextMasses[0] = masses[0]!;
    nextEnds[0] = ends[0]!;
    for (let q = 1; q < n; q++) {
      // A new group starts where z_{q−1} < z_q, i.e. s_{q−1}·m_q < s_q·m_{q−1}; otherwise pool.
      if (sums[q - 1]! * masses[q]! < sums[q]! * masses[q - 1]!) {
        g++;
        nextSums[g] = sums[q]!;
        nextMasses[g] = masses[q]!;
      } else {
        nextSums[g]! += sums[q]!;
        nextMasses[g]! += masses[q]!;
      }
      nextEnds[g] = ends[q]!;
    }
    const merged = g + 1 < n;
    [sums, nextSums] = [nextSums, sums];
    [masses, nextMasses] = [nextMasses, masses];
    [ends, nextEnds] = [nextEnds, ends];
    n = g + 1;
    if (!merged) break;
    rounds++;
  }
  return { ends: ends.slice(0, n), rounds, depth: checks * ceilLog2(d) };
}
