import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * The linefit baseline (Knyazev et al. 2025, baselines): per parameter, the least-squares line through the c
 * snapshots at times 0…c−1 (in snapshot intervals), evaluated at c−1+k. Exact in float64, rounded to
 * float32 at the end. `history` lists flat vectors oldest first.
 */
export function linefit(history: readonly Float32Array[], k: number): Float32Array {
  if (!Array.isArray(history) || history.length < 2)
    throw new PaperkitInputError('history', history, 'at least two flat parameter vectors (oldest first)');
  checkInteger('k', k, 1);
  const n = history[0]!.length;
  history.forEach((h, t) => {
    if (!(h instanceof Float32Array) || h.length !== n)
      throw new PaperkitInputError(`history[${t}]`, h, `a Float32Array of length ${n} like history[0]`);
  });
  const c = history.length;
  const tMean = (c - 1) / 2;
  let sxx = 0;
  for (let t = 0; t < c; t++) sxx += (t - tMean) ** 2;
  const at = c - 1 + k - tMean;
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let mean = 0;
    for (let t = 0; t < c; t++) mean += history[t]![j]!;
    mean /= c;
    let sxy = 0;
    for (let t = 0; t < c; t++) sxy += (t - tMean) * (history[t]![j]! - mean);
    out[j] = mean + (sxy / sxx) * at;
  }
  return out;
}
