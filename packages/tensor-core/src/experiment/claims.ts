import { PaperkitInputError } from '../validate/errors.js';
import type { SeedTable, Where } from './table.js';

/**
 * Where a reference value comes from. `paper`: printed in the paper (give the table, figure or
 * section); `reference-code`: measured by running the authors' released code; `derived`: our own
 * analysis or simulation of the paper's setting; `qualitative`: the paper states the effect without a
 * number we can compare (no value).
 */
export type Provenance = 'paper' | 'reference-code' | 'derived' | 'qualitative';

/** The provenance labels, in the order reports explain them. */
export const PROVENANCES: readonly Provenance[] = ['paper', 'reference-code', 'derived', 'qualitative'];

/** A reference beside our number. */
export interface Reference {
  readonly provenance: Provenance;
  /** The reference number (or a short text such as "≈ 2×"); absent for `qualitative`. */
  readonly value?: number | string;
  /** Table/figure/section of the paper, the reference-code script, or how we derived it. */
  readonly source: string;
}

/**
 * What the claim expects of its metric, with an explicit margin (≥ 0, in the metric's unit):
 * `>`/`>=` hold when the metric exceeds `value + margin`, `<`/`<=` when it stays below
 * `value − margin`, `approx` when it lies within `value ± margin`, `between` within `[low, high]`.
 */
export type Expectation =
  | { readonly op: '>' | '>=' | '<' | '<='; readonly value: number; readonly margin: number }
  | { readonly op: 'approx'; readonly value: number; readonly margin: number }
  | { readonly op: 'between'; readonly low: number; readonly high: number };

/** A number computed from one seed's results table, with the metrics it reads (checked at import). */
export interface TableMetric {
  /** Metrics it reads. */
  readonly uses: readonly string[];
  /** How it is computed, for the report ("finalLoss[nino] / finalLoss[adam]"). */
  readonly describe: string;
  compute(t: SeedTable): number;
}

/** One numeric claim of an experiment. */
export interface Claim {
  /** Short id, unique in the experiment (letters, digits, -). */
  readonly id: string;
  /** The claim in words, as a reader would check it. */
  readonly statement: string;
  readonly metric: TableMetric;
  readonly expect: Expectation;
  /** The paper's (or the reference code's, or our derivation's) number with its provenance. */
  readonly reference?: Reference;
  /** Digits shown after the decimal point; default 3 significant digits. */
  readonly digits?: number;
}

function describeWhere(where: Where | undefined): string {
  if (!where) return '';
  const parts = Object.entries(where).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `[${parts.join(',')}]` : '';
}

/** The metric of the one cell selected by `where` (or of the only cell). */
export function value(metric: string, where?: Where): TableMetric {
  return {
    uses: [metric],
    describe: `${metric}${describeWhere(where)}`,
    compute: (t) => t.value(metric, where),
  };
}

/** `metric[a] − metric[b]`. */
export function diff(metric: string, a: Where, b: Where): TableMetric {
  return {
    uses: [metric],
    describe: `${metric}${describeWhere(a)} − ${metric}${describeWhere(b)}`,
    compute: (t) => t.value(metric, a) - t.value(metric, b),
  };
}

/** `metric[a] / metric[b]`. */
export function ratio(metric: string, a: Where, b: Where): TableMetric {
  return {
    uses: [metric],
    describe: `${metric}${describeWhere(a)} / ${metric}${describeWhere(b)}`,
    compute: (t) => t.value(metric, a) / t.value(metric, b),
  };
}

/** Mean of a metric over the cells selected by `where` (within one seed). */
export function meanOver(metric: string, where?: Where): TableMetric {
  return {
    uses: [metric],
    describe: `mean ${metric}${describeWhere(where)}`,
    compute: (t) => {
      const v = t.values(metric, where);
      return v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length;
    },
  };
}

/** Minimum of a metric over the cells selected by `where`. */
export function minOver(metric: string, where?: Where): TableMetric {
  return {
    uses: [metric],
    describe: `min ${metric}${describeWhere(where)}`,
    compute: (t) => Math.min(...t.values(metric, where)),
  };
}

/** Maximum of a metric over the cells selected by `where`. */
export function maxOver(metric: string, where?: Where): TableMetric {
  return {
    uses: [metric],
    describe: `max ${metric}${describeWhere(where)}`,
    compute: (t) => Math.max(...t.values(metric, where)),
  };
}

/** Any computation over one seed's table; list the metrics it reads. */
export function computed(
  uses: readonly string[],
  describe: string,
  compute: (t: SeedTable) => number,
): TableMetric {
  return { uses, describe, compute };
}

