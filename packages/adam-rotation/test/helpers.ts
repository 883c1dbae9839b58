import {
  type CellRecord,
  checkCellResult,
  type Experiment,
  type ExperimentSummary,
  ParamMap,
  Rng,
  randomNormal,
  resolveConfig,
  summarizeExperiment,
} from '@paperkit/tensor-core';
import { expectNoLeak, fakeCellContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A small parameter map with every kind of tensor a scope treats differently: a token embedding
 * [12, 8], a fused QKV weight [8, 24] and bias, a LayerNorm gain, and an output head [8, 12].
 */
export function toyParams(seed = 0): ParamMap {
  const rng = Rng.fromSeed(seed);
  const dense = { outAxis: 1, inAxis: 0 } as const;
  const shapes: Record<string, number[]> = {
    'tok.embedding': [12, 8],
    'block0.attn.qkv.weight': [8, 24],
    'block0.attn.qkv.bias': [24],
    'ln.gain': [8],
    'head.weight': [8, 12],
  };
  const v = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, randomNormal(rng.stream(k), s)]));
  const m = ParamMap.fromTensors({
    'tok.embedding': { value: v['tok.embedding']!, role: 'embedding', layout: dense, group: 'tok' },
    'block0.attn.qkv.weight': {
      value: v['block0.attn.qkv.weight']!,
      role: 'weight',
      layout: dense,
      group: 'block0.attn.qkv',
    },
    'block0.attn.qkv.bias': { value: v['block0.attn.qkv.bias']!, role: 'bias', group: 'block0.attn.qkv' },
    'ln.gain': { value: v['ln.gain']!, role: 'norm' },
    'head.weight': { value: v['head.weight']!, role: 'weight', layout: dense, group: 'head' },
  });
  tf.dispose(Object.values(v));
  return m;
}

/** Every cell of `e` at each seed (the runner's loop), each checked for leaks, then the runner's summary. */
export async function runExperiment(
  e: Experiment,
  seeds: readonly number[],
  overrides: Record<string, unknown> = {},
  preset = 'quick',
): Promise<{ records: CellRecord[]; summary: ExperimentSummary }> {
  const cfg = resolveConfig(e, preset, overrides);
  const records: CellRecord[] = [];
  for (const seed of seeds)
    for (const cell of e.cells(cfg)) {
      const result = await expectNoLeak(() => e.cell(cfg, cell.params, fakeCellContext(seed)));
      records.push({ seed, cell, result: checkCellResult(e, cell, result) });
    }
  return { records, summary: summarizeExperiment(e, cfg, records) };
}

/**
 * The per-seed values of each claim that fail its expectation (with its margin), as `id@seed=value`:
 * an empty list means the claim holds at every seed. `only` restricts the claims checked.
 */
export function claimsFailing(summary: ExperimentSummary, only?: readonly string[]): string[] {
  const out: string[] = [];
  summary.claims.forEach((c, i) => {
    if (only && !only.includes(c.id)) return;
    const v = summary.verdicts[i]!;
    const e = c.expect;
    v.values.forEach((x, k) => {
      const ok =
        e.op === 'between'
          ? x >= e.low && x <= e.high
          : e.op === 'approx'
            ? Math.abs(x - e.value) <= e.margin
            : e.op === '>'
              ? x > e.value + e.margin
              : e.op === '>='
                ? x >= e.value + e.margin
                : e.op === '<'
                  ? x < e.value - e.margin
                  : x <= e.value - e.margin;
      if (!ok) out.push(`${c.id}@${v.seeds[k]}=${x}`);
    });
  });
  return out;
}
