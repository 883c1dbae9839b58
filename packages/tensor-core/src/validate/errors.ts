/**
 * Input validation shared by every paperkit package: each failure names the parameter, the value it
 * got and what is allowed, so a user fixes the call without reading our source.
 */

/** Thrown for any invalid argument to a paperkit entry point. */
export class PaperkitInputError extends Error {
  override readonly name = 'PaperkitInputError';
  /** The parameter that was wrong, as the caller spelled it. */
  readonly parameter: string;
  constructor(parameter: string, value: unknown, allowed: string) {
    super(`${parameter} must be ${allowed}; got ${describeValue(value)}`);
    this.parameter = parameter;
  }
}

/** Renders a value for an error message without dumping huge arrays. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value))
    return value.length > 8 ? `an array of length ${value.length}` : JSON.stringify(value);
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as Float64Array).length}`;
  if (typeof value === 'object' && 'shape' in value)
    return `a tensor of shape [${(value as { shape: number[] }).shape}]`;
  return typeof value;
}

/**
 * Asserts `value` is a non-null object (records, class instances; arrays only when `allowed` says so)
 * and returns it typed as `T`. `allowed` describes the expected shape for the message, e.g.
 * `'an object { lr, beta1? }'`.
 */
export function checkObject<T extends object = Record<string, unknown>>(
  parameter: string,
  value: unknown,
  allowed = 'an object',
): T {
  if (value === null || typeof value !== 'object' || (Array.isArray(value) && !allowed.includes('array')))
    throw new PaperkitInputError(parameter, value, allowed);
  return value as T;
}

/** Asserts `value` is a finite number. */
export function checkFinite(parameter: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new PaperkitInputError(parameter, value, 'a finite number');
  return value;
}

/** Asserts `value` is a finite number with value > 0. */
export function checkPositive(parameter: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new PaperkitInputError(parameter, value, 'a finite number > 0');
  return value;
}

/** Asserts `value` is a finite number with value >= 0. */
export function checkNonNegative(parameter: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new PaperkitInputError(parameter, value, 'a finite number >= 0');
  return value;
}

/** Asserts `value` lies in the interval given by `lo`/`hi` with the chosen open or closed ends. */
export function checkInRange(
  parameter: string,
  value: number,
  lo: number,
  hi: number,
  ends: '[]' | '[)' | '(]' | '()' = '[]',
): number {
  const okLo = ends[0] === '[' ? value >= lo : value > lo;
  const okHi = ends[1] === ']' ? value <= hi : value < hi;
  if (typeof value !== 'number' || !Number.isFinite(value) || !okLo || !okHi)
    throw new PaperkitInputError(parameter, value, `a number in ${ends[0]}${lo}, ${hi}${ends[1]}`);
  return value;
}

/** Asserts `value` is an integer, at least `min` (default 0). */
export function checkInteger(parameter: string, value: number, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new PaperkitInputError(parameter, value, `an integer >= ${min}`);
  return value;
}

/**
 * The largest tensor a paperkit helper allocates (2^31 − 1 elements): the limit of a JavaScript typed
 * array index on 32-bit engines and far beyond what fits a laptop's memory as float32 (8 GiB).
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/**
 * Asserts `shape` is an array of integers >= 0 whose product is at most `maxElements`
 * ({@link MAX_TENSOR_ELEMENTS} by default), so a huge or NaN shape is named instead of failing deep
 * inside tfjs with "Invalid typed array length".
 */
export function checkShape(
  parameter: string,
  shape: readonly number[],
  maxElements = MAX_TENSOR_ELEMENTS,
): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0))
    throw new PaperkitInputError(parameter, shape, 'an array of integers >= 0');
  const size = shape.reduce((a, d) => a * d, 1);
  if (size > maxElements)
    throw new PaperkitInputError(
      parameter,
      shape,
      `a shape of at most ${maxElements} elements (this one has ${size})`,
    );
  return [...shape];
}

/** Asserts every entry of an array is finite; names the first bad index. */
export function checkAllFinite(parameter: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new PaperkitInputError(`${parameter}[${i}]`, v, 'a finite number');
  }
}

/** Asserts `value` is one of `allowed`. */
export function checkOneOf<T extends string>(parameter: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new PaperkitInputError(
      parameter,
      value,
      `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    );
  return value as T;
}
