import { checkAllFinite, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * Pareto-efficient mask of 2-D points when maximising both coordinates: a point is efficient when no
 * other point is ≥ in both and > in one. Of several identical efficient points only the first is
 * kept, as the reference's `is_pareto_efficient` does.
 */
export function paretoMask(points: readonly (readonly [number, number])[]): boolean[] {
  if (!Array.isArray(points)) throw new PaperkitInputError('points', points, 'an array of [x, y] pairs');
  points.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2)
      throw new PaperkitInputError(`points[${i}]`, p, 'an [x, y] pair');
    checkAllFinite(`points[${i}]`, p);
  });
  return points.map(([x, y], i) => {
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      const [u, v] = points[j]!;
      if (u >= x && v >= y && (u > x || v > y)) return false;
      if (u === x && v === y && j < i) return false;
    }
    return true;
  });
}

/**
 * MGDA weight of task 0 for two tasks (Désidéri 2012; Sener & Koltun 2018), reference
 * `compute_multi_loss`: the γ ∈ [0, 1] minimising ‖γ g0 + (1 − γ) g1‖, i.e.
 * γ = 1 if g0·g1 ≥ g0·g0, γ = 0 if g0·g1 ≥ g1·g1, else (g1 − g0)·g1 / ‖g0 − g1‖².
 */
export function mgdaWeight(g0: ArrayLike<number>, g1: ArrayLike<number>): number {
  if (
    g0 === null ||
    g1 === null ||
    typeof g0 !== 'object' ||
    typeof g1 !== 'object' ||
    g0.length !== g1.length ||
    g0.length === 0
  )
    throw new PaperkitInputError('g1', g1, `a non-empty gradient of the same length as g0 (${g0?.length})`);
  checkAllFinite('g0', g0);
  checkAllFinite('g1', g1);
  let d00 = 0;
  let d01 = 0;
  let d11 = 0;
  for (let i = 0; i < g0.length; i++) {
    d00 += g0[i]! * g0[i]!;
    d01 += g0[i]! * g1[i]!;
    d11 += g1[i]! * g1[i]!;
  }
  return mgdaFromDots(d00, d01, d11);
}

/** {@link mgdaWeight} from the three inner products g0·g0, g0·g1, g1·g1. */
export function mgdaFromDots(d00: number, d01: number, d11: number): number {
  if (d01 >= d00) return 1;
  if (d01 >= d11) return 0;
  return (d11 - d01) / (d00 - 2 * d01 + d11);
}

/** Welfare and accuracy of one training epoch (means over its rounds). */
export interface EpochRecord {
  /** Fraction of successful groups over all rounds and agents. */
  readonly welfare: number;
  /** Mean expected 0/1 accuracy per round. */
  readonly accuracy: number;
  /** Fraction of cooperating agents over all rounds. */
  readonly cooperation: number;
  /** The epoch's training loss. */
  readonly loss: number;
}

/** Which statistic a run maximised. */
export type SelectionObjective = 'welfare' | 'accuracy' | 'cooperation';

/**
 * Best epoch under the reference `FullStats` rule: for welfare, the epoch with the most successful
 * groups, ties broken by accuracy; for accuracy the reverse; for cooperation, most cooperators,
 * ties broken by accuracy. The earliest epoch wins a full tie.
 */
export function bestEpoch(history: readonly EpochRecord[], objective: SelectionObjective): number {
  if (!Array.isArray(history) || history.length === 0)
    throw new PaperkitInputError('history', history, 'a non-empty array of epoch records');
  const key = (r: EpochRecord): [number, number] =>
    objective === 'welfare'
      ? [r.welfare, r.accuracy]
      : objective === 'accuracy'
        ? [r.accuracy, r.welfare]
        : [r.cooperation, r.accuracy];
  let best = 0;
  for (let i = 1; i < history.length; i++) {
    const [a, b] = key(history[i]!);
    const [ba, bb] = key(history[best]!);
    if (a > ba || (a === ba && b > bb)) best = i;
  }
  return best;
}

/** The (welfare, accuracy) Pareto front of a run's epochs, distinct points only, sorted by welfare. */
export function paretoFront(history: readonly EpochRecord[]): [number, number][] {
  const seen = new Set<string>();
  const pts: [number, number][] = [];
  for (const r of history) {
    const k = `${r.welfare},${r.accuracy}`;
    if (!seen.has(k)) {
      seen.add(k);
      pts.push([r.welfare, r.accuracy]);
    }
  }
  const mask = paretoMask(pts);
  return pts.filter((_, i) => mask[i]).sort((a, b) => a[0] - b[0]);
}

/**
 * Index of the front (one per seed) holding the point with the largest welfare·accuracy, the
 * reference's `pick_best_pareto`.
 */
export function bestFront(fronts: readonly (readonly (readonly [number, number])[])[]): number {
  if (!Array.isArray(fronts) || fronts.length === 0)
    throw new PaperkitInputError('fronts', fronts, 'a non-empty array');
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  fronts.forEach((f, i) => {
    for (const [w, a] of f)
      if (w * a > bestScore) {
        bestScore = w * a;
        best = i;
      }
  });
  if (best < 0) throw new PaperkitInputError('fronts', fronts, 'at least one non-empty front');
  return best;
}
