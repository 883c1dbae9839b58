import type { PaperComparison, SummaryValue } from '@paperkit/tensor-core';
import type { RunGroup, RunRecord } from './gather.js';

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0, n };
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/** A number for a table: integers as is, others with four significant digits (scientific when tiny or huge). */
export function formatNum(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/** Renders one summary/comparison value. */
export function formatValue(v: SummaryValue | undefined): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'number') return formatNum(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v;
}

/** Values of several seeds as one cell: `mean ± std` for numbers, the value when all agree, else `a / b / c`. */
export function aggregateCell(values: readonly (SummaryValue | undefined)[]): string {
  const present = values.filter((v) => v !== undefined);
  if (present.length === 0) return '—';
  if (present.every((v) => typeof v === 'number')) {
    const nums = present as number[];
    if (nums.length === 1) return formatNum(nums[0]!);
    const finite = nums.filter(Number.isFinite);
    if (finite.length === 0) return formatValue(nums[0]);
    const s = meanStd(finite);
    const suffix = finite.length < nums.length ? ` (${nums.length - finite.length} non-finite)` : '';
    return `${formatNum(s.mean)} ± ${formatNum(s.std)}${suffix}`;
  }
  const shown = present.map((v) => formatValue(v));
  return new Set(shown).size === 1 ? shown[0]! : shown.join(' / ');
}

/**
 * Holds across seeds: `✓`/`✗` for one judged seed; with several, `✓ (3/3)` only when every judged seed
 * holds, otherwise `✗ (k/n)` with the number that held. `—` when never judged.
 */
export function holdsCell(values: readonly (boolean | null | undefined)[]): string {
  const judged = values.filter((v): v is boolean => typeof v === 'boolean');
  if (judged.length === 0) return '—';
  const ok = judged.filter(Boolean).length;
  const mark = ok === judged.length ? '✓' : '✗';
  return judged.length === 1 ? mark : `${mark} (${ok}/${judged.length})`;
}

/** A row of the ours-vs-paper table over the completed seeds of a group. */
export interface ComparisonRow {
  readonly metric: string;
  readonly ours: string;
  readonly paper: string;
  readonly holds: string;
  readonly note: string;
}

/** Completed runs (those with a summary). */
export function completed(group: RunGroup): RunRecord[] {
  return group.runs.filter((r) => r.manifest.status === 'completed' && r.summary !== null);
}

/** Comparison rows, matched across seeds by metric name in first-seen order. */
export function comparisonRows(group: RunGroup): ComparisonRow[] {
  const runs = completed(group);
  const metrics: string[] = [];
  const per = new Map<string, PaperComparison[]>();
  for (const r of runs)
    for (const c of r.summary!.comparisons ?? []) {
      if (!per.has(c.metric)) {
        per.set(c.metric, []);
        metrics.push(c.metric);
      }
      per.get(c.metric)!.push(c);
    }
  return metrics.map((m) => {
    const cs = per.get(m)!;
    return {
      metric: m,
      ours: aggregateCell(cs.map((c) => c.ours)),
      paper: aggregateCell(
        [...new Set(cs.map((c) => JSON.stringify(c.paper ?? null)))].map(
          (s) => JSON.parse(s) as SummaryValue,
        ),
      ),
      holds: holdsCell(cs.map((c) => c.holds)),
      note: cs.find((c) => c.note)?.note ?? '',
    };
  });
}

/** Summary rows `[key, value over seeds]`, keys in first-seen order. */
export function summaryRows(group: RunGroup): [string, string][] {
  const runs = completed(group);
  const keys: string[] = [];
  for (const r of runs)
    for (const k of Object.keys(r.summary!.summary ?? {})) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => [k, aggregateCell(runs.map((r) => r.summary!.summary[k]))]);
}

/** Claims holding over the group's comparisons, e.g. `2/3` (judged rows whose every seed holds). */
export function claimsHolding(group: RunGroup): string {
  const rows = comparisonRows(group).filter((r) => r.holds !== '—');
  if (rows.length === 0) return '—';
  return `${rows.filter((r) => r.holds.startsWith('✓')).length}/${rows.length}`;
}

/** Seeds by status, e.g. `3 completed` or `2 completed, 1 failed`. */
export function statusLine(group: RunGroup): string {
  const counts = new Map<string, number>();
  for (const r of group.runs) counts.set(r.manifest.status, (counts.get(r.manifest.status) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ');
}
