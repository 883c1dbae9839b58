import type { Claim, Expectation, Reference } from './claims.js';
import type { Experiment } from './define.js';
import type { PlotSpec } from './plots.js';
import { type CellStatistic, type ResultRow, ResultsTable } from './table.js';
import { evaluateClaim, type Verdict } from './verdict.js';
import { buildPlot, type CellRecord } from './views.js';

/** Everything a report shows for one experiment config across its seeds. */
export interface ExperimentSummary {
  readonly table: ResultsTable;
  /** Per cell and metric: mean, std, 95% interval, n, and whether it varies across seeds. */
  readonly statistics: readonly CellStatistic[];
  /** Claims as declared, beside their verdicts (same order). */
  readonly claims: readonly Claim[];
  readonly verdicts: readonly Verdict[];
  readonly plots: readonly PlotSpec[];
  /** Views that could not be built, with the reason (a report shows them as warnings). */
  readonly plotErrors: readonly { readonly id: string; readonly error: string }[];
}

/** The results rows of cell records. */
export function rowsOf(records: readonly CellRecord[]): ResultRow[] {
  return records.map((r) => ({
    seed: r.seed,
    cell: r.cell.key,
    label: r.cell.label,
    params: r.cell.params,
    metrics: r.result.metrics,
  }));
}

/**
 * Turns the completed cells of every seed of one config into statistics, verdicts (each claim's
 * metric computed per seed, then judged on the 95% interval across seeds) and plots. Pure: the runner
 * and the playground both call it.
 */
export function summarizeExperiment(
  e: Experiment,
  config: unknown,
  records: readonly CellRecord[],
): ExperimentSummary {
  const table = new ResultsTable(rowsOf(records));
  const claims = e.claims?.(config as never) ?? [];
  const tables = table.bySeed();
  const verdicts = claims.map((c) => evaluateClaim(c, tables, e.deterministic === true));
  const plots: PlotSpec[] = [];
  const plotErrors: { id: string; error: string }[] = [];
  for (const v of e.plots?.(config as never) ?? []) {
    try {
      plots.push(buildPlot(v, records, { deterministic: e.deterministic === true }));
    } catch (err) {
      plotErrors.push({ id: v.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { table, statistics: table.statistics(), claims, verdicts, plots, plotErrors };
}

/** A claim as data (JSON-safe): its declaration beside its verdict, as run folders and the playground keep it. */
export interface ClaimResult {
  readonly id: string;
  readonly statement: string;
  /** How the metric is computed from a seed's table. */
  readonly metric: string;
  readonly expect: Expectation;
  readonly reference: Reference | null;
  readonly digits: number | null;
  readonly verdict: Verdict;
}

/** The claims of a summary as {@link ClaimResult}s (the metric function replaced by its description). */
export function claimResults(s: Pick<ExperimentSummary, 'claims' | 'verdicts'>): ClaimResult[] {
  return s.claims.map((c, i) => ({
    id: c.id,
    statement: c.statement,
    metric: c.metric.describe,
    expect: c.expect,
    reference: c.reference ?? null,
    digits: c.digits ?? null,
    verdict: s.verdicts[i]!,
  }));
}
