import type { AxisSpec } from '@paperkit/tensor-core';

/** A mapping from data values to pixels, with its ticks and tick labels. */
export interface Scale {
  /** Data value → pixel (may fall outside the range for values outside the domain). */
  (v: number): number;
  /** Data interval shown. */
  readonly domain: readonly [number, number];
  /** Pixel interval `[start, end]` (end < start for a y axis, which grows upwards). */
  readonly range: readonly [number, number];
  /** Tick positions (data values inside the domain). */
  readonly ticks: readonly number[];
  /** Whether the axis is logarithmic (base 10). */
  readonly log: boolean;
  /** Whether a value can be drawn at all (finite, and positive on a log axis). */
  valid(v: number): boolean;
  /** Label text of a tick. */
  format(v: number): string;
}

/** A "nice" step (1, 2 or 5 × 10^k) that cuts `span` into about `target` intervals. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // Rounded so float noise (0.09 / 6 = 0.014999…) cannot flip a boundary case between 1 and 2.
  const norm = Number((raw / mag).toPrecision(12));
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/** Decimals needed to print multiples of `step` exactly. */
function decimalsFor(step: number): number {
  return Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9)));
}

/** Formats a tick value: plain decimals at ordinary magnitudes, `1.5e-5` style beyond them. */
export function formatNumber(v: number, step?: number): string {
  if (v === 0 || Object.is(v, -0)) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) {
    const s = v.toExponential(
      step !== undefined ? Math.min(3, Math.max(0, decimalsFor(step / 10 ** Math.floor(Math.log10(a))))) : 2,
    );
    return s.replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  if (step !== undefined) return v.toFixed(decimalsFor(step));
  return String(Number(v.toPrecision(4)));
}

/** Linear ticks at multiples of a nice step covering [lo, hi] (endpoints included when they are multiples). */
export function linearTicks(lo: number, hi: number, target = 6): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const step = niceStep(hi - lo, target);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return { ticks, step };
}

/** Powers of ten in [lo, hi] (every `k`-th decade when there are many), with 2 and 5 multiples when the span is under two decades. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const decades = b - a;
  const ticks: number[] = [];
  if (decades <= 2) {
    for (let e = a; e <= b; e++)
      for (const m of [1, 2, 5]) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
      }
    return ticks;
  }
  const every = Math.ceil(decades / 8);
  for (let e = a; e <= b; e++) {
    if (e % every !== 0) continue;
    const v = Number((10 ** e).toPrecision(12));
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
  }
  return ticks;
}

function formatLog(v: number): string {
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) < 1e-9) {
    const k = Math.round(e);
    return k >= -4 && k <= 5 ? String(Number((10 ** k).toPrecision(6))) : `1e${k}`;
  }
  return formatNumber(v);
}

/** Options of {@link makeScale}. */
export interface ScaleOptions {
  /** Include 0 in an automatic linear domain (bar charts). */
  readonly includeZero?: boolean;
  /** Approximate number of ticks. */
  readonly ticks?: number;
  /** Extend an automatic linear domain to the outer ticks (default true). */
  readonly nice?: boolean;
}

/**
 * Builds a scale for `values` on `axis` mapped to pixel `range`. An automatic domain covers the
 * drawable values (extended to round ticks); a fixed `axis.domain` is used as given. A log axis drops
 * values ≤ 0; with no drawable values at all the domain is [0, 1] (or [1, 10] on a log axis).
 */
export function makeScale(
  values: Iterable<number>,
  axis: Pick<AxisSpec, 'log' | 'domain'>,
  range: readonly [number, number],
  options: ScaleOptions = {},
): Scale {
  const log = axis.log === true;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (options.includeZero && !log) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  const fixed =
    axis.domain !== undefined &&
    Number.isFinite(axis.domain[0]) &&
    Number.isFinite(axis.domain[1]) &&
    axis.domain[1] > axis.domain[0] &&
    (!log || axis.domain[0] > 0);
  let ticks: number[];
  let fmt: (v: number) => string;
  if (log) {
    if (fixed) [lo, hi] = [axis.domain![0], axis.domain![1]];
    else if (!(hi >= lo)) [lo, hi] = [1, 10];
    else {
      if (lo === hi) [lo, hi] = [lo / 10, hi * 10];
      lo = 10 ** Math.floor(Math.log10(lo) + 1e-9);
      hi = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
    }
    ticks = logTicks(lo, hi);
    fmt = formatLog;
  } else {
    if (fixed) [lo, hi] = [axis.domain![0], axis.domain![1]];
    else if (!(hi >= lo)) [lo, hi] = [0, 1];
    else if (lo === hi) {
      const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
      [lo, hi] = [lo - pad, hi + pad];
    }
    let t = linearTicks(lo, hi, options.ticks ?? 6);
    // Widening the domain can raise the step (0.01 → 0.02), leaving an end off the new grid; repeat
    // until both ends are ticks (the step only grows, so this settles in a couple of rounds).
    for (let round = 0; round < 4 && !fixed && options.nice !== false; round++) {
      const nlo = Math.min(lo, Number((Math.floor(lo / t.step + 1e-9) * t.step).toPrecision(12)));
      const nhi = Math.max(hi, Number((Math.ceil(hi / t.step - 1e-9) * t.step).toPrecision(12)));
      const nt = linearTicks(nlo, nhi, options.ticks ?? 6);
      const settled = nlo === lo && nhi === hi && nt.step === t.step;
      [lo, hi, t] = [nlo, nhi, nt];
      if (settled) break;
    }
    ticks = t.ticks;
    const step = t.step;
    fmt = (v) => formatNumber(v, step);
  }
  const [r0, r1] = range;
  const f0 = log ? Math.log10(lo) : lo;
  const f1 = log ? Math.log10(hi) : hi;
  const k = (r1 - r0) / (f1 - f0);
  const scale = ((v: number) => r0 + ((log ? Math.log10(v) : v) - f0) * k) as Scale;
  return Object.assign(scale, {
    domain: [lo, hi] as const,
    range: [r0, r1] as const,
    ticks,
    log,
    valid: (v: number) => Number.isFinite(v) && (!log || v > 0),
    format: fmt,
  });
}
