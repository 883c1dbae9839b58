/**
 * Benchmarks of @paperkit/weight-sharing: the prox of the weight-sharing regularizer per algorithm
 * against one plain `Float32Array.prototype.sort` of the same d in the same process (spec §I.10 target:
 * the sequential PAV prox at or below one sort), at d = 1e5 and 1e6, Float32 N(0, 0.05²) weights,
 * λ = 1e-3 (the spec's CPU measurement setting).
 */
import { median, Rng } from '@paperkit/tensor-core';
import { type ProxAlgorithm, proxR, radixArgsort } from '@paperkit/weight-sharing';
import type { BenchFigure } from '../figures.js';

/** Options of {@link benchWeightSharing}. */
export interface WeightSharingBenchOptions {
  /** Vector lengths; default [1e5, 1e6]. */
  readonly sizes?: readonly number[];
  /** Interleaved rounds per measurement (median reported); default 9. */
  readonly rounds?: number;
  /** Largest d per algorithm: end collisions is O(K·d) work, search collisions O(d log² d). */
  readonly maxSize?: Partial<Record<ProxAlgorithm, number>>;
}

/** The spec's measured CPU figures (§I.10, Node 20, 2-core VM): total prox and value sort, ms. */
const SPEC: Record<number, { prox: number; sort: number }> = {
  1e5: { prox: 5, sort: 8.2 },
  1e6: { prox: 66, sort: 102 },
};

/**
 * Median wall time of the prox per algorithm, of the radix argsort alone, and of one value sort, with
 * the methods interleaved round by round so that machine load hits them alike. Ratios are against the
 * sort measured in the same rounds.
 */
export async function benchWeightSharing(options: WeightSharingBenchOptions = {}): Promise<BenchFigure[]> {
  const sizes = options.sizes ?? [1e5, 1e6];
  const rounds = options.rounds ?? 9;
  const maxSize: Record<ProxAlgorithm, number> = {
    pav: 1e8,
    imminent: 1e8,
    search: 1e6,
    end: 2e4,
    ...options.maxSize,
  };
  const rng = Rng.fromSeed(1).stream('bench-weight-sharing');
  const figures: BenchFigure[] = [];
  for (const d of sizes) {
    const w = rng.fillNormal(new Float32Array(d), 0, 0.05);
    const algorithms = (['pav', 'imminent', 'search', 'end'] as const).filter((a) => d <= maxSize[a]);
    const methods: Record<string, () => void> = {
      sort: () => void w.slice().sort(),
      'radix argsort': () => void radixArgsort(w),
      ...Object.fromEntries(algorithms.map((a) => [a, () => void proxR(w, 1e-3, { algorithm: a })])),
    };
    // Warm up every path (JIT tiers) before timing.
    for (const f of Object.values(methods)) for (let r = 0; r < 2; r++) f();
    const times: Record<string, number[]> = {};
    for (let r = 0; r < rounds; r++) {
      const names = Object.keys(methods);
      if (r % 2 === 1) names.reverse();
      for (const name of names) {
        // The sort's copy is outside its timing: copy first, then time only the sort.
        if (name === 'sort') {
          const copy = w.slice();
          const t0 = performance.now();
          copy.sort();
          (times.sort ??= []).push(performance.now() - t0);
          continue;
        }
        const t0 = performance.now();
        methods[name]!();
        (times[name] ??= []).push(performance.now() - t0);
      }
    }
    const sortMs = median(times.sort!);
    const spec = SPEC[d];
    for (const name of ['radix argsort', ...algorithms]) {
      const ms = median(times[name]!);
      const label = name === 'radix argsort' ? 'radix argsort alone' : `prox (${name})`;
      figures.push({
        name: `weight-sharing: ${label}, d = ${d}`,
        value: ms,
        unit: 'ms',
        baseline: sortMs,
        ratio: ms / sortMs,
        note:
          name === 'pav'
            ? `target ratio ≤ 1 against Float32Array.sort (spec §I.10)${spec ? `; spec measured ${spec.prox} ms vs ${spec.sort} ms (${(spec.prox / spec.sort).toFixed(2)})` : ''}`
            : name === 'search'
              ? "paper's parallel algorithm run sequentially: O(d log² d) work, for depth counting, not CPU speed"
              : 'baseline: one Float32Array.prototype.sort of the same values',
      });
    }
    for (const a of ['pav', 'imminent', 'search', 'end'] as const)
      if (!algorithms.includes(a))
        figures.push({
          name: `weight-sharing: prox (${a}), d = ${d}`,
          value: Number.NaN,
          unit: 'ms',
          note: `n/a above d = ${maxSize[a]}`,
        });
  }
  return figures;
}
