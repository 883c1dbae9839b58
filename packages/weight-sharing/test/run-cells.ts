import {
  type CellRecord,
  checkCellResult,
  type Experiment,
  resolveConfig,
  summarizeExperiment,
} from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';

/** Every cell of `e` at each seed, as the runner computes them, then the runner's summary (verdicts, plots). */
export async function runCells(
  e: Experiment,
  seeds: readonly number[],
  overrides: Record<string, unknown> = {},
  preset = 'quick',
) {
  const cfg = resolveConfig(e, preset, overrides);
  const records: CellRecord[] = [];
  for (const seed of seeds)
    for (const cell of e.cells(cfg))
      records.push({
        seed,
        cell,
        result: checkCellResult(e, cell, await e.cell(cfg, cell.params, fakeCellContext(seed))),
      });
  return { cfg, records, summary: summarizeExperiment(e, cfg, records) };
}

/** `claim: status` lines of a summary, for readable assertion failures. */
export function statuses(summary: ReturnType<typeof summarizeExperiment>): Record<string, string> {
  return Object.fromEntries(summary.verdicts.map((v) => [v.claim, `${v.status} (${v.reason})`]));
}
