import {
  type CellStatistic,
  describeExpectation,
  type Expectation,
  type Reference,
  type Verdict,
} from '@paperkit/tensor-core';

/** A number for a table: integers as is, others with `digits` decimals or four significant digits. */
export function formatNum(v: number, digits?: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (digits !== undefined) return v.toFixed(digits);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/**
 * A statistic over seeds as text: the value alone when it is the same at every seed (a constant is
 * not a statistic), else `mean [lo, hi] (n)` with the 95% interval of the mean.
 */
export function formatStat(
  s: Pick<CellStatistic, 'mean' | 'ci95' | 'n' | 'varies' | 'values'>,
  digits?: number,
): string {
  if (s.n === 0) return '—';
  if (!s.varies) return formatNum(s.values[0]!, digits);
  if (s.values.some((v) => !Number.isFinite(v)))
    return `${s.values.map((v) => formatNum(v, digits)).join(' / ')}`;
  if (s.n === 1) return formatNum(s.mean, digits);
  return `${formatNum(s.mean, digits)} [${formatNum(s.ci95[0], digits)}, ${formatNum(s.ci95[1], digits)}] (n=${s.n})`;
}

/** A verdict's per-seed values summarised like {@link formatStat}. */
export function formatVerdictValue(v: Verdict, digits?: number): string {
  const varies = v.values.some((x) => !Object.is(x, v.values[0]));
  return formatStat(
    { mean: v.summary.mean, ci95: v.summary.ci95, n: v.values.length, varies, values: v.values },
    digits,
  );
}

/** The reference with its provenance label always shown: `0.953 (paper: Fig. 9 …)`. */
export function formatReference(r: Reference | undefined): string {
  if (!r) return '—';
  const value =
    r.value === undefined ? '' : typeof r.value === 'number' ? `${formatNum(r.value)} ` : `${r.value} `;
  return `${value}[${r.provenance}] ${r.source}`;
}

/** The criterion in words. */
export function formatExpectation(e: Expectation): string {
  return describeExpectation(e, (x) => formatNum(x));
}

/** The verdict mark for terminals and Markdown. */
export function verdictMark(status: Verdict['status']): string {
  return status === 'holds' ? '✓ holds' : status === 'fails' ? '✗ fails' : '? inconclusive';
}
