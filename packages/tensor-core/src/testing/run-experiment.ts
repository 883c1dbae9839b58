import { type ExperimentSummary, summarizeExperiment } from '../experiment/aggregate.js';
import type { Experiment } from '../experiment/define.js';
import { resolveConfig } from '../experiment/define.js';
import { checkCellResult } from '../experiment/engine.js';
import type { CellRecord } from '../experiment/views.js';
import { fakeCellContext } from './context.js';

/** What {@link runExperimentCells} returns. */
export interface ExperimentRun {
  /** The resolved config (preset + overrides). */
  readonly config: unknown;
  /** Every cell at every seed, in run order. */
  readonly records: readonly CellRecord[];
  /** The runner's summary: statistics, verdicts of the claims, plots. */
  readonly summary: ExperimentSummary;
  /** `claim id → "status (reason)"`, for assertion messages that say why a claim failed. */
  readonly statuses: Readonly<Record<string, string>>;
}

/**
 * Runs every cell of `e` at each seed as the runner does (resolved config, a fresh seeded context per
 * cell, results checked against the declared metrics), then summarises them as the runner does, so a
 * reproduction test judges the experiment's own claims with the experiment's own margins. No files,
 * no worker thread; the cells run one after another on this thread.
 */
export async function runExperimentCells(
  e: Experiment,
  seeds: readonly number[],
  overrides: Record<string, unknown> = {},
  preset = 'quick',
): Promise<ExperimentRun> {
  const config = resolveConfig(e, preset, overrides);
  const records: CellRecord[] = [];
  for (const seed of seeds)
    for (const cell of e.cells(config as never))
      records.push({
        seed,
        cell,
        result: checkCellResult(e, cell, await e.cell(config as never, cell.params, fakeCellContext(seed))),
      });
  const summary = summarizeExperiment(e, config, records);
  const statuses = Object.fromEntries(summary.verdicts.map((v) => [v.claim, `${v.status} (${v.reason})`]));
  return { config, records, summary, statuses };
}
