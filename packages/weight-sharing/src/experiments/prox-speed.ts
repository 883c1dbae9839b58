import {
  defineExperiment,
  type ExperimentContext,
  type ExperimentResult,
  type PaperComparison,
  type PlotSpec,
  throwIfAborted,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { adversarialInput } from '../adversarial.js';
import { ceilLog2 } from '../prox/partition.js';
import { PROX_ALGORITHMS, type ProxAlgorithm, proxR } from '../prox/prox.js';
import { PAPER } from './paper.js';

const schema = z.strictObject({
  /** Vector lengths d for the timing sweep. */
  sizes: z.array(z.number().int().min(2)).min(1).default([1e4, 1e5, 1e6]),
  /** Timed repetitions per point; the best is reported. */
  repeats: z.number().int().min(1).default(3),
  /** Largest d per algorithm (end collisions is O(K·d) work, search collisions O(d log² d)). */
  maxSize: z
    .strictObject({
      pav: z.number().int().min(2).default(1e7),
      end: z.number().int().min(2).default(2e4),
      imminent: z.number().int().min(2).default(1e7),
      search: z.number().int().min(2).default(1e6),
    })
    .default({ pav: 1e7, end: 2e4, imminent: 1e7, search: 1e6 }),
  /** Weight scale σ of the Float32 Gaussian weights (spec §I.8 P1). */
  sigma: z.number().positive().default(0.05),
  /** Prox strength λ of the timing sweep (spec §I.8 P1). */
  lambda: z.number().positive().default(1e-3),
  /** Lengths of the adversarial input of spec §I.3C (imminent collisions needs d − 1 rounds). */
  adversarialSizes: z.array(z.number().int().min(3)).min(1).default([100, 1000, 5000]),
});

/** Config of the prox-speed experiment. */
export type ProxSpeedConfig = z.output<typeof schema>;

/** Best wall time of `repeats` calls, in ms. */
function bestTime(repeats: number, f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const ALGORITHM_LABEL: Record<ProxAlgorithm, string> = {
  pav: 'A: sequential PAV',
  end: 'B: end collisions',
  imminent: 'C: imminent collisions',
  search: 'D: search collisions (paper)',
};

async function run(cfg: ProxSpeedConfig, ctx: ExperimentContext): Promise<ExperimentResult> {
  const sizes = [...cfg.sizes].sort((a, b) => a - b);
  const rng = ctx.rng.stream('weights');
  const times: Record<string, number[]> = { sort: [] };
  const rounds: Record<string, number[]> = {};
  const depths: Record<string, number[]> = {};
  const sizesOf: Record<string, number[]> = {};
  const work = sizes.length * (PROX_ALGORITHMS.length + 1) + cfg.adversarialSizes.length * 2;
  ctx.progress.start('prox speed', work);
  let done = 0;
  const summary: Record<string, number | string | boolean> = {};
  // Warm the JIT on every code path first, so the smallest d is not timed cold.
  const warm = rng.stream('warmup').fillNormal(new Float32Array(8192), 0, cfg.sigma);
  for (let r = 0; r < 5; r++) {
    warm.slice().sort();
    for (const a of PROX_ALGORITHMS) proxR(warm, cfg.lambda, { algorithm: a });
  }
  for (const d of sizes) {
    const w = rng.fillNormal(new Float32Array(d), 0, cfg.sigma);
    // The baseline: one plain value sort of a copy of the same data, in the same process.
    const sortMs = bestTime(cfg.repeats, () => void w.slice().sort());
    times.sort!.push(sortMs);
    summary[`sortMs_d${d}`] = sortMs;
    ctx.progress.update(++done, `d=${d} sort ${sortMs.toFixed(1)} ms`);
    for (const a of PROX_ALGORITHMS) {
      throwIfAborted(ctx.signal);
      if (d > cfg.maxSize[a]) {
        ctx.progress.update(++done, `d=${d} ${a} skipped (above maxSize.${a})`);
        continue;
      }
      let r = proxR(w, cfg.lambda, { algorithm: a });
      const ms = bestTime(cfg.repeats, () => {
        r = proxR(w, cfg.lambda, { algorithm: a });
      });
      (times[a] ??= []).push(ms);
      (rounds[a] ??= []).push(r.rounds);
      (depths[a] ??= []).push(r.depth);
      (sizesOf[a] ??= []).push(d);
      summary[`${a}Ms_d${d}`] = ms;
      summary[`${a}Rounds_d${d}`] = r.rounds;
      summary[`${a}Depth_d${d}`] = r.depth;
      ctx.metrics.write({
        step: done,
        d,
        algorithm: a,
        ms,
        sortMs,
        rounds: r.rounds,
        depth: r.depth,
        clusters: r.clusterCount,
      });
      ctx.progress.update(++done, `d=${d} ${a} ${ms.toFixed(1)} ms`);
    }
  }

  const adv: { d: number; imminent: number; search: number; searchDepth: number; clusters: number }[] = [];
  for (const d of [...cfg.adversarialSizes].sort((a, b) => a - b)) {
    throwIfAborted(ctx.signal);
    const w = adversarialInput(d, 1);
    const c = proxR(w, 1, { algorithm: 'imminent' });
    ctx.progress.update(++done, `adversarial d=${d}: imminent ${c.rounds} rounds`);
    const s = proxR(w, 1, { algorithm: 'search' });
    ctx.progress.update(++done, `adversarial d=${d}: search ${s.rounds} levels`);
    adv.push({ d, imminent: c.rounds, search: s.rounds, searchDepth: s.depth, clusters: c.clusterCount });
    ctx.metrics.write({
      step: done,
      adversarialD: d,
      imminentRounds: c.rounds,
      searchLevels: s.rounds,
      searchDepth: s.depth,
    });
    summary[`adversarialImminentRounds_d${d}`] = c.rounds;
    summary[`adversarialSearchLevels_d${d}`] = s.rounds;
    summary[`adversarialSearchDepth_d${d}`] = s.depth;
  }

  const comparisons: PaperComparison[] = [];
  for (const d of sizes) {
    const i = sizesOf.pav?.indexOf(d) ?? -1;
    if (i < 0) continue;
    const ratio = times.pav![i]! / times.sort![sizes.indexOf(d)]!;
    summary[`pavOverSort_d${d}`] = ratio;
    const spec: Record<number, string> = {
      1e5: '≈5 ms vs 8.2 ms (0.61)',
      1e6: '≈66 ms vs 102 ms (0.65)',
      4e6: '≈381 ms vs 466 ms (0.82)',
    };
    comparisons.push({
      metric: `PAV prox time / Float32Array.sort time at d = ${d}`,
      ours: ratio,
      paper: null,
      note: `target ≤ 1 (spec §I.10); spec's CPU measurement ${spec[d] ?? 'not measured at this d'}; paper's GPU tables not retrieved`,
      holds: ratio <= 1,
    });
  }
  const last = adv.at(-1)!;
  comparisons.push(
    {
      metric: `imminent-collisions rounds on the adversarial input (d = ${adv.map((a) => a.d).join(', ')})`,
      ours: adv.map((a) => a.imminent).join(', '),
      paper: 'O(d) worst case',
      note: 'spec §I.3C derivation: exactly d − 1 rounds',
      holds: adv.every((a) => a.imminent === a.d - 1),
    },
    {
      metric: `search-collisions levels on the adversarial input (d = ${adv.map((a) => a.d).join(', ')})`,
      ours: adv.map((a) => a.search).join(', '),
      paper: 'O(log³ d) depth',
      note: `⌈log2 d⌉ levels; measured PRAM depth ${last.searchDepth} at d = ${last.d} vs log2(d)³ = ${(Math.log2(last.d) ** 3) | 0}`,
      holds: adv.every((a) => a.search === ceilLog2(a.d) && a.searchDepth <= Math.log2(a.d) ** 3),
    },
  );
  const randomRounds = rounds.imminent ?? [];
  if (randomRounds.length > 0)
    comparisons.push({
      metric: `imminent-collisions rounds on Gaussian weights (d = ${sizesOf.imminent!.join(', ')})`,
      ours: randomRounds.join(', '),
      paper: 'fast in practice',
      note: 'spec §I.10: 1–3 rounds on realistic inputs',
      holds: randomRounds.every((r) => r <= 3),
    });

  const plots: PlotSpec[] = [
    {
      kind: 'line',
      id: 'prox-time-vs-d',
      title: `Prox time vs d (Float32 N(0, ${cfg.sigma}²) weights, λ = ${cfg.lambda}, best of ${cfg.repeats}, one CPU core)`,
      x: { label: 'd (number of weights)', log: true },
      y: { label: 'time (ms)', log: true },
      markers: true,
      series: [
        { name: 'Float32Array.sort (baseline)', x: sizes, y: times.sort! },
        ...PROX_ALGORITHMS.filter((a) => times[a]).map((a) => ({
          name: ALGORITHM_LABEL[a],
          x: sizesOf[a]!,
          y: times[a]!,
        })),
      ],
    },
    {
      kind: 'line',
      id: 'adversarial-rounds',
      title: 'Sequential rounds on the adversarial input of §I.3C (λ = 1)',
      x: { label: 'd', log: true },
      y: { label: 'rounds / levels', log: true },
      markers: true,
      series: [
        { name: 'C: imminent collisions (rounds)', x: adv.map((a) => a.d), y: adv.map((a) => a.imminent) },
        { name: 'D: search collisions (levels)', x: adv.map((a) => a.d), y: adv.map((a) => a.search) },
        {
          name: 'D: search collisions (PRAM depth)',
          x: adv.map((a) => a.d),
          y: adv.map((a) => a.searchDepth),
        },
      ],
    },
    {
      kind: 'line',
      id: 'depth-vs-d',
      title: 'Parallel depth (PRAM model) on Gaussian weights',
      x: { label: 'd', log: true },
      y: { label: 'depth (elementwise steps)', log: true },
      markers: true,
      series: PROX_ALGORITHMS.filter((a) => depths[a]).map((a) => ({
        name: ALGORITHM_LABEL[a],
        x: sizesOf[a]!,
        y: depths[a]!,
      })),
    },
  ];
  return {
    summary,
    comparisons,
    plots,
    series: {
      sizes,
      sortMs: times.sort!,
      ...Object.fromEntries(PROX_ALGORITHMS.filter((a) => times[a]).map((a) => [`${a}Ms`, times[a]!])),
      adversarialSizes: adv.map((a) => a.d),
      adversarialImminentRounds: adv.map((a) => a.imminent),
      adversarialSearchLevels: adv.map((a) => a.search),
    },
  };
}

/**
 * Prox speed and depth per algorithm (spec §I.3, §I.10): wall time vs d beside one plain
 * `Float32Array.sort`, and round counts on Gaussian weights and on the adversarial input where
 * imminent collisions needs d − 1 rounds while search collisions stays at ⌈log2 d⌉ levels.
 */
export const proxSpeedExperiment = defineExperiment({
  id: 'weight-sharing/prox-speed',
  paper: PAPER,
  title: 'Prox time vs d per algorithm (with a sort baseline) and rounds on the adversarial input',
  schema,
  presets: {
    quick: {},
    full: {
      sizes: [1e4, 1e5, 1e6, 4e6, 1e7],
      repeats: 3,
      maxSize: { pav: 1e7, end: 3e4, imminent: 1e7, search: 1e7 },
      adversarialSizes: [100, 1000, 5000, 20000],
    },
  },
  run,
});
