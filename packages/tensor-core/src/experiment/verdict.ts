import { type SampleSummary, summarize } from '../stats/interval.js';
import type { Claim, Expectation } from './claims.js';
import type { SeedTable } from './table.js';

/** The outcome of a claim over seeds. */
export type VerdictStatus = 'holds' | 'fails' | 'inconclusive';

/** A claim judged on the seeds that ran. */
export interface Verdict {
  readonly claim: string;
  readonly status: VerdictStatus;
  /** One line: why (e.g. "95% interval [0.71, 0.83] lies below 0.85", "NaN at seed 2"). */
  readonly reason: string;
  /** Per-seed values of the claim's metric, in seed order. */
  readonly values: readonly number[];
  readonly seeds: readonly number[];
  /** Statistics of the values (interval unbounded with one seed unless the experiment is deterministic). */
  readonly summary: SampleSummary;
}

/**
 * The region of metric values where the claim is true: `[lo, hi]` plus whether each end is open.
 * For `>`/`>=` the bound is `value + margin`, for `<`/`<=` `value − margin`.
 */
function region(e: Expectation): { lo: number; hi: number; loOpen: boolean; hiOpen: boolean } {
  switch (e.op) {
    case '>':
      return { lo: e.value + e.margin, hi: Number.POSITIVE_INFINITY, loOpen: true, hiOpen: false };
    case '>=':
      return { lo: e.value + e.margin, hi: Number.POSITIVE_INFINITY, loOpen: false, hiOpen: false };
    case '<':
      return { lo: Number.NEGATIVE_INFINITY, hi: e.value - e.margin, loOpen: false, hiOpen: true };
    case '<=':
      return { lo: Number.NEGATIVE_INFINITY, hi: e.value - e.margin, loOpen: false, hiOpen: false };
    case 'approx':
      return { lo: e.value - e.margin, hi: e.value + e.margin, loOpen: false, hiOpen: false };
    case 'between':
      return { lo: e.low, hi: e.high, loOpen: false, hiOpen: false };
  }
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)
    ? x.toExponential(3)
    : String(Number(x.toPrecision(4)));
}

/**
 * Judges a claim from its per-seed values. A non-finite value at any seed fails the claim (a
 * diverged run never passes). Otherwise the 95% t-interval of the mean decides: `holds` when it lies
 * inside the claim's region, `fails` when it lies entirely outside, `inconclusive` when it straddles
 * a boundary. One seed gives an unbounded interval (inconclusive) unless `deterministic` (the
 * experiment's numbers do not depend on the seed, so one run is the exact value).
 */
export function judge(
  claim: Pick<Claim, 'id' | 'expect'>,
  values: readonly number[],
  seeds: readonly number[],
  deterministic = false,
): Verdict {
  const base = { claim: claim.id, values, seeds };
  const bad = values.findIndex((v) => !Number.isFinite(v));
  const summary = summarize(values);
  if (values.length === 0) return { ...base, summary, status: 'inconclusive', reason: 'no completed seed' };
  if (bad >= 0)
    return {
      ...base,
      summary,
      status: 'fails',
      reason: `non-finite value (${values[bad]}) at seed ${seeds[bad]}`,
    };
  const n = values.length;
  const ci: readonly [number, number] =
    deterministic && values.every((v) => v === values[0]) ? [values[0]!, values[0]!] : summary.ci95;
  const used = deterministic ? { ...summary, ci95: ci } : summary;
  const r = region(claim.expect);
  const aboveLo = (x: number) => (r.loOpen ? x > r.lo : x >= r.lo);
  const belowHi = (x: number) => (r.hiOpen ? x < r.hi : x <= r.hi);
  const shownCi =
    n === 1 && !deterministic
      ? `one seed (${fmt(values[0]!)})`
      : ci[0] === ci[1]
        ? `value ${fmt(ci[0])}`
        : `95% interval [${fmt(ci[0])}, ${fmt(ci[1])}]`;
  const seedsText = deterministic ? 'deterministic' : `${n} seed${n === 1 ? '' : 's'}`;
  if (n === 1 && !deterministic)
    return {
      ...base,
      summary: used,
      status: 'inconclusive',
      reason: `${shownCi}: one seed gives no interval; run --seeds 3 or more`,
    };
  if (aboveLo(ci[0]) && belowHi(ci[1]))
    return {
      ...base,
      summary: used,
      status: 'holds',
      reason: `${shownCi} inside the claimed region (${seedsText})`,
    };
  const entirelyBelow = r.loOpen ? ci[1] <= r.lo : ci[1] < r.lo;
  const entirelyAbove = r.hiOpen ? ci[0] >= r.hi : ci[0] > r.hi;
  if (entirelyBelow || entirelyAbove)
    return {
      ...base,
      summary: used,
      status: 'fails',
      reason: `${shownCi} outside the claimed region (${seedsText})`,
    };
  return {
    ...base,
    summary: used,
    status: 'inconclusive',
    reason: `${shownCi} straddles the claimed bound (${seedsText}); more seeds may decide`,
  };
}

/** Evaluates a claim on every seed's table and judges it. A metric that throws is a failed claim with the message. */
export function evaluateClaim(claim: Claim, tables: readonly SeedTable[], deterministic = false): Verdict {
  const values: number[] = [];
  const seeds: number[] = [];
  for (const t of tables) {
    let v: number;
    try {
      v = claim.metric.compute(t);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return {
        claim: claim.id,
        status: 'fails',
        reason: `metric could not be computed at seed ${t.seed}: ${msg}`,
        values,
        seeds,
        summary: summarize(values),
      };
    }
    values.push(typeof v === 'number' ? v : Number.NaN);
    seeds.push(t.seed);
  }
  return judge(claim, values, seeds, deterministic);
}