const ID = /^[a-z0-9][a-z0-9-]*$/;

/** Checks one claim's declaration; `where` names the experiment. Called by `defineExperiment`. */
export function checkClaim(where: string, c: Claim, metrics: readonly string[]): void {
  const at = `${where}.claims[${typeof c?.id === 'string' ? c.id : '?'}]`;
  if (c === null || typeof c !== 'object') throw new PaperkitInputError(at, c, 'a claim object');
  if (typeof c.id !== 'string' || !ID.test(c.id))
    throw new PaperkitInputError(`${at}.id`, c.id, 'lowercase letters, digits and -');
  if (typeof c.statement !== 'string' || c.statement.trim() === '')
    throw new PaperkitInputError(`${at}.statement`, c.statement, 'a non-empty sentence');
  if (!c.metric || typeof c.metric.compute !== 'function' || !Array.isArray(c.metric.uses))
    throw new PaperkitInputError(`${at}.metric`, c.metric, 'a table metric (value, diff, ratio, computed…)');
  for (const m of c.metric.uses)
    if (!metrics.includes(m))
      throw new PaperkitInputError(
        `${at}.metric`,
        m,
        `a declared metric of the experiment (${metrics.join(', ')})`,
      );
  checkExpectation(`${at}.expect`, c.expect);
  if (c.reference !== undefined) checkReference(`${at}.reference`, c.reference);
  if (c.digits !== undefined && !(Number.isInteger(c.digits) && c.digits >= 0 && c.digits <= 12))
    throw new PaperkitInputError(`${at}.digits`, c.digits, 'an integer in [0, 12]');
}

function checkExpectation(at: string, e: Expectation): void {
  if (e === null || typeof e !== 'object') throw new PaperkitInputError(at, e, 'an expectation object');
  if (e.op === 'between') {
    if (!Number.isFinite(e.low) || !Number.isFinite(e.high) || e.low > e.high)
      throw new PaperkitInputError(`${at}.low/high`, [e.low, e.high], 'finite numbers with low ≤ high');
    return;
  }
  if (!['>', '>=', '<', '<=', 'approx'].includes(e.op))
    throw new PaperkitInputError(
      `${at}.op`,
      (e as { op: unknown }).op,
      "one of '>', '>=', '<', '<=', 'approx', 'between'",
    );
  if (!Number.isFinite(e.value)) throw new PaperkitInputError(`${at}.value`, e.value, 'a finite number');
  if (typeof e.margin !== 'number' || !Number.isFinite(e.margin) || e.margin < 0)
    throw new PaperkitInputError(
      `${at}.margin`,
      e.margin,
      'an explicit finite number ≥ 0 (0 is allowed but must be stated)',
    );
}

function checkReference(at: string, r: Reference): void {
  if (r === null || typeof r !== 'object') throw new PaperkitInputError(at, r, 'a reference object');
  if (!PROVENANCES.includes(r.provenance))
    throw new PaperkitInputError(`${at}.provenance`, r.provenance, `one of ${PROVENANCES.join(', ')}`);
  if (typeof r.source !== 'string' || r.source.trim() === '')
    throw new PaperkitInputError(
      `${at}.source`,
      r.source,
      'where the reference comes from (table, figure, script, derivation)',
    );
  if (r.provenance === 'qualitative' && r.value !== undefined)
    throw new PaperkitInputError(
      `${at}.value`,
      r.value,
      'absent for a qualitative reference (it has no number)',
    );
  if (r.provenance !== 'qualitative' && r.value === undefined)
    throw new PaperkitInputError(
      `${at}.value`,
      r.value,
      `the ${r.provenance} number (or use provenance 'qualitative')`,
    );
}

/** The expectation in words, e.g. "≥ 0.85 + 0.01" or "within 1.00 ± 0.05". */
export function describeExpectation(e: Expectation, fmt: (x: number) => string = String): string {
  switch (e.op) {
    case 'between':
      return `in [${fmt(e.low)}, ${fmt(e.high)}]`;
    case 'approx':
      return `≈ ${fmt(e.value)} ± ${fmt(e.margin)}`;
    default: {
      const sym = { '>': '>', '>=': '≥', '<': '<', '<=': '≤' }[e.op];
      const sign = e.op[0] === '>' ? '+' : '−';
      return e.margin === 0 ? `${sym} ${fmt(e.value)}` : `${sym} ${fmt(e.value)} ${sign} ${fmt(e.margin)}`;
    }
  }
}
