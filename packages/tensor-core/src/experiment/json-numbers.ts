/**
 * JSON has no NaN or Infinity: `JSON.stringify` silently writes `null`, which a report would then read
 * as "missing" and a verdict could pass. paperkit writes them as the strings "NaN", "Infinity" and
 * "-Infinity" in every metrics and results file, and reads them back as numbers.
 */

/** A number as it is written to JSON: itself when finite, else its name. */
export function encodeNumber(x: number): number | 'NaN' | 'Infinity' | '-Infinity' {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

/** Reads a number written by {@link encodeNumber}; anything else is `undefined`. */
export function decodeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** Deep copy with every non-finite number encoded (objects and arrays; other values as they are). */
export function encodeNumbers(value: unknown): unknown {
  if (typeof value === 'number') return encodeNumber(value);
  if (Array.isArray(value)) return value.map(encodeNumbers);
  if (ArrayBuffer.isView(value)) return Array.from(value as Float64Array, encodeNumber);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeNumbers(v);
    return out;
  }
  return value;
}

/** `JSON.stringify` that keeps non-finite numbers (see {@link encodeNumber}). */
export function stringifyWithNumbers(value: unknown, space?: number): string {
  return JSON.stringify(encodeNumbers(value), null, space);
}
